#include "arithmetic.hpp"

#include <optional>
#include <xtensor/xmath.hpp>

#include "kernel.hpp"
#include "shape.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

// Evaluates f(x, y) on xsimd batches after checking dtypes and broadcastability; the shape
// check is ours so that the message names the op and both shapes in every build type.
// Operands of one shape take the flat loop of Note [Elementwise kernels], broadcasting ones
// the strided loop of Note [Broadcast kernels] (both in kernel.hpp).
template <class F>
detail::SharedArray broadcast_binary(const char* name, const Tensor& a, const Tensor& b, F&& f) {
    detail::require_defined(name, a, "lhs");
    detail::require_defined(name, b, "rhs");
    const bool same_shape = std::ranges::equal(a.shape(), b.shape());
    Shape shape;
    if (!same_shape) {
        shape = detail::broadcast_shapes(name, a.shape(), b.shape());
    }
    return detail::visit2(name, a, b, [&](const auto& x, const auto& y) -> detail::SharedArray {
        if (same_shape) {
            return detail::zip_shared(x, y, f);
        }
        return detail::broadcast_zip_shared(x, y, shape, f);
    });
}

// f (on xsimd batches) over every element of `a`.
template <class F>
detail::SharedArray elementwise(const char* name, const Tensor& a, F&& f) {
    detail::require_defined(name, a);
    return detail::visit(
        name, a, [&](const auto& x) -> detail::SharedArray { return detail::map_shared(x, f); });
}

template <class Batch>
using element_of = typename std::decay_t<Batch>::value_type;

// The gradient of a broadcast input is the output gradient summed over the broadcast axes.
Tensor reduce_to(const Tensor& grad, ShapeView shape) {
    return std::ranges::equal(grad.shape(), shape) ? grad : sum_to(grad, detail::to_shape(shape));
}

Tensor reduce_to(const Tensor& grad, const std::optional<Shape>& shape) {
    return shape ? reduce_to(grad, ShapeView(*shape)) : grad;
}

// The shape an operand's gradient is summed back to; nothing when neither operand was
// broadcast (the common case, which then stores no shape in the node).
std::optional<Shape> reduce_target(const Tensor& operand, const Tensor& a, const Tensor& b) {
    if (std::ranges::equal(a.shape(), b.shape())) {
        return std::nullopt;
    }
    return detail::to_shape(operand.shape());
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
    auto out = broadcast_binary("add", a, b, [](const auto& x, const auto& y) { return x + y; });
    return detail::record_op(
        Op::add, std::move(out), {a, b},
        [sa = reduce_target(a, a, b),
         sb = reduce_target(b, a, b)](const BackwardCall& call) -> TensorList {
            return {reduce_to(call.grad_output, sa), reduce_to(call.grad_output, sb)};
        });
}

Tensor sub(const Tensor& a, const Tensor& b) {
    auto out = broadcast_binary("sub", a, b, [](const auto& x, const auto& y) { return x - y; });
    return detail::record_op(Op::sub, std::move(out), {a, b},
                             [sa = reduce_target(a, a, b),
                              sb = reduce_target(b, a, b)](const BackwardCall& call) -> TensorList {
                                 Tensor gb;
                                 if (call.needs_grad[1]) {
                                     gb = reduce_to(neg(call.grad_output), sb);
                                 }
                                 return {reduce_to(call.grad_output, sa), gb};
                             });
}

Tensor mul(const Tensor& a, const Tensor& b) {
    auto out = broadcast_binary("mul", a, b, [](const auto& x, const auto& y) { return x * y; });
    return detail::record_op(Op::mul, std::move(out), {a, b}, [a, b](const BackwardCall& call) {
        TensorList grads(2);
        if (call.needs_grad[0]) {
            grads[0] = reduce_to(mul(call.grad_output, b), a.shape());
        }
        if (call.needs_grad[1]) {
            grads[1] = reduce_to(mul(call.grad_output, a), b.shape());
        }
        return grads;
    });
}

Tensor div(const Tensor& a, const Tensor& b) {
    auto out = broadcast_binary("div", a, b, [](const auto& x, const auto& y) { return x / y; });
    return detail::record_op(Op::div, std::move(out), {a, b}, [a, b](const BackwardCall& call) {
        TensorList grads(2);
        if (call.needs_grad[0]) {
            grads[0] = reduce_to(div(call.grad_output, b), a.shape());
        }
        if (call.needs_grad[1]) {
            // d(a/b)/db = -a / b^2
            grads[1] = reduce_to(neg(div(mul(call.grad_output, a), mul(b, b))), b.shape());
        }
        return grads;
    });
}

Tensor neg(const Tensor& a) {
    auto out = elementwise("neg", a, [](const auto& x) { return -x; });
    return detail::record_op(
        Op::neg, std::move(out), {a},
        [](const BackwardCall& call) -> TensorList { return {neg(call.grad_output)}; });
}

Tensor add(const Tensor& a, double b) {
    auto out = elementwise(
        "add", a, [b](const auto& x) { return x + static_cast<element_of<decltype(x)>>(b); });
    return detail::record_op(
        Op::add_scalar, std::move(out), {a},
        [](const BackwardCall& call) -> TensorList { return {call.grad_output}; });
}

Tensor mul(const Tensor& a, double b) {
    auto out = elementwise(
        "mul", a, [b](const auto& x) { return x * static_cast<element_of<decltype(x)>>(b); });
    return detail::record_op(
        Op::mul_scalar, std::move(out), {a},
        [b](const BackwardCall& call) -> TensorList { return {mul(call.grad_output, b)}; });
}

Tensor sub(const Tensor& a, double b) {
    return add(a, -b);
}

Tensor sub(double a, const Tensor& b) {
    return add(neg(b), a);
}

Tensor div(const Tensor& a, double b) {
    return mul(a, 1.0 / b);
}

Tensor div(double a, const Tensor& b) {
    return mul(pow(b, -1.0), a);
}

Tensor pow(const Tensor& a, double exponent) {
    detail::require_defined("pow", a);
    AnyArray out = detail::map_array(a, [exponent](const auto& x) {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return xt::pow(x, static_cast<T>(exponent));
    });
    return detail::record_op(
        Op::pow, std::move(out), {a}, [a, exponent](const BackwardCall& call) -> TensorList {
            if (exponent == 0.0) {
                return {zeros_like(a)};
            }
            return {mul(call.grad_output, mul(pow(a, exponent - 1.0), exponent))};
        });
}

}  // namespace wengert
