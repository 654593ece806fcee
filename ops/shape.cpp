#include "shape.hpp"

#include <numeric>

#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xmath.hpp>

#include "kernel.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

std::size_t product(const Shape& shape) {
    return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

Shape resolve_reshape(const Tensor& x, const std::vector<std::int64_t>& requested) {
    Shape shape(requested.size());
    std::size_t known = 1;
    int inferred = -1;
    for (std::size_t i = 0; i < requested.size(); ++i) {
        if (requested[i] == -1) {
            detail::require(inferred < 0, "reshape: only one axis can be -1 in [{}]",
                            fmt::join(requested, ", "));
            inferred = static_cast<int>(i);
            continue;
        }
        detail::require(requested[i] >= 0, "reshape: invalid size {} in [{}]", requested[i],
                        fmt::join(requested, ", "));
        shape[i] = static_cast<std::size_t>(requested[i]);
        known *= shape[i];
    }
    if (inferred >= 0) {
        detail::require<ShapeError>(known > 0 && x.numel() % known == 0,
                                    "reshape: cannot infer -1 in [{}] for a tensor of shape {}",
                                    fmt::join(requested, ", "), shape_string(x.shape()));
        shape[static_cast<std::size_t>(inferred)] = x.numel() / known;
    }
    detail::require<ShapeError>(product(shape) == x.numel(),
                                "reshape: a tensor of shape {} ({} elements) cannot take shape {}",
                                shape_string(x.shape()), x.numel(), shape_string(shape));
    return shape;
}

}  // namespace

Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& requested) {
    detail::require_defined("reshape", x);
    const Shape shape = resolve_reshape(x, requested);
    AnyArray out = detail::visit(x, [&](const auto& a) -> AnyArray {
        auto copy = a;
        copy.reshape(shape);
        return copy;
    });
    const std::vector<std::int64_t> original(x.shape().begin(), x.shape().end());
    return detail::record_op(Op::reshape, std::move(out), {x},
                             [original](const BackwardCall& call) -> TensorList {
                                 return {reshape(call.grad_output, original)};
                             });
}

Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1) {
    detail::require_defined("transpose", x);
    const std::size_t a0 = detail::normalize_axis("transpose", axis0, x.dim());
    const std::size_t a1 = detail::normalize_axis("transpose", axis1, x.dim());
    std::vector<std::size_t> permutation(x.dim());
    std::iota(permutation.begin(), permutation.end(), std::size_t{0});
    std::swap(permutation[a0], permutation[a1]);
    AnyArray out = detail::map_array(x, [&](const auto& a) { return xt::transpose(a, permutation); });
    return detail::record_op(Op::transpose, std::move(out), {x},
                             [axis0, axis1](const BackwardCall& call) -> TensorList {
                                 return {transpose(call.grad_output, axis0, axis1)};
                             });
}

Tensor expand(const Tensor& x, const Shape& shape) {
    detail::require_defined("expand", x);
    const Shape joint = detail::broadcast_shapes("expand", x.shape(), shape);
    detail::require<ShapeError>(joint == shape, "expand: a tensor of shape {} cannot expand to {}",
                                shape_string(x.shape()), shape_string(shape));
    AnyArray out = detail::map_array(x, [&](const auto& a) { return xt::broadcast(a, shape); });
    return detail::record_op(Op::expand, std::move(out), {x},
                             [original = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
                                 return {sum_to(call.grad_output, original)};
                             });
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
    detail::require_defined("sum_to", x);
    const Shape joint = detail::broadcast_shapes("sum_to", x.shape(), shape);
    detail::require<ShapeError>(std::ranges::equal(joint, x.shape()),
                                "sum_to: a tensor of shape {} cannot be summed to {}",
                                shape_string(x.shape()), shape_string(shape));
    // Leading axes that `shape` lacks, and axes where it has size 1, are summed away.
    const std::size_t lead = x.dim() - shape.size();
    std::vector<std::size_t> axes;
    for (std::size_t i = 0; i < x.dim(); ++i) {
        if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) {
            axes.push_back(i);
        }
    }
    AnyArray out = detail::visit(x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> reduced = axes.empty() ? Array<T>(a) : detail::sum_axes(a, axes);
        reduced.reshape(shape);
        return reduced;
    });
    return detail::record_op(Op::sum_to, std::move(out), {x},
                             [original = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
                                 return {expand(call.grad_output, original)};
                             });
}

}  // namespace wengert
