#pragma once
// Reductions over all elements or over axes.

#include <cstdint>
#include <vector>

#include "../autograd/tensor.hpp"

namespace wengert {

/// Sum of all elements (a 0-d tensor).
Tensor sum(const Tensor& x);
/// Sum over `axes` (negative axes count from the end); keepdim keeps them with size 1.
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim = false);
/// Mean of all elements.
Tensor mean(const Tensor& x);
/// Mean over `axes`.
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim = false);

}  // namespace wengert
