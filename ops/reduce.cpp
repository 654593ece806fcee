#include "reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <xtensor/xmath.hpp>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "pointwise.hpp"
#include "shape.hpp"
#include "unary.hpp"

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

namespace {

// A tensor seen as (outer, n, inner) around one axis: element (o, i, k) sits at
// (o * n + i) * inner + k.
struct AxisView {
    std::size_t outer = 1;
    std::size_t n = 1;
    std::size_t inner = 1;
};

AxisView axis_view(ShapeView shape, std::size_t axis) {
    AxisView view;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i < axis) {
            view.outer *= shape[i];
        } else if (i == axis) {
            view.n = shape[i];
        } else {
            view.inner *= shape[i];
        }
    }
    return view;
}

// sign(x) as a constant: its derivative is zero wherever it is defined.
Tensor constant_sign(const Tensor& x) {
    return detail::make_tensor(detail::map_array(x, [](const auto& a) { return xt::sign(a); }));
}

std::size_t reduced_count(ShapeView shape, const std::vector<std::size_t>& axes) {
    std::size_t count = 1;
    for (std::size_t axis : axes) {
        count *= shape[axis];
    }
    return count;
}

// Throws unless every reduced axis has elements: a maximum of nothing is undefined.
void require_nonempty(const char* name, const Tensor& x, const std::vector<std::size_t>& axes) {
    for (std::size_t axis : axes) {
        detail::require(x.shape()[axis] > 0,
                        "{}: cannot reduce over axis {} of size 0 in a tensor of shape {}", name,
                        axis, shape_string(x.shape()));
    }
}

// Calls combine(out[j], value) for every element of `in`, j its position in `out`, the
// shape of `in` with `axes` removed. Rows of contiguous memory run in the innermost loop.
template <class T, class Combine>
void reduce_into(const Array<T>& in, const std::vector<std::size_t>& axes, Array<T>& out,
                 Combine combine) {
    const std::size_t rank = in.dimension();
    if (in.size() == 0) {
        return;
    }
    if (rank == 0) {
        combine(out.data()[0], in());
        return;
    }
    std::vector<bool> reduced(rank, false);
    for (std::size_t axis : axes) {
        reduced[axis] = true;
    }
    std::vector<std::size_t> out_stride(rank, 0);
    std::size_t stride = 1;
    for (std::size_t i = rank; i-- > 0;) {
        if (!reduced[i]) {
            out_stride[i] = stride;
            stride *= in.shape()[i];
        }
    }
    const std::size_t inner = in.shape()[rank - 1];
    const bool inner_reduced = reduced[rank - 1];
    const T* src = in.data();
    T* dst = out.data();
    std::vector<std::size_t> index(rank, 0);
    std::size_t offset = 0;
    for (std::size_t row = 0; row < in.size() / inner; ++row) {
        const T* values = src + row * inner;
        for (std::size_t j = 0; j < inner; ++j) {
            combine(dst[inner_reduced ? offset : offset + j], values[j]);
        }
        for (std::size_t i = rank - 1; i-- > 0;) {
            offset += out_stride[i];
            if (++index[i] < in.shape()[i]) {
                break;
            }
            offset -= out_stride[i] * index[i];
            index[i] = 0;
        }
    }
}

Shape without_axes(ShapeView shape, const std::vector<std::size_t>& axes) {
    return reduced_shape(shape, axes, false);
}

// The maximum (or minimum) over `axes`, with NaN propagating as in PyTorch.
template <class T>
Array<T> extreme_axes(const Array<T>& a, const std::vector<std::size_t>& axes, bool take_max) {
    const T init = take_max ? -std::numeric_limits<T>::infinity()
                            : std::numeric_limits<T>::infinity();
    Array<T> out(without_axes(a.shape(), axes), init);
    if (take_max) {
        reduce_into(a, axes, out, [](T& acc, T v) {
            if (v > acc || std::isnan(v)) {
                acc = std::isnan(acc) ? acc : v;
            }
        });
    } else {
        reduce_into(a, axes, out, [](T& acc, T v) {
            if (v < acc || std::isnan(v)) {
                acc = std::isnan(acc) ? acc : v;
            }
        });
    }
    return out;
}

