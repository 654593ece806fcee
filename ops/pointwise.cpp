// xsimd's argument reduction for sin and cos (xsimd_rem_pio2.hpp) trips a false
// -Wmaybe-uninitialized in GCC 12 at -O2 with the sanitizers, which -Werror would make fatal.
// The pragma must precede every include, since the header arrives through several of them.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "pointwise.hpp"

#include <array>
#include <cmath>
#include <numbers>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>
#include <xtensor/xvectorize.hpp>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "shape.hpp"
#include "unary.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

template <class F>
AnyArray map_checked(const char* name, const Tensor& x, F&& f) {
    detail::require_defined(name, x);
    return detail::visit(name, x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        if constexpr (std::is_same_v<decltype(f(a)), AnyArray>) {
            return f(a);
        } else {
            return Array<T>(f(a));
        }
    });
}

// A tensor without history, for masks and weights that backward formulas multiply by: the
// derivative of such a factor is zero almost everywhere, which is what second order needs.
template <class F>
Tensor constant_from(const Tensor& x, F&& f) {
    return detail::make_tensor(detail::map_array(x, std::forward<F>(f)));
}

// The gradient of a broadcast input is the output gradient summed over the broadcast axes.
Tensor reduce_to(const Tensor& grad, const Shape& shape) {
    return std::ranges::equal(grad.shape(), shape) ? grad : sum_to(grad, shape);
}

// Evaluates f(x, y) on two floating tensors after checking that their shapes broadcast.
template <class F>
AnyArray binary_checked(const char* name, const Tensor& a, const Tensor& b, F&& f) {
    detail::require_defined(name, a, "lhs");
    detail::require_defined(name, b, "rhs");
    detail::broadcast_shapes(name, a.shape(), b.shape());
    return detail::visit2(name, a, b, [&](const auto& x, const auto& y) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return Array<T>(f(x, y));
    });
}

// Checks that three operands broadcast together; the ShapeError names all three shapes.
void broadcast_three(const char* name, std::array<const Tensor*, 3> t,
                     std::array<const char*, 3> what) {
    try {
        const Shape joint = detail::broadcast_shapes(name, t[0]->shape(), t[1]->shape());
        detail::broadcast_shapes(name, joint, t[2]->shape());
    } catch (const ShapeError&) {
        throw ShapeError(
            fmt::format("{}: shapes {} ({}), {} ({}) and {} ({}) cannot be broadcast "
                        "together",
                        name, shape_string(t[0]->shape()), what[0], shape_string(t[1]->shape()),
                        what[1], shape_string(t[2]->shape()), what[2]));
    }
}

template <class T>
constexpr T kInvSqrt2 = T(0.70710678118654752440);
template <class T>
constexpr T kInvSqrt2Pi = T(0.39894228040143267794);
// sqrt(2 / pi) and the cubic coefficient of the tanh approximation of gelu.
template <class T>
constexpr T kGeluK = T(0.79788456080286535588);
template <class T>
constexpr T kGeluC = T(0.044715);

}  // namespace

Tensor abs(const Tensor& x) {
    AnyArray out = map_checked("abs", x, [](const auto& a) { return xt::abs(a); });
    return detail::record_op(
        Op::abs, std::move(out), {x}, [x](const BackwardCall& call) -> TensorList {
            Tensor s = constant_from(x, [](const auto& a) { return xt::sign(a); });
            return {mul(call.grad_output, s)};
        });
}

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
    detail::require(min.has_value() || max.has_value(),
                    "clamp: at least one of min and max must be given");
    const double lo = min.value_or(-INFINITY);
    const double hi = max.value_or(INFINITY);
    AnyArray out = map_checked("clamp", x, [lo, hi](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return xt::minimum(xt::maximum(a, static_cast<T>(lo)), static_cast<T>(hi));
    });
    return detail::record_op(
        Op::clamp, std::move(out), {x}, [x, lo, hi](const BackwardCall& call) -> TensorList {
            Tensor inside = constant_from(x, [lo, hi](const auto& a) {
                using T = typename std::decay_t<decltype(a)>::value_type;
                return xt::cast<T>(a >= static_cast<T>(lo) && a <= static_cast<T>(hi));
            });
            return {mul(call.grad_output, inside)};
        });
}

Tensor clamp_min(const Tensor& x, double min) {
    return clamp(x, min, std::nullopt);
}

