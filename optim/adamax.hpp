#pragma once
// Adamax: Adam with the infinity norm of past gradients in place of the second moment.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of Adamax; betas are set together, read one at a time.
class AdamaxOptions : public OptimizerOptions {
public:
    explicit AdamaxOptions(double lr = 2e-3) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "Adamax"; }
    std::vector<OptionField> fields() override;
    /// lr >= 0, 0 <= beta1, beta2 < 1, eps >= 0, weight_decay >= 0.
    void validate() const override;

    WENGERT_BETAS_OPTION

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, beta1) = 0.9;
    WENGERT_OPTION(double, beta2) = 0.999;
    WENGERT_OPTION(double, eps) = 1e-8;
    WENGERT_OPTION(double, weight_decay) = 0.0;
    WENGERT_OPTION(bool, maximize) = false;
};

/// Adamax (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section
/// 7.1), as in PyTorch 1.13. At step t:
///   g <- (maximize ? -grad : grad) + weight_decay * p
///   m <- beta1 m + (1 - beta1) g
///   u <- max(beta2 u, |g| + eps)
///   p <- p - lr / (1 - beta1^t) * m / u
/// State: "exp_avg", "exp_inf".
class Adamax : public Optimizer {
public:
    explicit Adamax(TensorList params, const AdamaxOptions& options = AdamaxOptions());
    Adamax(std::vector<ParamGroup> groups, const AdamaxOptions& options = AdamaxOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
