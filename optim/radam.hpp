#pragma once
// RAdam: Adam with the variance of the adaptive step size rectified.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of RAdam; betas are set together, read one at a time.
class RAdamOptions : public OptimizerOptions {
public:
    explicit RAdamOptions(double lr = 1e-3) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "RAdam"; }
    std::vector<OptionField> fields() override;
    /// lr >= 0, 0 <= beta1, beta2 < 1, eps >= 0, weight_decay >= 0.
    void validate() const override;

    WENGERT_BETAS_OPTION

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, beta1) = 0.9;
    WENGERT_OPTION(double, beta2) = 0.999;
    WENGERT_OPTION(double, eps) = 1e-8;
    WENGERT_OPTION(double, weight_decay) = 0.0;
};

/// RAdam (Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR
/// 2020), as in PyTorch 1.13 (no maximize). At step t:
///   g <- grad + weight_decay * p
///   m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2
///   rho_inf <- 2 / (1 - beta2) - 1,   rho_t <- rho_inf - 2 t beta2^t / (1 - beta2^t)
///   if rho_t > 5:
///     r <- sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
///     p <- p - lr m / (1 - beta1^t) * r sqrt(1 - beta2^t) / (sqrt(v) + eps)
///   else p <- p - lr m / (1 - beta1^t)
/// State: "exp_avg", "exp_avg_sq".
class RAdam : public Optimizer {
public:
    explicit RAdam(TensorList params, const RAdamOptions& options = RAdamOptions());
    RAdam(std::vector<ParamGroup> groups, const RAdamOptions& options = RAdamOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