Tensor clamp_max(const Tensor& x, double max) {
    return clamp(x, std::nullopt, max);
}

namespace {

// maximum and minimum: `a_wins` is 1 where a is selected, 1/2 on ties and 0 elsewhere, in
// the output's shape; b gets 1 - a_wins.
Tensor select_binary(Op op, const char* name, const Tensor& a, const Tensor& b, bool take_max) {
    AnyArray out = binary_checked(name, a, b, [take_max](const auto& x, const auto& y) {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return take_max ? Array<T>(xt::maximum(x, y)) : Array<T>(xt::minimum(x, y));
    });
    return detail::record_op(
        op, std::move(out), {a, b}, [a, b, take_max, name](const BackwardCall& call) {
            AnyArray weights =
                detail::visit2(name, a, b, [take_max](const auto& x, const auto& y) -> AnyArray {
                    using T = typename std::decay_t<decltype(x)>::value_type;
                    Array<T> wins =
                        take_max ? Array<T>(xt::cast<T>(x > y)) : Array<T>(xt::cast<T>(x < y));
                    return Array<T>(xt::where(xt::equal(x, y), T(0.5), wins));
                });
            Tensor a_wins = detail::make_tensor(std::move(weights));
            TensorList grads(2);
            if (call.needs_grad[0]) {
                grads[0] = reduce_to(mul(call.grad_output, a_wins), detail::to_shape(a.shape()));
            }
            if (call.needs_grad[1]) {
                grads[1] =
                    reduce_to(mul(call.grad_output, sub(1.0, a_wins)), detail::to_shape(b.shape()));
            }
            return grads;
        });
}

}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
    return select_binary(Op::maximum, "maximum", a, b, true);
}

Tensor minimum(const Tensor& a, const Tensor& b) {
    return select_binary(Op::minimum, "minimum", a, b, false);
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
    AnyArray out = map_checked("leaky_relu", x, [negative_slope](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return xt::where(a > T(0), a, a * static_cast<T>(negative_slope));
    });
    return detail::record_op(Op::leaky_relu, std::move(out), {x},
                             [x, negative_slope](const BackwardCall& call) -> TensorList {
                                 Tensor slope = constant_from(x, [negative_slope](const auto& a) {
                                     using T = typename std::decay_t<decltype(a)>::value_type;
                                     return xt::where(a > T(0), T(1),
                                                      static_cast<T>(negative_slope));
                                 });
                                 return {mul(call.grad_output, slope)};
                             });
}

Tensor elu(const Tensor& x, double alpha) {
    AnyArray out = map_checked("elu", x, [alpha](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return xt::where(a > T(0), a, static_cast<T>(alpha) * xt::expm1(a));
    });
    return detail::record_op(
        Op::elu, std::move(out), {x},
        [x, alpha](const BackwardCall& call) -> TensorList {
            // For x <= 0, alpha e^x = y + alpha: reading it from the output avoids e^x, which
            // overflows for large positive x where the branch is not taken anyway.
            Tensor positive = constant_from(x, [](const auto& a) {
                using T = typename std::decay_t<decltype(a)>::value_type;
                return xt::cast<T>(a > T(0));
            });
            Tensor slope = add(positive, mul(sub(1.0, positive), add(call.output, alpha)));
            return {mul(call.grad_output, slope)};
        },
        /*save_output=*/true);
}

Tensor erf(const Tensor& x) {
    AnyArray out = map_checked("erf", x, [](const auto& a) { return xt::erf(a); });
    return detail::record_op(Op::erf, std::move(out), {x},
                             [x](const BackwardCall& call) -> TensorList {
                                 const double scale = 2.0 / std::sqrt(std::numbers::pi);
                                 return {mul(call.grad_output, mul(exp(neg(square(x))), scale))};
                             });
}

