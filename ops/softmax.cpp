#include "softmax.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xsort.hpp>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "reduce.hpp"
#include "unary.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

// x - max(x) along the axis, the max kept as a size-1 axis so that it broadcasts back. An
// empty axis has no max; it is left unshifted (there is nothing to normalise).
template <class T>
Array<T> shifted(const Array<T>& x, std::size_t axis) {
    if (x.shape()[axis] == 0) {
        return x;
    }
    Array<T> max = xt::amax(x, {axis}, xt::keep_dims);
    return x - max;
}

template <class T>
Array<T> sum_keep(const Array<T>& x, std::size_t axis) {
    return xt::sum(x, {axis}, xt::keep_dims);
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) {
    detail::require_defined("softmax", x);
    const std::size_t resolved = detail::normalize_axis("softmax", axis, x.dim());

    AnyArray out = detail::visit("softmax", x, [resolved](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> e = xt::exp(shifted(a, resolved));
        Array<T> total = sum_keep(e, resolved);
        return Array<T>(e / total);
    });

    const std::int64_t ax = static_cast<std::int64_t>(resolved);
    return detail::record_op(
        Op::softmax, std::move(out), {x},
        [ax](const BackwardCall& call) -> TensorList {
            const Tensor& y = call.output;                           // shape of x
            Tensor dot = sum(mul(call.grad_output, y), {ax}, true);  // size 1 along axis
            return {mul(y, sub(call.grad_output, dot))};
        },
        /*save_output=*/true);
}

Tensor log_softmax(const Tensor& x, std::int64_t axis) {
    detail::require_defined("log_softmax", x);
    const std::size_t resolved = detail::normalize_axis("log_softmax", axis, x.dim());

    AnyArray out = detail::visit("log_softmax", x, [resolved](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> s = shifted(a, resolved);
        // After the shift the largest term is exp(0) = 1, so the sum lies in [1, n] and its
        // log neither overflows nor underflows.
        Array<T> log_total = xt::log(sum_keep(Array<T>(xt::exp(s)), resolved));
        return Array<T>(s - log_total);
    });

    const std::int64_t ax = static_cast<std::int64_t>(resolved);
    return detail::record_op(
        Op::log_softmax, std::move(out), {x},
        [ax](const BackwardCall& call) -> TensorList {
            const Tensor p = exp(call.output);                 // softmax, shape of x
            Tensor total = sum(call.grad_output, {ax}, true);  // size 1 along axis
            return {sub(call.grad_output, mul(p, total))};
        },
        /*save_output=*/true);
}

}  // namespace wengert
