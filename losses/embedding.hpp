#pragma once
// Embedding and ranking losses with PyTorch 1.13's definitions. Shapes that differ throw
// ShapeError naming both; an unknown reduction string throws std::invalid_argument.

#include <string_view>

#include "../autograd/tensor.hpp"
#include "reduction.hpp"

namespace wengert {

/// x1, x2 of shape (N, D) or (D), target (N) or () holding 1 or -1 (int64 or floating;
/// other values throw std::invalid_argument naming them). With
/// cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) along D:
///   loss = 1 - cos where target is 1, max(0, cos - margin) where it is -1.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin = 0.0, Reduction reduction = Reduction::mean);
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin, std::string_view reduction);

/// max(0, -target (input1 - input2) + margin); all three share one shape. Differentiable in
/// all three.
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin = 0.0, Reduction reduction = Reduction::mean);
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin, std::string_view reduction);

/// max(0, margin + d(a, p) - d(a, n)) with d(x, y) = || x - y + eps ||_p along the last
/// axis (PyTorch's pairwise_distance); swap replaces d(a, n) by min(d(a, n), d(p, n))
/// (Balntas et al. 2016). anchor, positive, negative of shape (N, D) or (D); p > 0.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin = 1.0, double p = 2.0, double eps = 1e-6,
                           bool swap = false, Reduction reduction = Reduction::mean);
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin, double p, double eps, bool swap,
                           std::string_view reduction);

}  // namespace wengert
