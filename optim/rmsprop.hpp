#pragma once
// RMSprop: gradients scaled by a running root mean square.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of RMSprop with PyTorch's defaults.
class RMSpropOptions : public OptimizerOptions {
public:
    explicit RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "RMSprop"; }
    std::vector<OptionField> fields() override;
    /// lr, eps, momentum, weight_decay and alpha all >= 0.
    void validate() const override;

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, alpha) = 0.99;
    WENGERT_OPTION(double, eps) = 1e-8;
    WENGERT_OPTION(double, weight_decay) = 0.0;
    WENGERT_OPTION(double, momentum) = 0.0;
    WENGERT_OPTION(bool, centered) = false;
    WENGERT_OPTION(bool, maximize) = false;
};

/// RMSprop (Hinton, Srivastava and Swersky, "Neural Networks for Machine Learning", lecture
/// 6e, 2012; centered form after Graves, "Generating Sequences With Recurrent Neural
/// Networks", 2013), as in PyTorch 1.13:
///   g <- (maximize ? -grad : grad) + weight_decay * p
///   v <- alpha v + (1 - alpha) g^2
///   a <- alpha a + (1 - alpha) g,   d <- sqrt(v - a^2) + eps      (centered)
///   d <- sqrt(v) + eps                                            (otherwise)
///   b <- momentum b + g / d,  p <- p - lr b                       (momentum > 0)
///   p <- p - lr g / d                                             (otherwise)
/// State: "square_avg", "grad_avg" (centered), "momentum_buffer" (momentum > 0).
class RMSprop : public Optimizer {
public:
    explicit RMSprop(TensorList params, const RMSpropOptions& options = RMSpropOptions());
    RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options = RMSpropOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
