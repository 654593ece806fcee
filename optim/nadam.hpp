#pragma once
// NAdam: Adam with Nesterov momentum.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of NAdam; betas are set together, read one at a time.
class NAdamOptions : public OptimizerOptions {
public:
    explicit NAdamOptions(double lr = 2e-3) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "NAdam"; }
    std::vector<OptionField> fields() override;
    /// lr >= 0, 0 <= beta1, beta2 < 1, eps >= 0, weight_decay >= 0, momentum_decay >= 0.
    void validate() const override;

    WENGERT_BETAS_OPTION

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, beta1) = 0.9;
    WENGERT_OPTION(double, beta2) = 0.999;
    WENGERT_OPTION(double, eps) = 1e-8;
    WENGERT_OPTION(double, weight_decay) = 0.0;
    WENGERT_OPTION(double, momentum_decay) = 4e-3;
};

/// NAdam (Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop), as in
/// PyTorch 1.13 (which has no maximize for it). At step t, with psi = momentum_decay:
///   g <- grad + weight_decay * p
///   mu_t <- beta1 (1 - 0.5 * 0.96^(t psi)),  mu_{t+1} <- beta1 (1 - 0.5 * 0.96^((t+1) psi))
///   P_t <- P_{t-1} mu_t   (P_0 = 1)
///   m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2
///   d <- sqrt(v / (1 - beta2^t)) + eps
///   p <- p - lr (1 - mu_t) / (1 - P_t) g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d
/// State: "exp_avg", "exp_avg_sq", scalar "mu_product".
/// The second product is P_t mu_{t+1}, as PyTorch 1.13 documents and PyTorch 2 computes;
/// the 1.13 code multiplies mu_t in twice there, which this class does not copy.
class NAdam : public Optimizer {
public:
    explicit NAdam(TensorList params, const NAdamOptions& options = NAdamOptions());
    NAdam(std::vector<ParamGroup> groups, const NAdamOptions& options = NAdamOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
