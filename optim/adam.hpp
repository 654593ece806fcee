#pragma once
// Adam and AdamW: adaptive moment estimation, with coupled or decoupled weight decay.

#include "optimizer.hpp"

namespace wengert::optim {

/// Options of Adam with PyTorch's defaults; betas are set together, read one at a time.
class AdamOptions : public OptimizerOptions {
public:
    explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "Adam"; }
    std::vector<OptionField> fields() override;
    /// lr >= 0, eps >= 0, 0 <= beta1, beta2 < 1, weight_decay >= 0.
    void validate() const override;

    WENGERT_BETAS_OPTION

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, beta1) = 0.9;
    WENGERT_OPTION(double, beta2) = 0.999;
    WENGERT_OPTION(double, eps) = 1e-8;
    WENGERT_OPTION(double, weight_decay) = 0.0;
    WENGERT_OPTION(bool, amsgrad) = false;
    WENGERT_OPTION(bool, maximize) = false;
};

/// Options of AdamW: Adam's, with weight_decay 1e-2 by default (as torch.optim.AdamW).
class AdamWOptions : public OptimizerOptions {
public:
    explicit AdamWOptions(double lr = 1e-3) : lr_(lr) {}
    std::unique_ptr<OptimizerOptions> clone() const override;
    std::string_view optimizer_name() const override { return "AdamW"; }
    std::vector<OptionField> fields() override;
    void validate() const override;

    WENGERT_BETAS_OPTION

    WENGERT_OPTION(double, lr);
    WENGERT_OPTION(double, beta1) = 0.9;
    WENGERT_OPTION(double, beta2) = 0.999;
    WENGERT_OPTION(double, eps) = 1e-8;
    WENGERT_OPTION(double, weight_decay) = 1e-2;
    WENGERT_OPTION(bool, amsgrad) = false;
    WENGERT_OPTION(bool, maximize) = false;
};

/// Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), AMSGrad
/// variant after Reddi et al. ("On the Convergence of Adam and Beyond", ICLR 2018), as in
/// PyTorch 1.13. At step t:
///   g <- (maximize ? -grad : grad) + weight_decay * p          (coupled, an L2 penalty)
///   m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2
///   v_max <- max(v_max, v)                                         (amsgrad)
///   p <- p - lr / (1 - beta1^t) * m / (sqrt(v or v_max) / sqrt(1 - beta2^t) + eps)
/// State: "exp_avg", "exp_avg_sq", "max_exp_avg_sq" (amsgrad).
class Adam : public Optimizer {
public:
    explicit Adam(TensorList params, const AdamOptions& options = AdamOptions());
    Adam(std::vector<ParamGroup> groups, const AdamOptions& options = AdamOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

/// AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019), as in
/// PyTorch 1.13: Adam without the L2 term in g, and instead, before the moments,
///   p <- p * (1 - lr * weight_decay)
/// (the decay is scaled by the current lr, so schedulers scale it too).
class AdamW : public Optimizer {
public:
    explicit AdamW(TensorList params, const AdamWOptions& options = AdamWOptions());
    AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = AdamWOptions());

protected:
    void update(Tensor& param, const Tensor& grad, ParamState& state,
                const OptimizerOptions& options) override;
};

namespace detail {

/// Checks 0 <= beta < 1 for betas at index 0 and 1, as every Adam-like optimizer does.
void check_betas(std::string_view optimizer, double beta1, double beta2);

/// Checks lr >= 0, eps >= 0, the betas and weight_decay >= 0 in PyTorch's order, for the
/// options every Adam-like optimizer with an eps shares.
void check_adam_options(std::string_view optimizer, double lr, double eps, double beta1,
                        double beta2, double weight_decay);

}  // namespace detail
}  // namespace wengert::optim
