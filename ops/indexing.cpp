#include "indexing.hpp"

#include <algorithm>

#include "kernel.hpp"
#include "shape.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

std::size_t product(ShapeView shape, std::size_t begin, std::size_t end) {
    std::size_t n = 1;
    for (std::size_t i = begin; i < end; ++i) {
        n *= shape[i];
    }
    return n;
}

std::vector<std::size_t> row_major_strides(ShapeView shape) {
    std::vector<std::size_t> strides(shape.size());
    std::size_t stride = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        strides[i] = stride;
        stride *= shape[i];
    }
    return strides;
}

/// Throws std::out_of_range naming the op, the index, the axis and its size.
void check_index(const char* op, std::int64_t index, std::size_t axis, std::size_t size) {
    detail::require<std::out_of_range>(index >= 0 && index < static_cast<std::int64_t>(size),
                                       "{}: index {} is out of range for axis {} of size {}", op,
                                       index, axis, size);
}

/// Views the data as (outer, n, inner) and copies `count` slabs of `inner` elements from
/// src positions src_start + k * src_step to dst positions dst_start + k * dst_step, for
/// every outer index. Unit steps copy one contiguous block per outer index.
template <class T>
void copy_slabs(const T* src, std::size_t src_n, T* dst, std::size_t dst_n, std::size_t outer,
                std::size_t inner, std::size_t count, std::size_t src_start, std::size_t src_step,
                std::size_t dst_start, std::size_t dst_step) {
    for (std::size_t o = 0; o < outer; ++o) {
        const T* from = src + (o * src_n + src_start) * inner;
        T* to = dst + (o * dst_n + dst_start) * inner;
        if (src_step == 1 && dst_step == 1) {
            std::copy_n(from, count * inner, to);
        } else if (inner == 1) {
            for (std::size_t k = 0; k < count; ++k) {
                to[k * dst_step] = from[k * src_step];
            }
        } else {
            for (std::size_t k = 0; k < count; ++k) {
                std::copy_n(from + k * src_step * inner, inner, to + k * dst_step * inner);
            }
        }
    }
}

/// Calls f(position, offset_a, offset_b) for every position of `shape` in row-major order,
/// with the position's offsets under the strides `a` and `b`.
template <class F>
void walk(ShapeView shape, const std::vector<std::size_t>& a, const std::vector<std::size_t>& b,
          F&& f) {
    const std::size_t rank = shape.size();
    const std::size_t total = product(shape, 0, rank);
    if (total == 0) {
        return;
    }
    if (rank == 0) {
        f(std::size_t{0}, std::size_t{0}, std::size_t{0});
        return;
    }
    const std::size_t inner = shape[rank - 1];
    const std::size_t inner_a = a[rank - 1];
    const std::size_t inner_b = b[rank - 1];
    std::vector<std::size_t> index(rank, 0);
    std::size_t offset_a = 0;
    std::size_t offset_b = 0;
    for (std::size_t position = 0; position < total; position += inner) {
        for (std::size_t j = 0; j < inner; ++j) {
            f(position + j, offset_a + j * inner_a, offset_b + j * inner_b);
        }
        for (std::size_t d = rank - 1; d-- > 0;) {
            offset_a += a[d];
            offset_b += b[d];
            if (++index[d] < shape[d]) {
                break;
            }
            offset_a -= a[d] * index[d];
            offset_b -= b[d] * index[d];
            index[d] = 0;
        }
    }
}

