#pragma once
// Lion: sign of an interpolated momentum, with decoupled weight decay.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of Lion; betas are set together, read one at a time.
class LionOptions : public OptimizerOptions {
public:
    explicit LionOptions(double lr = 1e-4) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "Lion"; }
    std::vector<OptionField> fields() override;
    /// lr >= 0, 0 <= beta1, beta2 < 1, weight_decay >= 0.
    void validate() const override;

    WENGERT_BETAS_OPTION

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, beta1) = 0.9;
    WENGERT_OPTION(double, beta2) = 0.99;
    WENGERT_OPTION(double, weight_decay) = 0.0;
};

/// Lion (Chen et al., "Symbolic Discovery of Optimization Algorithms", NeurIPS 2023,
/// Program 1); PyTorch has none. Defaults are the paper's (lr 1e-4, betas (0.9, 0.99)):
///   c <- beta1 m + (1 - beta1) grad
///   p <- p (1 - lr * weight_decay) - lr * sign(c)      (sign(0) = 0)
///   m <- beta2 m + (1 - beta2) grad
/// State: "exp_avg".
class Lion : public Optimizer {
public:
    explicit Lion(TensorList params, const LionOptions& options = LionOptions());
    Lion(std::vector<ParamGroup> groups, const LionOptions& options = LionOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

}  // namespace wengert::optim
