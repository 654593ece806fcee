#include "nadam.hpp"

#include <algorithm>
#include <cmath>

#include "adam.hpp"

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> NAdamOptions::clone() const {
    return std::make_unique<NAdamOptions>(*this);
}

std::vector<OptionField> NAdamOptions::fields() {
    return {{"lr", &lr_},
            {"beta1", &beta1_},
            {"beta2", &beta2_},
            {"eps", &eps_},
            {"weight_decay", &weight_decay_},
            {"momentum_decay", &momentum_decay_}};
}

void NAdamOptions::validate() const {
    detail::check_adam_options("NAdam", lr_, eps_, beta1_, beta2_, weight_decay_);
    detail::check_option(momentum_decay_ >= 0.0, "NAdam", "momentum_decay value", "momentum_decay",
                         momentum_decay_, "expected momentum_decay >= 0");
}

NAdam::NAdam(TensorList params, const NAdamOptions& options)
    : NAdam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

NAdam::NAdam(std::vector<ParamGroup> groups, const NAdamOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void nadam_update(Tensor& param, const Tensor& grad, ParamState& state, const NAdamOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = detail::state_buffer<T>(state, "exp_avg", param);
    T* v = detail::state_buffer<T>(state, "exp_avg_sq", param);
    auto product = state.scalars.find("mu_product");
    if (product == state.scalars.end()) {
        product = state.scalars.emplace("mu_product", 1.0).first;
    }

    const auto t = static_cast<double>(state.step);
    const double bias_correction2 = 1.0 - std::pow(o.beta2(), t);
    const double mu = o.beta1() * (1.0 - 0.5 * std::pow(0.96, t * o.momentum_decay()));
    const double mu_next = o.beta1() * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * o.momentum_decay()));
    product->second *= mu;
    const double mu_product = product->second;
    const double mu_product_next = mu_product * mu_next;
    const double grad_scale = o.lr() * (1.0 - mu) / (1.0 - mu_product);
    const double avg_scale = o.lr() * mu_next / (1.0 - mu_product_next);

    for (std::size_t i = 0; i < n; ++i) {
        const double gi = g[i] + o.weight_decay() * p[i];
        m[i] = static_cast<T>(o.beta1() * m[i] + (1.0 - o.beta1()) * gi);
        v[i] = static_cast<T>(o.beta2() * v[i] + (1.0 - o.beta2()) * gi * gi);
        const double denom = std::sqrt(v[i] / bias_correction2) + o.eps();
        const double x = p[i] - grad_scale * (gi / denom);
        p[i] = static_cast<T>(x - avg_scale * (m[i] / denom));
    }
}

}  // namespace

void NAdam::update(Tensor& param, const Tensor& grad, ParamState& state,
                   const OptimizerOptions& options) {
    const auto& o = static_cast<const NAdamOptions&>(options);
    detail::dispatch(param,
                     [&](auto zero) { nadam_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