namespace {

// d gelu / dx, written in differentiable ops so that gelu has every order of derivative.
Tensor gelu_derivative(const Tensor& x, bool tanh_form) {
    if (!tanh_form) {
        // Phi(x) + x phi(x), phi the standard normal density.
        Tensor cdf = mul(add(erf(mul(x, kInvSqrt2<double>)), 1.0), 0.5);
        Tensor pdf = mul(exp(mul(square(x), -0.5)), kInvSqrt2Pi<double>);
        return add(cdf, mul(x, pdf));
    }
    // 0.5 (1 + t) + 0.5 x (1 - t^2) u', with t = tanh(u), u = k (x + c x^3).
    const double k = kGeluK<double>;
    const double c = kGeluC<double>;
    Tensor t = tanh(mul(add(x, mul(mul(square(x), x), c)), k));
    Tensor du = mul(add(mul(square(x), 3.0 * c), 1.0), k);
    Tensor left = mul(add(t, 1.0), 0.5);
    Tensor right = mul(mul(mul(x, sub(1.0, square(t))), du), 0.5);
    return add(left, right);
}

}  // namespace

Tensor gelu(const Tensor& x, std::string_view approximate) {
    detail::require(approximate == "none" || approximate == "tanh",
                    "gelu: approximate must be \"none\" or \"tanh\"; got \"{}\"", approximate);
    const bool tanh_form = approximate == "tanh";
    AnyArray out = map_checked("gelu", x, [tanh_form](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        if (tanh_form) {
            auto u = kGeluK<T> * (a + kGeluC<T> * a * a * a);
            return Array<T>(T(0.5) * a * (T(1) + xt::tanh(u)));
        }
        return Array<T>(T(0.5) * a * (T(1) + xt::erf(a * kInvSqrt2<T>)));
    });
    return detail::record_op(Op::gelu, std::move(out), {x},
                             [x, tanh_form](const BackwardCall& call) -> TensorList {
                                 return {mul(call.grad_output, gelu_derivative(x, tanh_form))};
                             });
}

Tensor silu(const Tensor& x) {
    AnyArray out = map_checked("silu", x, [](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return a / (T(1) + xt::exp(-a));
    });
    return detail::record_op(
        Op::silu, std::move(out), {x}, [x](const BackwardCall& call) -> TensorList {
            Tensor s = sigmoid(x);
            return {mul(call.grad_output, mul(s, add(mul(x, sub(1.0, s)), 1.0)))};
        });
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
    detail::require(beta != 0.0, "softplus: beta must be nonzero; got {}", beta);
    AnyArray out = map_checked("softplus", x, [beta, threshold](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        const T b = static_cast<T>(beta);
        // Above the threshold log1p(e^(bx)) / b equals x to float precision; below it
        // e^(bx) <= e^threshold does not overflow.
        // Evaluated here: the expression refers to the locals b and bx.
        Array<T> bx = a * b;
        return Array<T>(
            xt::where(bx > static_cast<T>(threshold), a,
                      xt::log1p(xt::exp(xt::minimum(bx, static_cast<T>(threshold)))) / b));
    });
    return detail::record_op(
        Op::softplus, std::move(out), {x},
        [x, beta, threshold](const BackwardCall& call) -> TensorList {
            Tensor linear = constant_from(x, [beta, threshold](const auto& a) {
                using T = typename std::decay_t<decltype(a)>::value_type;
                return xt::cast<T>(a * static_cast<T>(beta) > static_cast<T>(threshold));
            });
            Tensor slope = add(linear, mul(sub(1.0, linear), sigmoid(mul(x, beta))));
            return {mul(call.grad_output, slope)};
        });
}

Tensor sin(const Tensor& x) {
    AnyArray out = map_checked("sin", x, [](const auto& a) { return xt::sin(a); });
    return detail::record_op(
        Op::sin, std::move(out), {x},
        [x](const BackwardCall& call) -> TensorList { return {mul(call.grad_output, cos(x))}; });
}

Tensor cos(const Tensor& x) {
    AnyArray out = map_checked("cos", x, [](const auto& a) { return xt::cos(a); });
    return detail::record_op(Op::cos, std::move(out), {x},
                             [x](const BackwardCall& call) -> TensorList {
                                 return {neg(mul(call.grad_output, sin(x)))};
                             });
}

Tensor log1p(const Tensor& x) {
    AnyArray out = map_checked("log1p", x, [](const auto& a) { return xt::log1p(a); });
    return detail::record_op(Op::log1p, std::move(out), {x},
                             [x](const BackwardCall& call) -> TensorList {
                                 return {div(call.grad_output, add(x, 1.0))};
                             });
}

