#pragma once
// Internal helpers shared by the op families: broadcasting, axes, recording.

#include <cstdint>
#include <vector>

#include "../autograd/node.hpp"
#include "op_list.hpp"

namespace wengert::detail {

inline Shape to_shape(ShapeView view) {
    return Shape(view.begin(), view.end());
}

/// NumPy broadcasting of two shapes; ShapeError naming `op` and both shapes when they clash.
Shape broadcast_shapes(const char* op, ShapeView a, ShapeView b);

/// Resolves a possibly negative axis against `rank`; std::out_of_range naming `op` otherwise.
std::size_t normalize_axis(const char* op, std::int64_t axis, std::size_t rank);

/// Resolves a list of axes (empty: all axes), sorted and without repeats.
std::vector<std::size_t> normalize_axes(const char* op, const std::vector<std::int64_t>& axes,
                                        std::size_t rank);

/// Sums `in` (row-major, `shape`) over the sorted `axes`; the result has the shape of `in`
/// with those axes removed. Runs of contiguous memory are summed in the innermost loop.
template <class T>
Array<T> sum_axes(const Array<T>& in, const std::vector<std::size_t>& axes);

/// record() for the ops of op_list.hpp.
template <class Fn>
Tensor record_op(Op op, AnyArray output, const TensorList& inputs, Fn&& backward,
                 bool save_output = false) {
    return record(op_name(op), std::move(output), inputs, std::forward<Fn>(backward), save_output);
}

/// Applies f to the tensor's array and wraps the result (an xtensor expression or array) as
/// a new array of the same dtype.
template <class F>
AnyArray map_array(const Tensor& t, F&& f) {
    return visit(t, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return Array<T>(f(x));
    });
}

}  // namespace wengert::detail