/// The gradient of slice: grad placed at positions start, start + step, ... of an axis of
/// `size`, zeros elsewhere. Its own gradient is the slice again.
Tensor slice_backward(const Tensor& grad, std::size_t axis, std::size_t size, std::size_t start,
                      std::size_t step) {
    Shape shape = detail::to_shape(grad.shape());
    const std::size_t count = shape[axis];
    shape[axis] = size;
    const std::size_t outer = product(shape, 0, axis);
    const std::size_t inner = product(shape, axis + 1, shape.size());
    AnyArray out = detail::visit_any(grad, [&](const auto& g) -> AnyArray {
        using T = typename std::decay_t<decltype(g)>::value_type;
        Array<T> result(shape, T(0));
        copy_slabs(g.data(), count, result.data(), size, outer, inner, count, 0, 1, start, step);
        return result;
    });
    const auto ax = static_cast<std::int64_t>(axis);
    const auto first = static_cast<std::int64_t>(start);
    const auto stop = static_cast<std::int64_t>(start + (count == 0 ? 0 : (count - 1) * step + 1));
    const auto stride = static_cast<std::int64_t>(step);
    return detail::record_op(Op::slice_backward, std::move(out), {grad},
                             [ax, first, stop, stride](const BackwardCall& call) -> TensorList {
                                 return {slice(call.grad_output, ax, first, stop, stride)};
                             });
}

/// Checks a 1-D (or 0-d) int64 index and returns its values, each in [0, size).
const std::int64_t* checked_index_1d(const char* op, const Tensor& index, std::size_t axis,
                                     std::size_t size) {
    detail::require_int64(op, index);
    detail::require<ShapeError>(index.dim() <= 1, "{}: the index must be 1-D; got shape {}", op,
                                shape_string(index.shape()));
    const std::int64_t* values = index.data_ptr<std::int64_t>();
    for (std::size_t j = 0; j < index.numel(); ++j) {
        check_index(op, values[j], axis, size);
    }
    return values;
}

/// index_add after its checks; an undefined x stands for zeros of `shape` (the gradient of
/// index_select), which saves copying a tensor of zeros.
Tensor index_add_into(const Tensor& x, const Shape& shape, std::size_t a, std::int64_t axis,
                      const Tensor& index, const Tensor& source) {
    const std::size_t n = shape[a];
    const std::size_t m = index.numel();
    const std::int64_t* picks = index.data_ptr<std::int64_t>();
    const std::size_t outer = product(shape, 0, a);
    const std::size_t inner = product(shape, a + 1, shape.size());
    AnyArray out = detail::visit_any(source, [&](const auto& values) -> AnyArray {
        using T = typename std::decay_t<decltype(values)>::value_type;
        Array<T> result = x.defined() ? detail::array_as<T>(x) : Array<T>(shape, T(0));
        const T* src = values.data();
        for (std::size_t o = 0; o < outer; ++o) {
            T* row = result.data() + o * n * inner;
            for (std::size_t j = 0; j < m; ++j) {
                T* target = row + static_cast<std::size_t>(picks[j]) * inner;
                const T* from = src + (o * m + j) * inner;
                for (std::size_t k = 0; k < inner; ++k) {
                    target[k] += from[k];
                }
            }
        }
        return result;
    });
    return detail::record_op(Op::index_add, std::move(out), {x, source},
                             [axis, index](const BackwardCall& call) -> TensorList {
                                 TensorList grads(2);
                                 if (call.needs_grad[0]) {
                                     grads[0] = call.grad_output;
                                 }
                                 if (call.needs_grad[1]) {
                                     grads[1] = index_select(call.grad_output, axis, index);
                                 }
                                 return grads;
                             });
}

