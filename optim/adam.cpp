#include "adam.hpp"

#include <algorithm>
#include <cmath>

namespace wengert::optim {

namespace detail {

void check_betas(std::string_view optimizer, double beta1, double beta2) {
    check_option(beta1 >= 0.0 && beta1 < 1.0, optimizer, "beta parameter at index 0", "beta1",
                 beta1, "expected 0 <= beta1 < 1");
    check_option(beta2 >= 0.0 && beta2 < 1.0, optimizer, "beta parameter at index 1", "beta2",
                 beta2, "expected 0 <= beta2 < 1");
}

void check_adam_options(std::string_view name, double lr, double eps, double beta1, double beta2,
                        double weight_decay) {
    check_option(lr >= 0.0, name, "learning rate", "lr", lr, "expected lr >= 0");
    check_option(eps >= 0.0, name, "epsilon value", "eps", eps, "expected eps >= 0");
    check_betas(name, beta1, beta2);
    check_option(weight_decay >= 0.0, name, "weight_decay value", "weight_decay", weight_decay,
                 "expected weight_decay >= 0");
}

}  // namespace detail

namespace {

struct AdamStep {
    double lr, beta1, beta2, eps, coupled_decay, decoupled_decay;
    bool amsgrad, maximize;
};

template <class T>
void adam_update(Tensor& param, const Tensor& grad, ParamState& state, const AdamStep& s) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = detail::state_buffer<T>(state, "exp_avg", param);
    T* v = detail::state_buffer<T>(state, "exp_avg_sq", param);
    T* v_max = s.amsgrad ? detail::state_buffer<T>(state, "max_exp_avg_sq", param) : nullptr;

    const auto t = static_cast<double>(state.step);
    const double bias_correction1 = 1.0 - std::pow(s.beta1, t);
    const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(s.beta2, t));
    const double step_size = s.lr / bias_correction1;
    const double sign = s.maximize ? -1.0 : 1.0;
    const double shrink = 1.0 - s.lr * s.decoupled_decay;

    for (std::size_t i = 0; i < n; ++i) {
        const double x = static_cast<double>(p[i]) * shrink;
        const double gi = sign * g[i] + s.coupled_decay * p[i];
        m[i] = static_cast<T>(s.beta1 * m[i] + (1.0 - s.beta1) * gi);
        v[i] = static_cast<T>(s.beta2 * v[i] + (1.0 - s.beta2) * gi * gi);
        double second = v[i];
        if (v_max != nullptr) {
            v_max[i] = std::max(v_max[i], v[i]);
            second = v_max[i];
        }
        const double denom = std::sqrt(second) / bias_correction2_sqrt + s.eps;
        p[i] = static_cast<T>(x - step_size * (m[i] / denom));
    }
}

void run_adam(Tensor& param, const Tensor& grad, ParamState& state, const AdamStep& s) {
    detail::dispatch(param, [&](auto zero) { adam_update<decltype(zero)>(param, grad, state, s); });
}

}  // namespace

std::unique_ptr<OptimizerOptions> AdamOptions::clone() const {
    return std::make_unique<AdamOptions>(*this);
}

std::vector<OptionField> AdamOptions::fields() {
    return {{"lr", &lr_},
            {"beta1", &beta1_},
            {"beta2", &beta2_},
            {"eps", &eps_},
            {"weight_decay", &weight_decay_},
            {"amsgrad", &amsgrad_},
            {"maximize", &maximize_}};
}

void AdamOptions::validate() const {
    detail::check_adam_options("Adam", lr_, eps_, beta1_, beta2_, weight_decay_);
}

std::unique_ptr<OptimizerOptions> AdamWOptions::clone() const {
    return std::make_unique<AdamWOptions>(*this);
}

std::vector<OptionField> AdamWOptions::fields() {
    return {{"lr", &lr_},
            {"beta1", &beta1_},
            {"beta2", &beta2_},
            {"eps", &eps_},
            {"weight_decay", &weight_decay_},
            {"amsgrad", &amsgrad_},
            {"maximize", &maximize_}};
}

void AdamWOptions::validate() const {
    detail::check_adam_options("AdamW", lr_, eps_, beta1_, beta2_, weight_decay_);
}

Adam::Adam(TensorList params, const AdamOptions& options)
    : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

void Adam::update(Tensor& param, const Tensor& grad, ParamState& state,
                  const OptimizerOptions& options) {
    const auto& o = static_cast<const AdamOptions&>(options);
    run_adam(
        param, grad, state,
        {o.lr(), o.beta1(), o.beta2(), o.eps(), o.weight_decay(), 0.0, o.amsgrad(), o.maximize()});
}

AdamW::AdamW(TensorList params, const AdamWOptions& options)
    : AdamW(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

void AdamW::update(Tensor& param, const Tensor& grad, ParamState& state,
                   const OptimizerOptions& options) {
    const auto& o = static_cast<const AdamWOptions&>(options);
    run_adam(
        param, grad, state,
        {o.lr(), o.beta1(), o.beta2(), o.eps(), 0.0, o.weight_decay(), o.amsgrad(), o.maximize()});
}

}  // namespace wengert::optim
