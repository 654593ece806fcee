#pragma once
// Internal helpers shared by the loss files: argument checks, reductions and an identity
// matrix. Elementwise pieces (abs, clamp, where, comparisons) come from ops/pointwise.hpp.

#include <cstdint>
#include <string_view>

#include "../autograd/tensor_impl.hpp"
#include "../ops/kernel.hpp"
#include "../ops/ops.hpp"
#include "reduction.hpp"

namespace wengert::detail {

/// Parses a reduction string for `op`; batchmean only where `allow_batchmean`.
Reduction parse_reduction(const char* op, std::string_view name, bool allow_batchmean = false);

/// none, mean or sum of the per-element losses; batchmean throws (kl_div handles it itself).
Tensor reduce_loss(const char* op, const Tensor& loss, Reduction reduction);

/// Both defined, floating point, one dtype; ShapeError naming both shapes unless equal.
void require_pair(const char* op, const Tensor& a, const Tensor& b, const char* a_name = "input",
                  const char* b_name = "target");

/// `t`, when defined, has the dtype of `like` and broadcasts to `shape` (ShapeError naming
/// both shapes otherwise).
void require_broadcasts_to(const char* op, const Tensor& t, const Tensor& like, ShapeView shape,
                           const char* name);

/// The n x n identity in the dtype of `like`, without history.
Tensor eye_like(std::size_t n, const Tensor& like);

}  // namespace wengert::detail