// amax/amin backward weights: 1 / (number of ties) on the elements equal to their slice's
// extreme, 0 elsewhere. A constant: the weights are piecewise constant in x.
Tensor tie_weights(const Tensor& x, const Tensor& extreme, const Shape& kept,
                   const std::vector<std::size_t>& axes) {
    return detail::make_tensor(detail::visit(x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> m = detail::array_as<T>(extreme);
        m.reshape(kept);
        Array<T> mask = xt::cast<T>(xt::equal(a, m));
        Array<T> count = a.dimension() == 0 ? mask : detail::sum_axes(mask, axes);
        count.reshape(kept);
        return Array<T>(mask / count);
    }));
}

Tensor amax_or_amin(Op op, const char* name, const Tensor& x,
                    const std::vector<std::int64_t>& axes, bool keepdim, bool take_max) {
    detail::require_floating(name, x);
    const auto resolved = detail::normalize_axes(name, axes, x.dim());
    require_nonempty(name, x, resolved);
    const Shape out_shape = reduced_shape(x.shape(), resolved, keepdim);
    AnyArray out = detail::visit(name, x, [&](const auto& a) -> AnyArray {
        auto result = extreme_axes(a, resolved, take_max);
        result.reshape(out_shape);
        return result;
    });
    return detail::record_op(
        op, std::move(out), {x},
        [x, resolved, kept = keepdim_shape(x.shape(), resolved),
         input = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            Tensor weights = tie_weights(x, call.output, kept, resolved);
            return {mul(spread(call.grad_output, kept, input), weights)};
        },
        /*save_output=*/true);
}

// Values and first indices of the extremes along one axis.
template <class T>
void arg_extreme(const Array<T>& a, AxisView v, bool take_max, T* values, std::int64_t* where) {
    const T* src = a.data();
    for (std::size_t o = 0; o < v.outer; ++o) {
        T* best = values + o * v.inner;
        std::int64_t* at = where + o * v.inner;
        const T* first = src + o * v.n * v.inner;
        for (std::size_t k = 0; k < v.inner; ++k) {
            best[k] = first[k];
            at[k] = 0;
        }
        for (std::size_t i = 1; i < v.n; ++i) {
            const T* row = src + (o * v.n + i) * v.inner;
            for (std::size_t k = 0; k < v.inner; ++k) {
                const T value = row[k];
                const bool better = take_max ? value > best[k] : value < best[k];
                // Strict comparison keeps the first index on ties; the first NaN wins.
                if ((better && !std::isnan(best[k])) || (std::isnan(value) && !std::isnan(best[k]))) {
                    best[k] = value;
                    at[k] = static_cast<std::int64_t>(i);
                }
            }
        }
    }
}

struct ArgResult {
    AnyArray values;
    Array<std::int64_t> indices;
};

ArgResult arg_kernel(const char* name, const Tensor& x, AxisView view, const Shape& out_shape,
                     bool take_max) {
    return detail::visit(name, x, [&](const auto& a) -> ArgResult {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> values = Array<T>::from_shape({view.outer * view.inner});
        Array<std::int64_t> indices = Array<std::int64_t>::from_shape({view.outer * view.inner});
        arg_extreme(a, view, take_max, values.data(), indices.data());
        values.reshape(out_shape);
        indices.reshape(out_shape);
        return {std::move(values), std::move(indices)};
    });
}

ValuesIndices max_or_min(Op op, const char* name, const Tensor& x, std::int64_t axis,
                         bool keepdim, bool take_max) {
    detail::require_floating(name, x);
    const std::size_t resolved = detail::normalize_axis(name, axis, x.dim());
    require_nonempty(name, x, {resolved});
    const AxisView view = axis_view(x.shape(), resolved);
    const Shape out_shape = reduced_shape(x.shape(), {resolved}, keepdim);
    ArgResult result = arg_kernel(name, x, view, out_shape, take_max);
    Tensor indices = detail::make_tensor(result.indices);
    Tensor values = detail::record_op(
        op, std::move(result.values), {x},
        [indices, view, kept = keepdim_shape(x.shape(), {resolved}),
         input = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            // A one-hot mask of the selected positions: the gradient goes to them alone.
            Tensor mask = detail::make_tensor(detail::visit(call.grad_output, [&](const auto& g) -> AnyArray {
                using T = typename std::decay_t<decltype(g)>::value_type;
                Array<T> m(input, T(0));
                const std::int64_t* at = detail::array_as<std::int64_t>(indices).data();
                for (std::size_t o = 0; o < view.outer; ++o) {
                    for (std::size_t k = 0; k < view.inner; ++k) {
                        const auto i = static_cast<std::size_t>(at[o * view.inner + k]);
                        m.data()[(o * view.n + i) * view.inner + k] = T(1);
                    }
                }
                return m;
            }));
            return {mul(spread(call.grad_output, kept, input), mask)};
        });
    return {values, indices};
}

