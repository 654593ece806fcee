#include "lamb.hpp"

#include <algorithm>
#include <cmath>

#include "adam.hpp"

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> LAMBOptions::clone() const {
    return std::make_unique<LAMBOptions>(*this);
}

std::vector<OptionField> LAMBOptions::fields() {
    return {{"lr", &lr_},
            {"beta1", &beta1_},
            {"beta2", &beta2_},
            {"eps", &eps_},
            {"weight_decay", &weight_decay_}};
}

void LAMBOptions::validate() const {
    detail::check_adam_options("LAMB", lr_, eps_, beta1_, beta2_, weight_decay_);
}

LAMB::LAMB(TensorList params, const LAMBOptions& options)
    : LAMB(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

LAMB::LAMB(std::vector<ParamGroup> groups, const LAMBOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void lamb_update(Tensor& param, const Tensor& grad, ParamState& state, const LAMBOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = detail::state_buffer<T>(state, "exp_avg", param);
    T* v = detail::state_buffer<T>(state, "exp_avg_sq", param);

    const auto t = static_cast<double>(state.step);
    const double bias_correction1 = 1.0 - std::pow(o.beta1(), t);
    const double bias_correction2 = 1.0 - std::pow(o.beta2(), t);
    const auto direction = [&](std::size_t i) {
        const double m_hat = m[i] / bias_correction1;
        const double v_hat = v[i] / bias_correction2;
        return m_hat / (std::sqrt(v_hat) + o.eps()) + o.weight_decay() * p[i];
    };

    // Two passes, so that no buffer for the update is needed: the first updates the moments
    // and measures both norms, the second recomputes the update from them and applies it.
    double param_sq = 0.0;
    double update_sq = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        m[i] = static_cast<T>(o.beta1() * m[i] + (1.0 - o.beta1()) * g[i]);
        v[i] = static_cast<T>(o.beta2() * v[i] + (1.0 - o.beta2()) * g[i] * g[i]);
        const double r = direction(i);
        param_sq += static_cast<double>(p[i]) * p[i];
        update_sq += r * r;
    }
    const double param_norm = std::sqrt(param_sq);
    const double update_norm = std::sqrt(update_sq);
    const double trust = param_norm > 0.0 && update_norm > 0.0 ? param_norm / update_norm : 1.0;
    state.scalars.insert_or_assign("trust_ratio", trust);

    const double scale = o.lr() * trust;
    for (std::size_t i = 0; i < n; ++i) {
        p[i] = static_cast<T>(p[i] - scale * direction(i));
    }
}

}  // namespace

void LAMB::update(Tensor& param, const Tensor& grad, ParamState& state,
                  const OptimizerOptions& options) {
    const auto& o = static_cast<const LAMBOptions&>(options);
    detail::dispatch(param, [&](auto zero) { lamb_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
