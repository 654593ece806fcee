#pragma once
// Internal helpers shared by reduce.cpp and reduce_stats.cpp: shapes of reduced results,
// the gradient spread back over reduced axes, and the extreme values of slices.

#include <cstddef>
#include <vector>

#include "kernel.hpp"

namespace wengert::detail {

/// The shape with the reduced `axes` kept as size 1.
Shape keepdim_shape(ShapeView shape, const std::vector<std::size_t>& axes);
/// The shape of a reduction's result: `axes` removed, or kept as size 1 with keepdim.
Shape reduced_shape(ShapeView shape, const std::vector<std::size_t>& axes, bool keepdim);
/// A reduction's output gradient given back its reduced axes (`kept`) and broadcast to the
/// input's shape; differentiable.
Tensor spread(const Tensor& grad, const Shape& kept, const Shape& input);

/// A tensor seen as (outer, n, inner) around one axis: element (o, i, k) sits at
/// (o * n + i) * inner + k.
struct AxisView {
    std::size_t outer = 1;
    std::size_t n = 1;
    std::size_t inner = 1;
};
AxisView axis_view(ShapeView shape, std::size_t axis);

/// The number of elements each slice over `axes` holds.
std::size_t reduced_count(ShapeView shape, const std::vector<std::size_t>& axes);

/// The maximum (take_max) or minimum over `axes`, with `axes` removed from the shape; NaN
/// propagates as in PyTorch. Instantiated for float and double.
template <class T>
Array<T> extreme_axes(const Array<T>& a, const std::vector<std::size_t>& axes, bool take_max);

/// Weights of an amax/amin gradient: 1 / (number of ties) where x equals its slice's
/// `extreme` (of shape `kept` once reshaped), 0 elsewhere; a tensor without history.
Tensor tie_weights(const Tensor& x, const Tensor& extreme, const Shape& kept,
                   const std::vector<std::size_t>& axes);

}  // namespace wengert::detail
