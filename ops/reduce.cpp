#include "reduce.hpp"

#include <xtensor/xmath.hpp>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "shape.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

// The shape of x with the reduced axes kept as size 1.
Shape keepdim_shape(ShapeView shape, const std::vector<std::size_t>& axes) {
    Shape kept = detail::to_shape(shape);
    for (std::size_t axis : axes) {
        kept[axis] = 1;
    }
    return kept;
}

Shape reduced_shape(ShapeView shape, const std::vector<std::size_t>& axes, bool keepdim) {
    if (keepdim) {
        return keepdim_shape(shape, axes);
    }
    Shape reduced;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (!std::ranges::binary_search(axes, i)) {
            reduced.push_back(shape[i]);
        }
    }
    return reduced;
}

std::vector<std::int64_t> as_signed(const Shape& shape) {
    return std::vector<std::int64_t>(shape.begin(), shape.end());
}

AnyArray sum_kernel(const Tensor& x, const std::vector<std::size_t>& axes, const Shape& shape) {
    return detail::visit(x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> out = detail::sum_axes(a, axes);
        out.reshape(shape);
        return out;
    });
}

// Gradient of a reduction: the output gradient, given back its reduced axes, broadcast over
// them.
Tensor spread(const Tensor& grad, const Shape& kept, const Shape& input) {
    return expand(reshape(grad, as_signed(kept)), input);
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim) {
    detail::require_defined("sum", x);
    const auto resolved = detail::normalize_axes("sum", axes, x.dim());
    const Shape out_shape = reduced_shape(x.shape(), resolved, keepdim);
    return detail::record_op(Op::sum, sum_kernel(x, resolved, out_shape), {x},
                             [kept = keepdim_shape(x.shape(), resolved),
                              input = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
                                 return {spread(call.grad_output, kept, input)};
                             });
}

Tensor sum(const Tensor& x) {
    return sum(x, {}, false);
}

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim) {
    detail::require_defined("mean", x);
    const auto resolved = detail::normalize_axes("mean", axes, x.dim());
    std::size_t count = 1;
    for (std::size_t axis : resolved) {
        count *= x.shape()[axis];
    }
    detail::require(count > 0, "mean: the reduced axes of shape {} hold no elements",
                    shape_string(x.shape()));
    const Shape out_shape = reduced_shape(x.shape(), resolved, keepdim);
    AnyArray total = sum_kernel(x, resolved, out_shape);
    std::visit([count](auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        a /= static_cast<T>(count);
    }, total);
    const double scale = 1.0 / static_cast<double>(count);
    return detail::record_op(Op::mean, std::move(total), {x},
                             [kept = keepdim_shape(x.shape(), resolved),
                              input = detail::to_shape(x.shape()), scale](const BackwardCall& call) -> TensorList {
                                 return {spread(mul(call.grad_output, scale), kept, input)};
                             });
}

Tensor mean(const Tensor& x) {
    return mean(x, {}, false);
}

}  // namespace wengert
