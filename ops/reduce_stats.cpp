// Reductions that are statistics of their inputs: var, std, prod, norm, cumsum. They share
// the helpers of reduce.cpp through reduce_detail.hpp.
#include <algorithm>
#include <cmath>
#include <xtensor/xmath.hpp>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "pointwise.hpp"
#include "reduce.hpp"
#include "reduce_detail.hpp"
#include "shape.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::axis_view;
using detail::AxisView;
using detail::BackwardCall;
using detail::extreme_axes;
using detail::keepdim_shape;
using detail::reduced_count;
using detail::reduced_shape;
using detail::spread;
using detail::tie_weights;

struct VarPlan {
    std::vector<std::size_t> axes;
    Shape kept;
    Shape out_shape;
    Shape input;
    double denom = 0.0;  // N - correction, clamped at 0 as PyTorch does
};

VarPlan plan_var(const char* name, const Tensor& x, const std::vector<std::int64_t>& axes,
                 double correction, bool keepdim) {
    detail::require_floating(name, x);
    VarPlan plan;
    plan.axes = detail::normalize_axes(name, axes, x.dim());
    plan.kept = keepdim_shape(x.shape(), plan.axes);
    plan.out_shape = reduced_shape(x.shape(), plan.axes, keepdim);
    plan.input = detail::to_shape(x.shape());
    const auto count = static_cast<double>(reduced_count(x.shape(), plan.axes));
    plan.denom = std::max(count - correction, 0.0);
    return plan;
}

AnyArray var_kernel(const Tensor& x, const VarPlan& plan, bool take_sqrt) {
    return detail::visit("var", x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        const auto count = static_cast<T>(reduced_count(a.shape(), plan.axes));
        auto reduce = [&](const Array<T>& values) {
            return a.dimension() == 0 ? values : detail::sum_axes(values, plan.axes);
        };
        Array<T> centre = reduce(a) / count;
        centre.reshape(plan.kept);
        Array<T> squares = xt::square(a - centre);
        Array<T> result = reduce(squares) / static_cast<T>(plan.denom);
        if (take_sqrt) {
            result = xt::sqrt(result);
        }
        result.reshape(plan.out_shape);
        return result;
    });
}

// Gradient of var for the output gradient `grad`: 2 (x - mean) / (N - correction).
Tensor var_backward(const Tensor& grad, const Tensor& x, const VarPlan& plan) {
    const std::vector<std::int64_t> axes(plan.axes.begin(), plan.axes.end());
    Tensor centred = sub(x, mean(x, axes, true));
    return mul(spread(grad, plan.kept, plan.input), mul(centred, 2.0 / plan.denom));
}

}  // namespace

Tensor var(const Tensor& x, const std::vector<std::int64_t>& axes, double correction,
           bool keepdim) {
    const VarPlan plan = plan_var("var", x, axes, correction, keepdim);
    return detail::record_op(Op::var, var_kernel(x, plan, false), {x},
                             [x, plan](const BackwardCall& call) -> TensorList {
                                 return {var_backward(call.grad_output, x, plan)};
                             });
}

Tensor std(const Tensor& x, const std::vector<std::int64_t>& axes, double correction,
           bool keepdim) {
    const VarPlan plan = plan_var("std", x, axes, correction, keepdim);
    return detail::record_op(
        Op::std, var_kernel(x, plan, true), {x},
        [x, plan](const BackwardCall& call) -> TensorList {
            // d std = d var / (2 std), defined as 0 where std is 0 (PyTorch's choice). The
            // division uses a safe denominator there so second order sees no 0 * inf either.
            const Tensor& s = call.output;
            Tensor nonzero = ne(s, 0.0);
            Tensor zero = zeros({}, s.dtype());
            Tensor safe = where(nonzero, s, ones({}, s.dtype()));
            Tensor grad_var = where(nonzero, div(call.grad_output, mul(safe, 2.0)), zero);
            return {var_backward(grad_var, x, plan)};
        },
        /*save_output=*/true);
}

