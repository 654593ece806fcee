#pragma once
// Classification losses with PyTorch 1.13's definitions and argument names.
//
// Class-index losses take `input` of shape (N, C), (N, C, d1, ...) or (C) and int64 `target`
// of shape (N), (N, d1, ...) or (): the class axis is 1 (0 for a 1-D input). A target outside
// [0, C) other than ignore_index throws std::out_of_range naming the index and C; a target
// shape that does not match throws ShapeError naming both shapes. Reduction::mean divides the
// summed loss by the summed weight of the non-ignored targets (their count without weights),
// so a batch whose targets are all ignored gives NaN, as in PyTorch.

#include <cstdint>
#include <string_view>

#include "../autograd/tensor.hpp"
#include "reduction.hpp"

namespace wengert {

struct CrossEntropyOptions {
    /// Per-class weight of shape (C), the input's dtype; undefined means all ones.
    Tensor weight{};
    /// Targets equal to this contribute nothing, neither to the sum nor to the mean's divisor.
    std::int64_t ignore_index = -100;
    Reduction reduction = Reduction::mean;
    /// In [0, 1]: the target becomes (1 - s) one_hot + s / C.
    double label_smoothing = 0.0;
};

/// Cross entropy from logits, computed through log_softmax over the class axis (never as
/// the log of a softmax), so logits of 1000 stay finite.
///
/// int64 targets (class indices): loss_n = -w[y_n] log_softmax(x)_n[y_n], and with label
/// smoothing s, (1 - s) times that plus s / C times -sum_c w[c] log_softmax(x)_n[c].
/// Floating targets (probabilities, the input's shape): loss_n = -sum_c w[c] t'_nc
/// log_softmax(x)_nc with t' = (1 - s) t + s / C; mean divides by N * d1 * ... and
/// ignore_index does not apply. Differentiable in input, and in soft targets and weight.
Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     const CrossEntropyOptions& options = {});
Tensor cross_entropy(const Tensor& input, const Tensor& target, std::string_view reduction);

struct NllLossOptions {
    Tensor weight{};  ///< (C), or undefined
    std::int64_t ignore_index = -100;
    Reduction reduction = Reduction::mean;
};

/// Negative log likelihood of log-probabilities: loss_n = -w[y_n] input_n[y_n]. Shapes,
/// errors and the mean as described at the top of this header.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NllLossOptions& options = {});
Tensor nll_loss(const Tensor& input, const Tensor& target, std::string_view reduction);

/// Multi-class hinge loss: loss_n = sum_{j != y_n} w[y_n] max(0, margin - x[y_n] + x[j])^p / C,
/// p = 1 or 2 (others throw std::invalid_argument). input (N, C) or (C), target int64 (N) or
/// (); mean divides by N.
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int p = 1, double margin = 1.0,
                         const Tensor& weight = Tensor(), Reduction reduction = Reduction::mean);
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int p, double margin,
                         const Tensor& weight, std::string_view reduction);

/// Binary cross entropy of probabilities: -w (t log x + (1 - t) log(1 - x)), each log
/// clamped below at -100 as in PyTorch, so x = 0 or 1 gives a finite loss. input and
/// target share a shape; weight broadcasts to it. Input values outside [0, 1] (and NaN)
/// throw std::invalid_argument naming the first one and its position.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const Tensor& weight = Tensor(), Reduction reduction = Reduction::mean);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            std::string_view reduction);

/// Binary cross entropy of logits in the stable form: with m = max(-x, 0) and
/// softplus(-x) = m + log(exp(-m) + exp(-x - m)),
///   loss = w ((1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)).
/// weight broadcasts to the input's shape, pos_weight too (usually shape (C), the last axis).
/// Differentiable in input, target, weight and pos_weight.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = Tensor(),
                                        Reduction reduction = Reduction::mean,
                                        const Tensor& pos_weight = Tensor());
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, std::string_view reduction,
                                        const Tensor& pos_weight = Tensor());

/// Kullback-Leibler divergence with `input` holding log-probabilities:
/// t (log t - input), 0 where t = 0; with log_target, exp(t) (t - input). batchmean divides
/// the sum by input.size(0) (the mathematically correct KL); mean divides by the element
/// count, as PyTorch does.
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean,
              bool log_target = false);
Tensor kl_div(const Tensor& input, const Tensor& target, std::string_view reduction,
              bool log_target = false);

/// torchvision's sigmoid focal loss (Lin et al. 2017): with p = sigmoid(x),
/// p_t = p t + (1 - p)(1 - t) and ce = binary_cross_entropy_with_logits(x, t, "none"),
///   loss = alpha_t ce (1 - p_t)^gamma, alpha_t = alpha t + (1 - alpha)(1 - t);
/// alpha < 0 drops alpha_t. The default reduction is none, as in torchvision.
Tensor sigmoid_focal_loss(const Tensor& inputs, const Tensor& targets, double alpha = 0.25,
                          double gamma = 2.0, Reduction reduction = Reduction::none);
Tensor sigmoid_focal_loss(const Tensor& inputs, const Tensor& targets, double alpha, double gamma,
                          std::string_view reduction);

}  // namespace wengert