/// scatter_add after its checks; an undefined x stands for zeros of `shape` (the gradient of
/// gather), which saves copying a tensor of zeros.
Tensor scatter_add_into(const Tensor& x, const Shape& shape, std::size_t a, std::int64_t axis,
                        const Tensor& index, const Tensor& src) {
    std::vector<std::size_t> strides = row_major_strides(shape);
    const std::size_t axis_stride = strides[a];
    const std::size_t n = shape[a];
    strides[a] = 0;
    const std::vector<std::size_t> src_strides = row_major_strides(src.shape());
    const std::int64_t* picks = index.data_ptr<std::int64_t>();
    AnyArray out = detail::visit_any(src, [&](const auto& values) -> AnyArray {
        using T = typename std::decay_t<decltype(values)>::value_type;
        Array<T> result = x.defined() ? detail::array_as<T>(x) : Array<T>(shape, T(0));
        const T* from = values.data();
        T* dst = result.data();
        walk(index.shape(), strides, src_strides,
             [&](std::size_t position, std::size_t base, std::size_t source) {
                 const std::int64_t pick = picks[position];
                 check_index("scatter_add", pick, a, n);
                 dst[base + static_cast<std::size_t>(pick) * axis_stride] += from[source];
             });
        return result;
    });

    // src positions that no index reaches get zero gradient: pad gather's result up to src.
    std::vector<std::int64_t> pads;
    for (std::size_t d = shape.size(); d-- > 0;) {
        pads.push_back(0);
        pads.push_back(static_cast<std::int64_t>(src.shape()[d] - index.shape()[d]));
    }
    const bool padded = std::ranges::any_of(pads, [](std::int64_t p) { return p != 0; });
    return detail::record_op(Op::scatter_add, std::move(out), {x, src},
                             [axis, index, pads, padded](const BackwardCall& call) -> TensorList {
                                 TensorList grads(2);
                                 if (call.needs_grad[0]) {
                                     grads[0] = call.grad_output;
                                 }
                                 if (call.needs_grad[1]) {
                                     Tensor g = gather(call.grad_output, axis, index);
                                     grads[1] = padded ? pad(g, pads) : g;
                                 }
                                 return grads;
                             });
}

}  // namespace

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t stop,
             std::int64_t step) {
    detail::require_defined("slice", x);
    const std::size_t a = detail::normalize_axis("slice", axis, x.dim());
    detail::require(step > 0,
                    "slice: step must be positive; got {} (negative steps are not "
                    "supported, as in PyTorch)",
                    step);

    // Python's rules: negative bounds count from the end, then both clamp to [0, size].
    const auto size = static_cast<std::int64_t>(x.shape()[a]);
    auto resolve = [size](std::int64_t bound) {
        if (bound < 0) {
            bound = bound < -size ? 0 : bound + size;
        }
        return std::min(bound, size);
    };
    const std::int64_t first = resolve(start);
    const std::int64_t last = std::max(first, resolve(stop));
    const auto count = static_cast<std::size_t>(last == first ? 0 : (last - first - 1) / step + 1);

    Shape shape = detail::to_shape(x.shape());
    shape[a] = count;
    const std::size_t outer = product(shape, 0, a);
    const std::size_t inner = product(shape, a + 1, shape.size());
    const auto from = static_cast<std::size_t>(first);
    const auto stride = static_cast<std::size_t>(step);
    AnyArray out = detail::visit_any(x, [&](const auto& values) -> AnyArray {
        using T = typename std::decay_t<decltype(values)>::value_type;
        auto result = Array<T>::from_shape(shape);
        copy_slabs(values.data(), x.shape()[a], result.data(), count, outer, inner, count, from,
                   stride, 0, 1);
        return result;
    });
    const std::size_t n = x.shape()[a];
    return detail::record_op(Op::slice, std::move(out), {x},
                             [a, n, from, stride](const BackwardCall& call) -> TensorList {
                                 return {slice_backward(call.grad_output, a, n, from, stride)};
                             });
}

Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length) {
    detail::require_defined("narrow", x);
    const std::size_t a = detail::normalize_axis("narrow", axis, x.dim());
    const auto size = static_cast<std::int64_t>(x.shape()[a]);
    detail::require<std::out_of_range>(start >= -size && start <= size,
                                       "narrow: start {} is out of range for axis {} of size {}",
                                       start, axis, size);
    const std::int64_t first = start < 0 ? start + size : start;
    detail::require<std::out_of_range>(length >= 0 && length <= size - first,
                                       "narrow: start {} with length {} leaves axis {} of size {}",
                                       start, length, axis, size);
    return slice(x, axis, first, first + length);
}

