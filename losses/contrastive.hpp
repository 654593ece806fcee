#pragma once
// Self-supervised losses over two views z1, z2 of one batch, each of shape (N, D).

#include <string_view>

#include "../autograd/tensor.hpp"
#include "reduction.hpp"

namespace wengert {

/// NT-Xent, the InfoNCE form of SimCLR (Chen et al. 2020, "A Simple Framework for
/// Contrastive Learning of Visual Representations"). The 2N rows of z = [z1; z2] are
/// L2-normalised (norms clamped below at 1e-12), s_ij = z_i . z_j / temperature, and for
/// each i, whose positive is the other view k(i) = (i + N) mod 2N,
///   loss_i = -log(exp(s_i,k(i)) / sum_{j != i} exp(s_ij)),
/// computed with log_softmax. Reduction::none gives the 2N losses, mean their mean (the
/// paper's loss), sum their sum. Throws ShapeError unless z1 and z2 share a shape (N, D)
/// with N >= 1, std::invalid_argument unless temperature > 0.
Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature = 0.5,
                    Reduction reduction = Reduction::mean);
Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature,
                    std::string_view reduction);

/// Barlow Twins (Zbontar et al. 2021, "Barlow Twins: Self-Supervised Learning via Redundancy
/// Reduction"). Each view is batch-normalised per feature as in the authors' code
/// (BatchNorm1d without affine: biased variance, eps 1e-5); c = z1n^T z2n / N is the
/// (D, D) cross-correlation and
///   loss = sum_i (1 - c_ii)^2 + lambda * sum_{i != j} c_ij^2,
/// a 0-d tensor (the loss is defined on the batch, so it takes no reduction). The default
/// lambda is the authors' 0.0051. Throws ShapeError unless both views share a shape (N, D)
/// with N >= 2.
Tensor barlow_twins_loss(const Tensor& z1, const Tensor& z2, double lambda = 0.0051);

}  // namespace wengert
