#pragma once
// Gradient clipping, applied to the accumulated .grad() of parameters between backward() and
// an optimizer's step().

#include <limits>

#include "../autograd/tensor.hpp"

namespace wengert::optim {

inline constexpr double kInfNorm = std::numeric_limits<double>::infinity();

/// Scales all gradients together so that their joint norm is at most max_norm, as
/// torch.nn.utils.clip_grad_norm_: with N = the norm_type norm of the vector of every
/// gradient's norm (norm_type = kInfNorm: the largest absolute value), each gradient is
/// multiplied by min(1, max_norm / (N + 1e-6)). Returns N, the norm before clipping (0 when
/// no parameter has a gradient). Parameters without a gradient are skipped. Norms are
/// accumulated in double for float32 gradients too. Throws std::invalid_argument when
/// max_norm < 0 or norm_type <= 0, and std::runtime_error when error_if_nonfinite and N is
/// NaN or infinite (the gradients are then left unchanged).
double clip_grad_norm_(const TensorList& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// Clamps every gradient element to [-clip_value, clip_value], as
/// torch.nn.utils.clip_grad_value_. Throws std::invalid_argument when clip_value < 0.
void clip_grad_value_(const TensorList& params, double clip_value);

}  // namespace wengert::optim