Tensor arg_indices(const char* name, const Tensor& x, std::optional<std::int64_t> axis,
                   bool keepdim, bool take_max) {
    detail::require_floating(name, x);
    if (!axis) {
        detail::require(x.numel() > 0, "{}: cannot reduce a tensor of shape {} with no elements",
                        name, shape_string(x.shape()));
        AxisView flat;
        flat.n = x.numel();
        return detail::make_tensor(arg_kernel(name, x, flat, {}, take_max).indices);
    }
    const std::size_t resolved = detail::normalize_axis(name, *axis, x.dim());
    require_nonempty(name, x, {resolved});
    const Shape out_shape = reduced_shape(x.shape(), {resolved}, keepdim);
    return detail::make_tensor(
        arg_kernel(name, x, axis_view(x.shape(), resolved), out_shape, take_max).indices);
}

}  // namespace

Tensor amax(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim) {
    return amax_or_amin(Op::amax, "amax", x, axes, keepdim, true);
}

Tensor amin(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim) {
    return amax_or_amin(Op::amin, "amin", x, axes, keepdim, false);
}

Tensor max(const Tensor& x) {
    return amax_or_amin(Op::amax, "max", x, {}, false, true);
}

Tensor min(const Tensor& x) {
    return amax_or_amin(Op::amin, "min", x, {}, false, false);
}

ValuesIndices max(const Tensor& x, std::int64_t axis, bool keepdim) {
    return max_or_min(Op::max, "max", x, axis, keepdim, true);
}

ValuesIndices min(const Tensor& x, std::int64_t axis, bool keepdim) {
    return max_or_min(Op::min, "min", x, axis, keepdim, false);
}

Tensor argmax(const Tensor& x) {
    return arg_indices("argmax", x, std::nullopt, false, true);
}

Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim) {
    return arg_indices("argmax", x, axis, keepdim, true);
}

Tensor argmin(const Tensor& x) {
    return arg_indices("argmin", x, std::nullopt, false, false);
}

Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim) {
    return arg_indices("argmin", x, axis, keepdim, false);
}

Tensor logsumexp(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim) {
    detail::require_floating("logsumexp", x);
    const auto resolved = detail::normalize_axes("logsumexp", axes, x.dim());
    const Shape kept = keepdim_shape(x.shape(), resolved);
    const Shape out_shape = reduced_shape(x.shape(), resolved, keepdim);
    AnyArray out = detail::visit("logsumexp", x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> m = extreme_axes(a, resolved, true);
        m.reshape(kept);
        // Shifting by an infinite maximum would give inf - inf = nan; a shift of 0 there gives
        // PyTorch's -inf (all -inf, or no elements) and inf (some +inf).
        m = xt::where(xt::isinf(m), T(0), m);
        Array<T> shifted = xt::exp(a - m);
        Array<T> total = a.dimension() == 0 ? shifted : detail::sum_axes(shifted, resolved);
        total.reshape(kept);
        Array<T> result = xt::log(total) + m;
        result.reshape(out_shape);
        return result;
    });
    return detail::record_op(
        Op::logsumexp, std::move(out), {x},
        [x, kept, input = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            // d/dx = exp(x - logsumexp(x)) = softmax(x), written from the saved output so that
            // it stays differentiable.
            Tensor softmax = exp(sub(x, spread(call.output, kept, input)));
            return {mul(spread(call.grad_output, kept, input), softmax)};
        },
        /*save_output=*/true);
}

namespace {

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
    Tensor weighted = mul(expand(reshape(ht, with(n, 1)), square_shape), others);    // (.., n, n)
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
            result = xt::pow(reduce(xt::pow(xt::abs(a), static_cast<T>(p))), static_cast<T>(1.0 / p));
        }
        result.reshape(out_shape);
        return result;
    });
    return detail::record_op(
        Op::norm, std::move(out), {x},
        [x, p, resolved, kept, input = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            const Tensor& g = call.grad_output;
            Tensor s = constant_sign(x);
            if (p == 1.0) {
                return {mul(spread(g, kept, input), s)};
            }
            if (std::isinf(p)) {
                // The gradient of max |x|, split evenly among ties, times the sign.
                Tensor weights = tie_weights(detail::make_tensor(detail::visit(x, [](const auto& a) -> AnyArray {
                    using T = typename std::decay_t<decltype(a)>::value_type;
                    return Array<T>(xt::abs(a));
                })), call.output, kept, resolved);
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
