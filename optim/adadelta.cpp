#include "adadelta.hpp"

#include <cmath>

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> AdadeltaOptions::clone() const {
    return std::make_unique<AdadeltaOptions>(*this);
}

std::vector<OptionField> AdadeltaOptions::fields() {
    return {{"lr", &lr_},
            {"rho", &rho_},
            {"eps", &eps_},
            {"weight_decay", &weight_decay_},
            {"maximize", &maximize_}};
}

void AdadeltaOptions::validate() const {
    detail::check_option(lr_ >= 0.0, "Adadelta", "learning rate", "lr", lr_, "expected lr >= 0");
    detail::check_option(rho_ >= 0.0 && rho_ <= 1.0, "Adadelta", "rho value", "rho", rho_,
                         "expected 0 <= rho <= 1");
    detail::check_option(eps_ >= 0.0, "Adadelta", "epsilon value", "eps", eps_,
                         "expected eps >= 0");
    detail::check_option(weight_decay_ >= 0.0, "Adadelta", "weight_decay value", "weight_decay",
                         weight_decay_, "expected weight_decay >= 0");
}

Adadelta::Adadelta(TensorList params, const AdadeltaOptions& options)
    : Adadelta(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adadelta::Adadelta(std::vector<ParamGroup> groups, const AdadeltaOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void adadelta_update(Tensor& param, const Tensor& grad, ParamState& state,
                     const AdadeltaOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* v = detail::state_buffer<T>(state, "square_avg", param);
    T* u = detail::state_buffer<T>(state, "acc_delta", param);
    const double sign = o.maximize() ? -1.0 : 1.0;
    const double rho = o.rho();

    for (std::size_t i = 0; i < n; ++i) {
        const double gi = sign * g[i] + o.weight_decay() * p[i];
        v[i] = static_cast<T>(rho * v[i] + (1.0 - rho) * gi * gi);
        const double std_dev = std::sqrt(v[i] + o.eps());
        const double delta = std::sqrt(u[i] + o.eps()) / std_dev * gi;
        u[i] = static_cast<T>(rho * u[i] + (1.0 - rho) * delta * delta);
        p[i] = static_cast<T>(p[i] - o.lr() * delta);
    }
}

}  // namespace

void Adadelta::update(Tensor& param, const Tensor& grad, ParamState& state,
                      const OptimizerOptions& options) {
    const auto& o = static_cast<const AdadeltaOptions&>(options);
    detail::dispatch(param,
                     [&](auto zero) { adadelta_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
