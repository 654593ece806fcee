#pragma once
// Adadelta: step sizes from running averages of squared gradients and squared updates.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of Adadelta with PyTorch's defaults.
class AdadeltaOptions : public OptimizerOptions {
public:
    explicit AdadeltaOptions(double lr = 1.0) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "Adadelta"; }
    std::vector<OptionField> fields() override;
    /// lr >= 0, 0 <= rho <= 1, eps >= 0, weight_decay >= 0.
    void validate() const override;

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, rho) = 0.9;
    WENGERT_OPTION(double, eps) = 1e-6;
    WENGERT_OPTION(double, weight_decay) = 0.0;
    WENGERT_OPTION(bool, maximize) = false;
};

/// Adadelta (Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012), as in PyTorch 1.13:
///   g <- (maximize ? -grad : grad) + weight_decay * p
///   v <- rho v + (1 - rho) g^2
///   d <- sqrt(u + eps) / sqrt(v + eps) * g
///   u <- rho u + (1 - rho) d^2
///   p <- p - lr d
/// State: "square_avg" (v), "acc_delta" (u).
class Adadelta : public Optimizer {
public:
    explicit Adadelta(TensorList params, const AdadeltaOptions& options = AdadeltaOptions());
    Adadelta(std::vector<ParamGroup> groups, const AdadeltaOptions& options = AdadeltaOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
