#include "unary.hpp"

#include <xtensor/xmath.hpp>

#include "arithmetic.hpp"
#include "kernel.hpp"

namespace wengert {

namespace {
using detail::AnyArray;
using detail::BackwardCall;

template <class F>
AnyArray map_checked(const char* name, const Tensor& x, F&& f) {
    detail::require_defined(name, x);
    return detail::map_array(x, std::forward<F>(f));
}
}  // namespace

Tensor exp(const Tensor& x) {
    AnyArray out = map_checked("exp", x, [](const auto& a) { return xt::exp(a); });
    return detail::record_op(
        Op::exp, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList { return {mul(call.grad_output, call.output)}; },
        /*save_output=*/true);
}

Tensor log(const Tensor& x) {
    AnyArray out = map_checked("log", x, [](const auto& a) { return xt::log(a); });
    return detail::record_op(Op::log, std::move(out), {x}, [x](const BackwardCall& call) -> TensorList {
        return {div(call.grad_output, x)};
    });
}

Tensor sqrt(const Tensor& x) {
    AnyArray out = map_checked("sqrt", x, [](const auto& a) { return xt::sqrt(a); });
    return detail::record_op(
        Op::sqrt, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList {
            return {div(mul(call.grad_output, 0.5), call.output)};
        },
        /*save_output=*/true);
}

Tensor tanh(const Tensor& x) {
    AnyArray out = map_checked("tanh", x, [](const auto& a) { return xt::tanh(a); });
    return detail::record_op(
        Op::tanh, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList {
            // 1 - y^2 written as (1 - y)(1 + y) keeps precision when y is near +-1.
            const Tensor& y = call.output;
            return {mul(call.grad_output, mul(sub(1.0, y), add(y, 1.0)))};
        },
        /*save_output=*/true);
}

Tensor sigmoid(const Tensor& x) {
    AnyArray out = map_checked("sigmoid", x, [](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        // exp(-x) overflows to inf for very negative x, and 1 / inf is the correct 0.
        return T(1) / (T(1) + xt::exp(-a));
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
    AnyArray out = map_checked("relu", x, [](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return xt::maximum(a, T(0));
    });
    return detail::record_op(Op::relu, std::move(out), {x}, [x](const BackwardCall& call) -> TensorList {
        // The mask is a constant, so relu's second derivative is zero, as it should be.
        Tensor mask = detail::make_tensor(detail::map_array(x, [](const auto& a) {
            using T = typename std::decay_t<decltype(a)>::value_type;
            return xt::cast<T>(a > T(0));
        }));
        return {mul(call.grad_output, mask)};
    });
}

}  // namespace wengert
