#pragma once
// Ops that rearrange elements without arithmetic. Each returns a new tensor with its own
// values (no views: see README, Limitations).

#include <cstdint>
#include <vector>

#include "../autograd/tensor.hpp"

namespace wengert {

/// The same elements in row-major order with a new shape; one entry may be -1 (inferred).
Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& shape);
/// Swaps two axes.
Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1);
/// Broadcasts x to `shape` (NumPy rules; x's axes align to the right).
Tensor expand(const Tensor& x, const Shape& shape);
/// Sums x down to `shape`, the reverse of expand: the shape a broadcast input had.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace wengert
