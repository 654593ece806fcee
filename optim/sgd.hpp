#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of SGD, with PyTorch's defaults (lr has none in PyTorch; pass it).
class SGDOptions : public OptimizerOptions {
public:
    explicit SGDOptions(double lr) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "SGD"; }
    std::vector<OptionField> fields() override;
    /// lr >= 0, momentum >= 0, weight_decay >= 0; nesterov needs momentum > 0 and
    /// dampening == 0.
    void validate() const override;

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, momentum) = 0.0;
    WENGERT_OPTION(double, dampening) = 0.0;
    WENGERT_OPTION(double, weight_decay) = 0.0;
    WENGERT_OPTION(bool, nesterov) = false;
    WENGERT_OPTION(bool, maximize) = false;
};

/// SGD as in PyTorch 1.13 (torch.optim.SGD), momentum after Sutskever et al., "On the
/// importance of initialization and momentum in deep learning" (ICML 2013):
///   g <- (maximize ? -grad : grad) + weight_decay * p
///   b <- g on the first step, else momentum * b + (1 - dampening) * g   (if momentum != 0)
///   g <- nesterov ? g + momentum * b : b                                   (if momentum != 0)
///   p <- p - lr * g
/// State: "momentum_buffer" (when momentum != 0).
class SGD : public Optimizer {
public:
    SGD(TensorList params, const SGDOptions& options);
    SGD(std::vector<ParamGroup> groups, const SGDOptions& options);

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
