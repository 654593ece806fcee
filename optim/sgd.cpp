#include "sgd.hpp"

namespace wengert::optim {

std::unique_ptr<OptimizerOptions> SGDOptions::clone() const {
    return std::make_unique<SGDOptions>(*this);
}

std::vector<OptionField> SGDOptions::fields() {
    return {{"lr", &lr_},
            {"momentum", &momentum_},
            {"dampening", &dampening_},
            {"weight_decay", &weight_decay_},
            {"nesterov", &nesterov_},
            {"maximize", &maximize_}};
}

void SGDOptions::validate() const {
    detail::check_option(lr_ >= 0.0, "SGD", "learning rate", "lr", lr_, "expected lr >= 0");
    detail::check_option(momentum_ >= 0.0, "SGD", "momentum value", "momentum", momentum_,
                         "expected momentum >= 0");
    detail::check_option(weight_decay_ >= 0.0, "SGD", "weight_decay value", "weight_decay",
                         weight_decay_, "expected weight_decay >= 0");
    detail::check_option(!nesterov_ || momentum_ > 0.0, "SGD",
                         "nesterov setting: Nesterov momentum requires a momentum", "momentum",
                         momentum_, "expected momentum > 0 with nesterov");
    detail::check_option(!nesterov_ || dampening_ == 0.0, "SGD",
                         "nesterov setting: Nesterov momentum requires zero dampening", "dampening",
                         dampening_, "expected dampening == 0 with nesterov");
}

SGD::SGD(TensorList params, const SGDOptions& options)
    : SGD(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer(std::move(groups), options.clone()) {}

namespace {

template <class T>
void sgd_update(Tensor& param, const Tensor& grad, ParamState& state, const SGDOptions& o) {
    const std::size_t n = param.numel();
    T* p = param.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    const double sign = o.maximize() ? -1.0 : 1.0;
    const double wd = o.weight_decay();
    const double momentum = o.momentum();
    const double lr = o.lr();

    if (momentum == 0.0) {
        for (std::size_t i = 0; i < n; ++i) {
            const double d = sign * g[i] + wd * p[i];
            p[i] = static_cast<T>(p[i] - lr * d);
        }
        return;
    }

    // PyTorch starts the buffer at the first gradient itself, without dampening.
    const bool first = detail::find_buffer<T>(state, "momentum_buffer") == nullptr;
    T* buf = detail::state_buffer<T>(state, "momentum_buffer", param);
    const double keep = 1.0 - o.dampening();
    for (std::size_t i = 0; i < n; ++i) {
        const double d = sign * g[i] + wd * p[i];
        const double b = first ? d : momentum * buf[i] + keep * d;
        buf[i] = static_cast<T>(b);
        const double step = o.nesterov() ? d + momentum * b : b;
        p[i] = static_cast<T>(p[i] - lr * step);
    }
}

}  // namespace

void SGD::update(Tensor& param, const Tensor& grad, ParamState& state,
                 const OptimizerOptions& options) {
    const auto& o = static_cast<const SGDOptions&>(options);
    detail::dispatch(param, [&](auto zero) { sgd_update<decltype(zero)>(param, grad, state, o); });
}

}  // namespace wengert::optim