Tensor select(const Tensor& x, std::int64_t axis, std::int64_t index) {
    detail::require_defined("select", x);
    const std::size_t a = detail::normalize_axis("select", axis, x.dim());
    const std::size_t size = x.shape()[a];
    const auto signed_size = static_cast<std::int64_t>(size);
    detail::require<std::out_of_range>(
        index >= -signed_size && index < signed_size,
        "select: index {} is out of range for axis {} of size {} (tensor of shape {})", index, axis,
        size, shape_string(x.shape()));
    const auto position = static_cast<std::size_t>(index < 0 ? index + signed_size : index);

    Shape shape = detail::to_shape(x.shape());
    shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(a));
    const std::size_t outer = product(x.shape(), 0, a);
    const std::size_t inner = product(x.shape(), a + 1, x.dim());
    AnyArray out = detail::visit_any(x, [&](const auto& values) -> AnyArray {
        using T = typename std::decay_t<decltype(values)>::value_type;
        auto result = Array<T>::from_shape(shape);
        copy_slabs(values.data(), size, result.data(), 1, outer, inner, 1, position, 1, 0, 1);
        return result;
    });
    return detail::record_op(
        Op::select, std::move(out), {x}, [a, size, position](const BackwardCall& call) {
            const Tensor grad = unsqueeze(call.grad_output, static_cast<std::int64_t>(a));
            return TensorList{slice_backward(grad, a, size, position, 1)};
        });
}

Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index) {
    detail::require_defined("index_select", x);
    const std::size_t a = detail::normalize_axis("index_select", axis, x.dim());
    const std::size_t n = x.shape()[a];
    const std::int64_t* picks = checked_index_1d("index_select", index, a, n);
    const std::size_t m = index.numel();

    Shape shape = detail::to_shape(x.shape());
    shape[a] = m;
    const std::size_t outer = product(shape, 0, a);
    const std::size_t inner = product(shape, a + 1, shape.size());
    AnyArray out = detail::visit_any(x, [&](const auto& values) -> AnyArray {
        using T = typename std::decay_t<decltype(values)>::value_type;
        auto result = Array<T>::from_shape(shape);
        const T* src = values.data();
        T* dst = result.data();
        for (std::size_t o = 0; o < outer; ++o) {
            const T* row = src + o * n * inner;
            T* target = dst + o * m * inner;
            if (inner == 1) {
                for (std::size_t j = 0; j < m; ++j) {
                    target[j] = row[picks[j]];
                }
            } else {
                for (std::size_t j = 0; j < m; ++j) {
                    std::copy_n(row + static_cast<std::size_t>(picks[j]) * inner, inner,
                                target + j * inner);
                }
            }
        }
        return result;
    });
    return detail::record_op(
        Op::index_select, std::move(out), {x},
        [a, axis, index, input = detail::to_shape(x.shape())](const BackwardCall& call) {
            return TensorList{index_add_into(Tensor(), input, a, axis, index, call.grad_output)};
        });
}