namespace {

// Products of all other elements along `axis`: y_i = prod_{j != i} x_j, from prefix and
// suffix products, so zeros need no special case.
Tensor prod_others(const Tensor& x, std::size_t axis);

Tensor prod_others_backward(const Tensor& h, const Tensor& x, std::size_t axis) {
    // With the axis moved last, d y_i / d x_k = prod_{j != i, k} x_j for k != i. Those are
    // the products of the others in rows Y_i = x with x_i replaced by 1, which prod_others
    // of an (n, n) stack gives; so this backward is itself differentiable.
    const std::size_t last = x.dim() - 1;
    const auto to_last = [&](const Tensor& t) {
        return axis == last ? t : transpose(t, static_cast<std::int64_t>(axis), -1);
    };
    const Tensor xt = to_last(x);
    const Tensor ht = to_last(h);
    const std::size_t n = xt.shape()[last];
    Shape row(xt.shape().begin(), xt.shape().end() - 1);
    Shape square_shape = row;
    square_shape.push_back(n);
    square_shape.push_back(n);
    auto with = [&](std::size_t a, std::size_t b) {
        std::vector<std::int64_t> s(row.size() + 2);
        std::copy(row.begin(), row.end(), s.begin());
        s[row.size()] = static_cast<std::int64_t>(a);
        s[row.size() + 1] = static_cast<std::int64_t>(b);
        return s;
    };
    std::vector<double> eye_values(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        eye_values[i * n + i] = 1.0;
    }
    const Tensor eye = tensor(eye_values, {n, n}, x.dtype());
    const Tensor one = ones({}, x.dtype());
    const Tensor zero = zeros({}, x.dtype());
    Tensor stacked = where(eye, one, expand(reshape(xt, with(1, n)), square_shape));  // (.., n, n)
    Tensor others = prod_others(stacked, last + 1);                                   // (.., n, n)
    Tensor weighted = mul(expand(reshape(ht, with(n, 1)), square_shape), others);     // (.., n, n)
    Tensor grad = sum(where(eye, zero, weighted), {-2});                              // (.., n)
    return to_last(grad);
}

Tensor prod_others(const Tensor& x, std::size_t axis) {
    const AxisView view = axis_view(x.shape(), axis);
    AnyArray out = detail::visit("prod", x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> result = Array<T>::from_shape(a.shape());
        std::vector<T> running(view.inner);
        for (std::size_t o = 0; o < view.outer; ++o) {
            const std::size_t base = o * view.n * view.inner;
            std::fill(running.begin(), running.end(), T(1));
            for (std::size_t i = 0; i < view.n; ++i) {
                for (std::size_t k = 0; k < view.inner; ++k) {
                    const std::size_t at = base + i * view.inner + k;
                    result.data()[at] = running[k];
                    running[k] *= a.data()[at];
                }
            }
            std::fill(running.begin(), running.end(), T(1));
            for (std::size_t i = view.n; i-- > 0;) {
                for (std::size_t k = 0; k < view.inner; ++k) {
                    const std::size_t at = base + i * view.inner + k;
                    result.data()[at] *= running[k];
                    running[k] *= a.data()[at];
                }
            }
        }
        return result;
    });
    return detail::record_op(Op::prod_others, std::move(out), {x},
                             [x, axis](const BackwardCall& call) -> TensorList {
                                 return {prod_others_backward(call.grad_output, x, axis)};
                             });
}

}  // namespace

Tensor prod(const Tensor& x, std::int64_t axis, bool keepdim) {
    detail::require_floating("prod", x);
    const std::size_t resolved = detail::normalize_axis("prod", axis, x.dim());
    const AxisView view = axis_view(x.shape(), resolved);
    const Shape out_shape = reduced_shape(x.shape(), {resolved}, keepdim);
    AnyArray out = detail::visit("prod", x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> result(Shape{view.outer * view.inner}, T(1));
        for (std::size_t o = 0; o < view.outer; ++o) {
            for (std::size_t i = 0; i < view.n; ++i) {
                const T* row = a.data() + (o * view.n + i) * view.inner;
                T* target = result.data() + o * view.inner;
                for (std::size_t k = 0; k < view.inner; ++k) {
                    target[k] *= row[k];
                }
            }
        }
        result.reshape(out_shape);
        return result;
    });
    return detail::record_op(
        Op::prod, std::move(out), {x},
        [x, resolved, kept = keepdim_shape(x.shape(), {resolved}),
         input = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            return {mul(spread(call.grad_output, kept, input), prod_others(x, resolved))};
        });
}

Tensor prod(const Tensor& x) {
    detail::require_floating("prod", x);
    return prod(reshape(x, {-1}), 0, false);
}

