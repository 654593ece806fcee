#include "lion.hpp"

#include <algorithm>
#include <cmath>

#include "adam.hpp"

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> LionOptions::clone() const {
    return std::make_unique<LionOptions>(*this);
}

std::vector<OptionField> LionOptions::fields() {
    return {{"lr", &lr_}, {"beta1", &beta1_}, {"beta2", &beta2_}, {"weight_decay", &weight_decay_}};
}

void LionOptions::validate() const {
    detail::check_option(lr_ >= 0.0, "Lion", "learning rate", "lr", lr_, "expected lr >= 0");
    detail::check_betas("Lion", beta1_, beta2_);
    detail::check_option(weight_decay_ >= 0.0, "Lion", "weight_decay value", "weight_decay",
                         weight_decay_, "expected weight_decay >= 0");
}

Lion::Lion(TensorList params, const LionOptions& options)
    : Lion(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Lion::Lion(std::vector<ParamGroup> groups, const LionOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void lion_update(Tensor& param, const Tensor& grad, ParamState& state, const LionOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = detail::state_buffer<T>(state, "exp_avg", param);
    const double shrink = 1.0 - o.lr() * o.weight_decay();

    for (std::size_t i = 0; i < n; ++i) {
        const double c = o.beta1() * m[i] + (1.0 - o.beta1()) * g[i];
        const double sign = c > 0.0 ? 1.0 : (c < 0.0 ? -1.0 : 0.0);
        p[i] = static_cast<T>(p[i] * shrink - o.lr() * sign);
        m[i] = static_cast<T>(o.beta2() * m[i] + (1.0 - o.beta2()) * g[i]);
    }
}

}  // namespace

void Lion::update(Tensor& param, const Tensor& grad, ParamState& state,
                  const OptimizerOptions& options) {
    const auto& o = static_cast<const LionOptions&>(options);
    detail::dispatch(param, [&](auto zero) { lion_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