Tensor index_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& source) {
    detail::require_defined("index_add", x);
    detail::require_defined("index_add", source, "source");
    detail::require_same_dtype("index_add", {&x, &source});
    const std::size_t a = detail::normalize_axis("index_add", axis, x.dim());
    const std::size_t n = x.shape()[a];
    checked_index_1d("index_add", index, a, n);
    Shape expected = detail::to_shape(x.shape());
    expected[a] = index.numel();
    detail::require<ShapeError>(std::ranges::equal(source.shape(), expected),
                                "index_add: source has shape {} but input {} with an index of "
                                "{} along axis {} needs {}",
                                shape_string(source.shape()), shape_string(x.shape()),
                                index.numel(), axis, shape_string(expected));

    return index_add_into(x, detail::to_shape(x.shape()), a, axis, index, source);
}

Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index) {
    detail::require_defined("gather", x);
    detail::require_int64("gather", index);
    const std::size_t a = detail::normalize_axis("gather", axis, x.dim());
    bool fits = index.dim() == x.dim();
    for (std::size_t d = 0; fits && d < x.dim(); ++d) {
        fits = d == a || index.shape()[d] <= x.shape()[d];
    }
    detail::require<ShapeError>(fits,
                                "gather: index of shape {} does not fit input of shape {}; it "
                                "needs the same rank and no larger sizes except along axis {}",
                                shape_string(index.shape()), shape_string(x.shape()), axis);

    // Input offsets without the gathered axis, whose contribution is index * stride.
    std::vector<std::size_t> strides = row_major_strides(x.shape());
    const std::size_t axis_stride = strides[a];
    const std::size_t n = x.shape()[a];
    strides[a] = 0;
    const std::vector<std::size_t> unused(x.dim(), 0);
    const std::int64_t* picks = index.data_ptr<std::int64_t>();
    const Shape shape = detail::to_shape(index.shape());
    AnyArray out = detail::visit_any(x, [&](const auto& values) -> AnyArray {
        using T = typename std::decay_t<decltype(values)>::value_type;
        auto result = Array<T>::from_shape(shape);
        const T* src = values.data();
        T* dst = result.data();
        walk(shape, strides, unused, [&](std::size_t position, std::size_t base, std::size_t) {
            const std::int64_t pick = picks[position];
            check_index("gather", pick, a, n);
            dst[position] = src[base + static_cast<std::size_t>(pick) * axis_stride];
        });
        return result;
    });
    return detail::record_op(
        Op::gather, std::move(out), {x},
        [a, axis, index,
         input = detail::to_shape(x.shape())](const BackwardCall& call) -> TensorList {
            return {scatter_add_into(Tensor(), input, a, axis, index, call.grad_output)};
        });
}

Tensor scatter_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src) {
    detail::require_defined("scatter_add", x);
    detail::require_defined("scatter_add", src, "src");
    detail::require_int64("scatter_add", index);
    detail::require_same_dtype("scatter_add", {&x, &src});
    const std::size_t a = detail::normalize_axis("scatter_add", axis, x.dim());
    bool fits = index.dim() == x.dim() && src.dim() == x.dim();
    for (std::size_t d = 0; fits && d < x.dim(); ++d) {
        fits = index.shape()[d] <= src.shape()[d] && (d == a || index.shape()[d] <= x.shape()[d]);
    }
    detail::require<ShapeError>(fits,
                                "scatter_add: index of shape {} does not fit src of shape {} and "
                                "input of shape {}; all need one rank, and the index no larger "
                                "sizes than src, nor than the input except along axis {}",
                                shape_string(index.shape()), shape_string(src.shape()),
                                shape_string(x.shape()), axis);

    return scatter_add_into(x, detail::to_shape(x.shape()), a, axis, index, src);
}

Tensor one_hot(const Tensor& indices, std::int64_t num_classes) {
    detail::require_int64("one_hot", indices, "indices");
    const std::int64_t* values = indices.data_ptr<std::int64_t>();
    const std::size_t count = indices.numel();
    if (num_classes == -1) {
        detail::require(count > 0,
                        "one_hot: cannot infer num_classes from an empty tensor of "
                        "shape {}",
                        shape_string(indices.shape()));
        num_classes = *std::max_element(values, values + count) + 1;
    }
    detail::require(num_classes >= 0, "one_hot: num_classes must be -1 or non-negative; got {}",
                    num_classes);
    const auto classes = static_cast<std::size_t>(num_classes);
    for (std::size_t i = 0; i < count; ++i) {
        detail::require<std::out_of_range>(values[i] >= 0 && values[i] < num_classes,
                                           "one_hot: index {} is out of range for {} classes",
                                           values[i], num_classes);
    }

    Shape shape = detail::to_shape(indices.shape());
    shape.push_back(classes);
    Array<std::int64_t> result(shape, 0);
    for (std::size_t i = 0; i < count; ++i) {
        result.data()[i * classes + static_cast<std::size_t>(values[i])] = 1;
    }
    return detail::make_tensor(std::move(result));
}

}  // namespace wengert