Tensor norm(const Tensor& x, double p, const std::vector<std::int64_t>& axes, bool keepdim) {
    detail::require_floating("norm", x);
    detail::require(p > 0.0, "norm: p must be positive (1, 2, inf or another p > 0); got {}", p);
    const auto resolved = detail::normalize_axes("norm", axes, x.dim());
    const Shape kept = keepdim_shape(x.shape(), resolved);
    const Shape out_shape = reduced_shape(x.shape(), resolved, keepdim);
    AnyArray out = detail::visit("norm", x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        auto reduce = [&](const Array<T>& values) {
            return a.dimension() == 0 ? values : detail::sum_axes(values, resolved);
        };
        Array<T> result;
        if (std::isinf(p)) {
            result = extreme_axes(Array<T>(xt::abs(a)), resolved, true);
            if (reduced_count(a.shape(), resolved) == 0) {
                result.fill(T(0));
            }
        } else if (p == 1.0) {
            result = reduce(xt::abs(a));
        } else if (p == 2.0) {
            result = xt::sqrt(reduce(xt::square(a)));
        } else {
            result =
                xt::pow(reduce(xt::pow(xt::abs(a), static_cast<T>(p))), static_cast<T>(1.0 / p));
        }
        result.reshape(out_shape);
        return result;
    });
    return detail::record_op(
        Op::norm, std::move(out), {x},
        [x, p, resolved, kept,
         input = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            const Tensor& g = call.grad_output;
            Tensor s = sign(x.detach());  // constant: its derivative is 0 where defined
            if (p == 1.0) {
                return {mul(spread(g, kept, input), s)};
            }
            if (std::isinf(p)) {
                // The gradient of max |x|, split evenly among ties, times the sign.
                Tensor weights =
                    tie_weights(detail::make_tensor(detail::visit(
                                    x,
                                    [](const auto& a) -> AnyArray {
                                        using T = typename std::decay_t<decltype(a)>::value_type;
                                        return Array<T>(xt::abs(a));
                                    })),
                                call.output, kept, resolved);
                return {mul(spread(g, kept, input), mul(weights, s))};
            }
            // grad * sign(x) |x|^(p-1) / norm^(p-1), and 0 where the norm is 0.
            const Tensor& n = call.output;
            Tensor nonzero = ne(n, 0.0);
            Tensor zero = zeros({}, n.dtype());
            Tensor safe = where(nonzero, n, ones({}, n.dtype()));
            if (p == 2.0) {
                Tensor scale = where(nonzero, div(g, safe), zero);
                return {mul(spread(scale, kept, input), x)};
            }
            Tensor scale = where(nonzero, div(g, pow(safe, p - 1.0)), zero);
            Tensor scaled = where(ne(x, 0.0), mul(pow(abs(x), p - 1.0), s), zero);
            return {mul(spread(scale, kept, input), scaled)};
        },
        /*save_output=*/true);
}

namespace {

// Running sum along `axis`, from the end when `reverse`; each direction is the other's
// gradient.
Tensor cumsum_along(const Tensor& x, std::size_t axis, bool reverse) {
    const AxisView view = axis_view(x.shape(), axis);
    AnyArray out = detail::visit("cumsum", x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> result = Array<T>::from_shape(a.shape());
        std::vector<T> running(view.inner);
        for (std::size_t o = 0; o < view.outer; ++o) {
            std::fill(running.begin(), running.end(), T(0));
            for (std::size_t step = 0; step < view.n; ++step) {
                const std::size_t i = reverse ? view.n - 1 - step : step;
                const std::size_t base = (o * view.n + i) * view.inner;
                for (std::size_t k = 0; k < view.inner; ++k) {
                    running[k] += a.data()[base + k];
                    result.data()[base + k] = running[k];
                }
            }
        }
        return result;
    });
    return detail::record_op(Op::cumsum, std::move(out), {x},
                             [axis, reverse](const BackwardCall& call) -> TensorList {
                                 return {cumsum_along(call.grad_output, axis, !reverse)};
                             });
}

}  // namespace

Tensor cumsum(const Tensor& x, std::int64_t axis) {
    detail::require_floating("cumsum", x);
    return cumsum_along(x, detail::normalize_axis("cumsum", axis, x.dim()), false);
}

}  // namespace wengert
