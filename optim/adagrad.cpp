#include "adagrad.hpp"

#include <cmath>

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> AdagradOptions::clone() const {
    return std::make_unique<AdagradOptions>(*this);
}

std::vector<OptionField> AdagradOptions::fields() {
    return {{"lr", &lr_},
            {"lr_decay", &lr_decay_},
            {"weight_decay", &weight_decay_},
            {"initial_accumulator_value", &initial_accumulator_value_},
            {"eps", &eps_},
            {"maximize", &maximize_}};
}

void AdagradOptions::validate() const {
    detail::check_option(lr_ >= 0.0, "Adagrad", "learning rate", "lr", lr_, "expected lr >= 0");
    detail::check_option(lr_decay_ >= 0.0, "Adagrad", "lr_decay value", "lr_decay", lr_decay_,
                         "expected lr_decay >= 0");
    detail::check_option(weight_decay_ >= 0.0, "Adagrad", "weight_decay value", "weight_decay",
                         weight_decay_, "expected weight_decay >= 0");
    detail::check_option(initial_accumulator_value_ >= 0.0, "Adagrad",
                         "initial_accumulator_value value", "initial_accumulator_value",
                         initial_accumulator_value_, "expected initial_accumulator_value >= 0");
    detail::check_option(eps_ >= 0.0, "Adagrad", "epsilon value", "eps", eps_, "expected eps >= 0");
}

Adagrad::Adagrad(TensorList params, const AdagradOptions& options)
    : Adagrad(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void adagrad_update(Tensor& param, const Tensor& grad, ParamState& state, const AdagradOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* s = detail::state_buffer<T>(state, "sum", param, o.initial_accumulator_value());
    const double sign = o.maximize() ? -1.0 : 1.0;
    const double clr = o.lr() / (1.0 + static_cast<double>(state.step - 1) * o.lr_decay());

    for (std::size_t i = 0; i < n; ++i) {
        const double gi = sign * g[i] + o.weight_decay() * p[i];
        s[i] = static_cast<T>(s[i] + gi * gi);
        const double std_dev = std::sqrt(static_cast<double>(s[i])) + o.eps();
        p[i] = static_cast<T>(p[i] - clr * (gi / std_dev));
    }
}

}  // namespace

void Adagrad::update(Tensor& param, const Tensor& grad, ParamState& state,
                     const OptimizerOptions& options) {
    const auto& o = static_cast<const AdagradOptions&>(options);
    detail::dispatch(param,
                     [&](auto zero) { adagrad_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