Tensor expm1(const Tensor& x) {
    AnyArray out = map_checked("expm1", x, [](const auto& a) { return xt::expm1(a); });
    return detail::record_op(
        Op::expm1, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList {
            return {mul(call.grad_output, add(call.output, 1.0))};
        },
        /*save_output=*/true);
}

Tensor rsqrt(const Tensor& x) {
    AnyArray out = map_checked("rsqrt", x, [](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return T(1) / xt::sqrt(a);
    });
    return detail::record_op(
        Op::rsqrt, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList {
            // -1/2 x^(-3/2) = -1/2 y^3.
            const Tensor& y = call.output;
            return {mul(call.grad_output, mul(mul(square(y), y), -0.5))};
        },
        /*save_output=*/true);
}

Tensor reciprocal(const Tensor& x) {
    AnyArray out = map_checked("reciprocal", x, [](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return T(1) / a;
    });
    return detail::record_op(
        Op::reciprocal, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList {
            return {neg(mul(call.grad_output, square(call.output)))};
        },
        /*save_output=*/true);
}

Tensor square(const Tensor& x) {
    AnyArray out = map_checked("square", x, [](const auto& a) { return a * a; });
    return detail::record_op(Op::square, std::move(out), {x},
                             [x](const BackwardCall& call) -> TensorList {
                                 return {mul(call.grad_output, mul(x, 2.0))};
                             });
}

Tensor sign(const Tensor& x) {
    AnyArray out = map_checked("sign", x, [](const auto& a) { return xt::sign(a); });
    return detail::record_op(
        Op::sign, std::move(out), {x},
        [](const BackwardCall& call) -> TensorList { return {zeros_like(call.grad_output)}; });
}

namespace {

enum class Relation { eq, ne, lt, le, gt, ge };

template <class X, class Y>
auto relate(Relation relation, const X& x, const Y& y) {
    using T = typename X::value_type;
    switch (relation) {
        case Relation::eq:
            return Array<T>(xt::cast<T>(xt::equal(x, y)));
        case Relation::ne:
            return Array<T>(xt::cast<T>(xt::not_equal(x, y)));
        case Relation::lt:
            return Array<T>(xt::cast<T>(x < y));
        case Relation::le:
            return Array<T>(xt::cast<T>(x <= y));
        case Relation::gt:
            return Array<T>(xt::cast<T>(x > y));
        case Relation::ge:
            return Array<T>(xt::cast<T>(x >= y));
    }
    return Array<T>();
}

Tensor compare(const char* name, Relation relation, const Tensor& a, const Tensor& b) {
    detail::require_defined(name, a, "lhs");
    detail::require_defined(name, b, "rhs");
    detail::require_same_dtype(name, {&a, &b});
    detail::broadcast_shapes(name, a.shape(), b.shape());
    return detail::make_tensor(detail::visit_any(a, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return relate(relation, x, detail::array_as<T>(b));
    }));
}

Tensor compare(const char* name, Relation relation, const Tensor& a, double b) {
    detail::require_defined(name, a, "lhs");
    return detail::make_tensor(detail::visit_any(a, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return relate(relation, x, xt::xscalar<T>(static_cast<T>(b)));
    }));
}

}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) {
    return compare("eq", Relation::eq, a, b);
}
Tensor eq(const Tensor& a, double b) {
    return compare("eq", Relation::eq, a, b);
}
Tensor ne(const Tensor& a, const Tensor& b) {
    return compare("ne", Relation::ne, a, b);
}
Tensor ne(const Tensor& a, double b) {
    return compare("ne", Relation::ne, a, b);
}
Tensor lt(const Tensor& a, const Tensor& b) {
    return compare("lt", Relation::lt, a, b);
}
Tensor lt(const Tensor& a, double b) {
    return compare("lt", Relation::lt, a, b);
}
Tensor le(const Tensor& a, const Tensor& b) {
    return compare("le", Relation::le, a, b);
}
Tensor le(const Tensor& a, double b) {
    return compare("le", Relation::le, a, b);
}
Tensor gt(const Tensor& a, const Tensor& b) {
    return compare("gt", Relation::gt, a, b);
}
Tensor gt(const Tensor& a, double b) {
    return compare("gt", Relation::gt, a, b);
}
Tensor ge(const Tensor& a, const Tensor& b) {
    return compare("ge", Relation::ge, a, b);
}
Tensor ge(const Tensor& a, double b) {
    return compare("ge", Relation::ge, a, b);
}

