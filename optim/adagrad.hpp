#pragma once
// Adagrad: per-coordinate step sizes from the sum of squared gradients.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of Adagrad with PyTorch's defaults.
class AdagradOptions : public OptimizerOptions {
public:
    explicit AdagradOptions(double lr = 1e-2) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "Adagrad"; }
    std::vector<OptionField> fields() override;
    /// lr, lr_decay, weight_decay, initial_accumulator_value and eps all >= 0.
    void validate() const override;

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, lr_decay) = 0.0;
    WENGERT_OPTION(double, weight_decay) = 0.0;
    WENGERT_OPTION(double, initial_accumulator_value) = 0.0;
    WENGERT_OPTION(double, eps) = 1e-10;
    WENGERT_OPTION(bool, maximize) = false;
};

/// Adagrad (Duchi, Hazan and Singer, "Adaptive Subgradient Methods for Online Learning and
/// Stochastic Optimization", JMLR 2011), as in PyTorch 1.13. At step t:
///   g <- (maximize ? -grad : grad) + weight_decay * p
///   clr <- lr / (1 + (t - 1) lr_decay)
///   s <- s + g^2               (s starts at initial_accumulator_value)
///   p <- p - clr g / (sqrt(s) + eps)
/// State: "sum".
class Adagrad : public Optimizer {
public:
    explicit Adagrad(TensorList params, const AdagradOptions& options = AdagradOptions());
    Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options = AdagradOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
