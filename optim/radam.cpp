#include "radam.hpp"

#include <algorithm>
#include <cmath>

#include "adam.hpp"

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> RAdamOptions::clone() const {
    return std::make_unique<RAdamOptions>(*this);
}

std::vector<OptionField> RAdamOptions::fields() {
    return {{"lr", &lr_},
            {"beta1", &beta1_},
            {"beta2", &beta2_},
            {"eps", &eps_},
            {"weight_decay", &weight_decay_}};
}

void RAdamOptions::validate() const {
    detail::check_adam_options("RAdam", lr_, eps_, beta1_, beta2_, weight_decay_);
}

RAdam::RAdam(TensorList params, const RAdamOptions& options)
    : RAdam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

RAdam::RAdam(std::vector<ParamGroup> groups, const RAdamOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void radam_update(Tensor& param, const Tensor& grad, ParamState& state, const RAdamOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = detail::state_buffer<T>(state, "exp_avg", param);
    T* v = detail::state_buffer<T>(state, "exp_avg_sq", param);

    const auto t = static_cast<double>(state.step);
    const double bias_correction1 = 1.0 - std::pow(o.beta1(), t);
    const double bias_correction2 = 1.0 - std::pow(o.beta2(), t);
    const double rho_inf = 2.0 / (1.0 - o.beta2()) - 1.0;
    const double rho_t = rho_inf - 2.0 * t * std::pow(o.beta2(), t) / bias_correction2;
    // Early steps, where the variance of the adaptive rate is not tractable, are SGD with
    // momentum; after them the adaptive step is rectified.
    const bool rectify = rho_t > 5.0;
    const double rect = rectify ? std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                            ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                                : 0.0;

    for (std::size_t i = 0; i < n; ++i) {
        const double gi = g[i] + o.weight_decay() * p[i];
        m[i] = static_cast<T>(o.beta1() * m[i] + (1.0 - o.beta1()) * gi);
        v[i] = static_cast<T>(o.beta2() * v[i] + (1.0 - o.beta2()) * gi * gi);
        const double m_hat = m[i] / bias_correction1;
        if (rectify) {
            const double adaptive = std::sqrt(bias_correction2) / (std::sqrt(v[i]) + o.eps());
            p[i] = static_cast<T>(p[i] - m_hat * o.lr() * adaptive * rect);
        } else {
            p[i] = static_cast<T>(p[i] - m_hat * o.lr());
        }
    }
}

}  // namespace

void RAdam::update(Tensor& param, const Tensor& grad, ParamState& state,
                   const OptimizerOptions& options) {
    const auto& o = static_cast<const RAdamOptions&>(options);
    detail::dispatch(param,
                     [&](auto zero) { radam_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
