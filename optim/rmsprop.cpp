#include "rmsprop.hpp"

#include <cmath>

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> RMSpropOptions::clone() const {
    return std::make_unique<RMSpropOptions>(*this);
}

std::vector<OptionField> RMSpropOptions::fields() {
    return {{"lr", &lr_},
            {"alpha", &alpha_},
            {"eps", &eps_},
            {"weight_decay", &weight_decay_},
            {"momentum", &momentum_},
            {"centered", &centered_},
            {"maximize", &maximize_}};
}

void RMSpropOptions::validate() const {
    detail::check_option(lr_ >= 0.0, "RMSprop", "learning rate", "lr", lr_, "expected lr >= 0");
    detail::check_option(eps_ >= 0.0, "RMSprop", "epsilon value", "eps", eps_, "expected eps >= 0");
    detail::check_option(momentum_ >= 0.0, "RMSprop", "momentum value", "momentum", momentum_,
                         "expected momentum >= 0");
    detail::check_option(weight_decay_ >= 0.0, "RMSprop", "weight_decay value", "weight_decay",
                         weight_decay_, "expected weight_decay >= 0");
    detail::check_option(alpha_ >= 0.0, "RMSprop", "alpha value", "alpha", alpha_,
                         "expected alpha >= 0");
}

RMSprop::RMSprop(TensorList params, const RMSpropOptions& options)
    : RMSprop(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void rmsprop_update(Tensor& param, const Tensor& grad, ParamState& state, const RMSpropOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* v = detail::state_buffer<T>(state, "square_avg", param);
    T* a = o.centered() ? detail::state_buffer<T>(state, "grad_avg", param) : nullptr;
    T* b = o.momentum() > 0.0 ? detail::state_buffer<T>(state, "momentum_buffer", param) : nullptr;
    const double sign = o.maximize() ? -1.0 : 1.0;
    const double alpha = o.alpha();

    for (std::size_t i = 0; i < n; ++i) {
        const double gi = sign * g[i] + o.weight_decay() * p[i];
        v[i] = static_cast<T>(alpha * v[i] + (1.0 - alpha) * gi * gi);
        double d = 0.0;
        if (a != nullptr) {
            a[i] = static_cast<T>(alpha * a[i] + (1.0 - alpha) * gi);
            d = std::sqrt(v[i] - static_cast<double>(a[i]) * a[i]) + o.eps();
        } else {
            d = std::sqrt(static_cast<double>(v[i])) + o.eps();
        }
        if (b != nullptr) {
            b[i] = static_cast<T>(o.momentum() * b[i] + gi / d);
            p[i] = static_cast<T>(p[i] - o.lr() * b[i]);
        } else {
            p[i] = static_cast<T>(p[i] - o.lr() * (gi / d));
        }
    }
}

}  // namespace

void RMSprop::update(Tensor& param, const Tensor& grad, ParamState& state,
                     const OptimizerOptions& options) {
    const auto& o = static_cast<const RMSpropOptions&>(options);
    detail::dispatch(param,
                     [&](auto zero) { rmsprop_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
