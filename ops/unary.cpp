#include "unary.hpp"

#include "arithmetic.hpp"
#include "kernel.hpp"

namespace wengert {

namespace {
using detail::AnyArray;
using detail::BackwardCall;

// f, on xsimd batches, over every element (Note [Elementwise kernels] in kernel.hpp).
template <class F>
detail::SharedArray map_checked(const char* name, const Tensor& x, std::size_t grain, F&& f) {
    detail::require_defined(name, x);
    return detail::visit(name, x, [&](const auto& a) -> detail::SharedArray {
        return detail::map_shared(a, f, grain);
    });
}

template <class Batch>
using element_of = typename std::decay_t<Batch>::value_type;

constexpr std::size_t kCheap = detail::kMemoryBoundGrain;
constexpr std::size_t kCostly = detail::kComputeBoundGrain;
}  // namespace

Tensor exp(const Tensor& x) {
    auto out = map_checked("exp", x, kCostly, [](const auto& a) { return xsimd::exp(a); });
    return detail::record_op(
        Op::exp, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList { return {mul(call.grad_output, call.output)}; },
        /*save_output=*/true);
}

Tensor log(const Tensor& x) {
    auto out = map_checked("log", x, kCostly, [](const auto& a) { return xsimd::log(a); });
    return detail::record_op(
        Op::log, std::move(out), {x},
        [x](const BackwardCall& call) -> TensorList { return {div(call.grad_output, x)}; });
}

Tensor sqrt(const Tensor& x) {
    auto out = map_checked("sqrt", x, kCheap, [](const auto& a) { return xsimd::sqrt(a); });
    return detail::record_op(
        Op::sqrt, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList {
            return {div(mul(call.grad_output, 0.5), call.output)};
        },
        /*save_output=*/true);
}

namespace detail {

Tensor tanh_backward(const Tensor& grad, const Tensor& y) {
    require_defined("tanh_backward", grad, "grad");
    require_defined("tanh_backward", y, "output");
    if (!std::ranges::equal(grad.shape(), y.shape())) [[unlikely]] {
        throw ShapeError(fmt::format("tanh_backward: grad has shape {} but the output has {}",
                                     shape_string(grad.shape()), shape_string(y.shape())));
    }
    // 1 - y^2 written as (1 - y)(1 + y) keeps precision when y is near +-1.
    SharedArray out =
        visit2("tanh_backward", grad, y, [](const auto& g, const auto& t) -> SharedArray {
            return zip_shared(g, t, [](const auto& gv, const auto& tv) {
                using T = element_of<decltype(gv)>;
                return gv * ((T(1) - tv) * (T(1) + tv));
            });
        });
    return record_op(Op::tanh_backward, std::move(out), {grad, y},
                     [grad, y](const BackwardCall& call) -> TensorList {
                         TensorList grads(2);
                         if (call.needs_grad[0]) {
                             grads[0] = tanh_backward(call.grad_output, y);
                         }
                         if (call.needs_grad[1]) {
                             // d/dy of g (1 - y^2) is -2 g y.
                             grads[1] = mul(mul(call.grad_output, grad), mul(y, -2.0));
                         }
                         return grads;
                     });
}

}  // namespace detail

Tensor tanh(const Tensor& x) {
    auto out = map_checked("tanh", x, kCostly, [](const auto& a) { return xsimd::tanh(a); });
    return detail::record_op(
        Op::tanh, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList {
            // One fused kernel instead of four ops; it is an op of its own so that
            // create_graph can differentiate it again.
            return {detail::tanh_backward(call.grad_output, call.output)};
        },
        /*save_output=*/true);
}

Tensor sigmoid(const Tensor& x) {
    auto out = map_checked("sigmoid", x, kCostly, [](const auto& a) {
        using T = element_of<decltype(a)>;
        // exp(-x) overflows to inf for very negative x, and 1 / inf is the correct 0.
        return T(1) / (T(1) + xsimd::exp(-a));
    });
    return detail::record_op(
        Op::sigmoid, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList {
            const Tensor& s = call.output;
            return {mul(call.grad_output, mul(s, sub(1.0, s)))};
        },
        /*save_output=*/true);
}

Tensor relu(const Tensor& x) {
    auto out = map_checked("relu", x, kCheap, [](const auto& a) {
        using Batch = std::decay_t<decltype(a)>;
        // select rather than max keeps NaN as NaN, as in PyTorch.
        return xsimd::select(a < Batch(0), Batch(0), a);
    });
    return detail::record_op(
        Op::relu, std::move(out), {x}, [x](const BackwardCall& call) -> TensorList {
            // The mask is a constant, so relu's second derivative is zero, as it should be.
            Tensor mask =
                detail::make_tensor(detail::visit("relu", x, [](const auto& a) -> AnyArray {
                    return detail::map_elements(a, [](const auto& v) {
                        using Batch = std::decay_t<decltype(v)>;
                        return xsimd::select(v > Batch(0), Batch(1), Batch(0));
                    });
                }));
            return {mul(call.grad_output, mask)};
        });
}

}  // namespace wengert
