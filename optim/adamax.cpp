#include "adamax.hpp"

#include <algorithm>
#include <cmath>

#include "adam.hpp"

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> AdamaxOptions::clone() const {
    return std::make_unique<AdamaxOptions>(*this);
}

std::vector<OptionField> AdamaxOptions::fields() {
    return {{"lr", &lr_},
            {"beta1", &beta1_},
            {"beta2", &beta2_},
            {"eps", &eps_},
            {"weight_decay", &weight_decay_},
            {"maximize", &maximize_}};
}

void AdamaxOptions::validate() const {
    detail::check_adam_options("Adamax", lr_, eps_, beta1_, beta2_, weight_decay_);
}

Adamax::Adamax(TensorList params, const AdamaxOptions& options)
    : Adamax(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adamax::Adamax(std::vector<ParamGroup> groups, const AdamaxOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void adamax_update(Tensor& param, const Tensor& grad, ParamState& state, const AdamaxOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = detail::state_buffer<T>(state, "exp_avg", param);
    T* u = detail::state_buffer<T>(state, "exp_inf", param);
    const double sign = o.maximize() ? -1.0 : 1.0;
    const double clr = o.lr() / (1.0 - std::pow(o.beta1(), static_cast<double>(state.step)));

    for (std::size_t i = 0; i < n; ++i) {
        const double gi = sign * g[i] + o.weight_decay() * p[i];
        m[i] = static_cast<T>(o.beta1() * m[i] + (1.0 - o.beta1()) * gi);
        u[i] = static_cast<T>(std::max(o.beta2() * u[i], std::abs(gi) + o.eps()));
        p[i] = static_cast<T>(p[i] - clr * (m[i] / static_cast<double>(u[i])));
    }
}

}  // namespace

void Adamax::update(Tensor& param, const Tensor& grad, ParamState& state,
                    const OptimizerOptions& options) {
    const auto& o = static_cast<const AdamaxOptions&>(options);
    detail::dispatch(param,
                     [&](auto zero) { adamax_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
