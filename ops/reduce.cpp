#include "reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <xtensor/xmath.hpp>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "reduce_detail.hpp"
#include "shape.hpp"
#include "unary.hpp"

namespace wengert {

namespace detail {

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

// Gradient of a reduction: the output gradient, given back its reduced axes, broadcast over
// them.
Tensor spread(const Tensor& grad, const Shape& kept, const Shape& input) {
    return expand(reshape(grad, std::vector<std::int64_t>(kept.begin(), kept.end())), input);
}

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

std::size_t reduced_count(ShapeView shape, const std::vector<std::size_t>& axes) {
    std::size_t count = 1;
    for (std::size_t axis : axes) {
        count *= shape[axis];
    }
    return count;
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
    const T init =
        take_max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
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

template Array<float> extreme_axes(const Array<float>&, const std::vector<std::size_t>&, bool);
template Array<double> extreme_axes(const Array<double>&, const std::vector<std::size_t>&, bool);

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

}  // namespace detail

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

AnyArray sum_kernel(const Tensor& x, const std::vector<std::size_t>& axes, const Shape& shape) {
    return detail::visit(x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> out = detail::sum_axes(a, axes);
        out.reshape(shape);
        return out;
    });
}

// Throws unless every reduced axis has elements: a maximum of nothing is undefined.
void require_nonempty(const char* name, const Tensor& x, const std::vector<std::size_t>& axes) {
    for (std::size_t axis : axes) {
        detail::require(x.shape()[axis] > 0,
                        "{}: cannot reduce over axis {} of size 0 in a tensor of shape {}", name,
                        axis, shape_string(x.shape()));
    }
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim) {
    detail::require_defined("sum", x);
    const auto resolved = detail::normalize_axes("sum", axes, x.dim());
    const Shape out_shape = reduced_shape(x.shape(), resolved, keepdim);
    return detail::record_op(
        Op::sum, sum_kernel(x, resolved, out_shape), {x},
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
    std::visit(
        [count](auto& a) {
            using T = typename std::decay_t<decltype(a)>::value_type;
            a /= static_cast<T>(count);
        },
        total);
    const double scale = 1.0 / static_cast<double>(count);
    return detail::record_op(
        Op::mean, std::move(total), {x},
        [kept = keepdim_shape(x.shape(), resolved), input = detail::to_shape(x.shape()),
         scale](const BackwardCall& call) -> TensorList {
            return {spread(mul(call.grad_output, scale), kept, input)};
        });
}

Tensor mean(const Tensor& x) {
    return mean(x, {}, false);
}

namespace {

Tensor amax_or_amin(Op op, const char* name, const Tensor& x, const std::vector<std::int64_t>& axes,
                    bool keepdim, bool take_max) {
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
                if ((better && !std::isnan(best[k])) ||
                    (std::isnan(value) && !std::isnan(best[k]))) {
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

ValuesIndices max_or_min(Op op, const char* name, const Tensor& x, std::int64_t axis, bool keepdim,
                         bool take_max) {
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
            Tensor mask =
                detail::make_tensor(detail::visit(call.grad_output, [&](const auto& g) -> AnyArray {
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

}  // namespace wengert
