#pragma once
// LAMB: Adam steps rescaled per parameter by a layer-wise trust ratio.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of LAMB; betas are set together, read one at a time.
class LAMBOptions : public OptimizerOptions {
public:
    explicit LAMBOptions(double lr = 1e-3) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "LAMB"; }
    std::vector<OptionField> fields() override;
    /// lr >= 0, 0 <= beta1, beta2 < 1, eps >= 0, weight_decay >= 0.
    void validate() const override;

    WENGERT_BETAS_OPTION

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, beta1) = 0.9;
    WENGERT_OPTION(double, beta2) = 0.999;
    WENGERT_OPTION(double, eps) = 1e-6;
    WENGERT_OPTION(double, weight_decay) = 0.0;
};

/// LAMB (You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76
/// minutes", ICLR 2020, arXiv 2019, Algorithm 2 with phi the identity); PyTorch has none.
/// Each parameter tensor is one layer. At step t:
///   m <- beta1 m + (1 - beta1) grad,   v <- beta2 v + (1 - beta2) grad^2
///   r <- (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps) + weight_decay * p
///   trust <- ||p|| / ||r||   (1 when either norm is 0)
///   p <- p - lr * trust * r
/// Norms are Euclidean over the whole parameter tensor. State: "exp_avg", "exp_avg_sq".
class LAMB : public Optimizer {
public:
    explicit LAMB(TensorList params, const LAMBOptions& options = LAMBOptions());
    LAMB(std::vector<ParamGroup> groups, const LAMBOptions& options = LAMBOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