namespace {

// The condition of where() as a bool array, whatever its dtype.
xt::xarray<bool> truth_of(const Tensor& condition) {
    return detail::visit_any(condition, [](const auto& c) -> xt::xarray<bool> {
        using C = typename std::decay_t<decltype(c)>::value_type;
        return xt::not_equal(c, C(0));
    });
}

}  // namespace

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
    detail::require_defined("where", condition, "condition");
    detail::require_defined("where", a, "a");
    detail::require_defined("where", b, "b");
    broadcast_three("where", {&condition, &a, &b}, {"condition", "a", "b"});
    const bool same_shapes = std::ranges::equal(condition.shape(), a.shape()) &&
                             std::ranges::equal(a.shape(), b.shape());
    AnyArray out = detail::visit2("where", a, b, [&](const auto& x, const auto& y) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        if (!same_shapes) {
            return Array<T>(xt::where(truth_of(condition), x, y));
        }
        // Without broadcasting a flat loop is an order of magnitude faster than xtensor's
        // generic where over a bool array.
        Array<T> result = Array<T>::from_shape(x.shape());
        detail::visit_any(condition, [&](const auto& c) {
            using C = typename std::decay_t<decltype(c)>::value_type;
            for (std::size_t i = 0; i < result.size(); ++i) {
                result.data()[i] = c.data()[i] != C(0) ? x.data()[i] : y.data()[i];
            }
        });
        return result;
    });
    return detail::record_op(
        Op::where, std::move(out), {a, b},
        [condition = condition.detach(), sa = detail::to_shape(a.shape()),
         sb = detail::to_shape(b.shape())](const BackwardCall& call) {
            // where() again, rather than a product with a 0/1 mask, so that an inf or nan
            // gradient on one side cannot leak into the other as 0 * inf.
            Tensor zero = zeros({}, call.grad_output.dtype());
            TensorList grads(2);
            if (call.needs_grad[0]) {
                grads[0] = reduce_to(where(condition, call.grad_output, zero), sa);
            }
            if (call.needs_grad[1]) {
                grads[1] = reduce_to(where(condition, zero, call.grad_output), sb);
            }
            return grads;
        });
}

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
    detail::require_defined("lerp", start, "start");
    detail::require_defined("lerp", end, "end");
    detail::require_defined("lerp", weight, "weight");
    detail::require_same_dtype("lerp", {&start, &end, &weight});
    broadcast_three("lerp", {&start, &end, &weight}, {"start", "end", "weight"});
    AnyArray out =
        detail::visit2("lerp", start, end, [&](const auto& s, const auto& e) -> AnyArray {
            using T = typename std::decay_t<decltype(s)>::value_type;
            return Array<T>(s + detail::array_as<T>(weight) * (e - s));
        });
    return detail::record_op(
        Op::lerp, std::move(out), {start, end, weight},
        [start, end, weight](const BackwardCall& call) {
            const Tensor& g = call.grad_output;
            TensorList grads(3);
            if (call.needs_grad[0]) {
                grads[0] = reduce_to(mul(g, sub(1.0, weight)), detail::to_shape(start.shape()));
            }
            if (call.needs_grad[1]) {
                grads[1] = reduce_to(mul(g, weight), detail::to_shape(end.shape()));
            }
            if (call.needs_grad[2]) {
                grads[2] = reduce_to(mul(g, sub(end, start)), detail::to_shape(weight.shape()));
            }
            return grads;
        });
}

Tensor lerp(const Tensor& start, const Tensor& end, double weight) {
    AnyArray out = binary_checked("lerp", start, end, [weight](const auto& s, const auto& e) {
        using T = typename std::decay_t<decltype(s)>::value_type;
        return s + static_cast<T>(weight) * (e - s);
    });
    return detail::record_op(
        Op::lerp, std::move(out), {start, end},
        [sa = detail::to_shape(start.shape()), sb = detail::to_shape(end.shape()),
         weight](const BackwardCall& call) {
            TensorList grads(2);
            if (call.needs_grad[0]) {
                grads[0] = reduce_to(mul(call.grad_output, 1.0 - weight), sa);
            }
            if (call.needs_grad[1]) {
                grads[1] = reduce_to(mul(call.grad_output, weight), sb);
            }
            return grads;
        });
}

}  // namespace wengert
