#pragma once
// Internal helpers shared by the op families: broadcasting, axes, recording.

#include <algorithm>
#include <cstdint>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "../autograd/node.hpp"
#include "op_list.hpp"
#include "parallel.hpp"

namespace wengert::detail {

inline Shape to_shape(ShapeView view) {
    return Shape(view.begin(), view.end());
}

/// NumPy broadcasting of two shapes; ShapeError naming `op` and both shapes when they clash.
Shape broadcast_shapes(const char* op, ShapeView a, ShapeView b);

/// Resolves a possibly negative axis against `rank`; std::out_of_range naming `op` otherwise.
std::size_t normalize_axis(const char* op, std::int64_t axis, std::size_t rank);

/// Resolves a list of axes (empty: all axes), sorted and without repeats.
std::vector<std::size_t> normalize_axes(const char* op, const std::vector<std::int64_t>& axes,
                                        std::size_t rank);

/// Sums `in` (row-major, `shape`) over the sorted `axes`; the result has the shape of `in`
/// with those axes removed. Runs of contiguous memory are summed in the innermost loop.
template <class T>
Array<T> sum_axes(const Array<T>& in, const std::vector<std::size_t>& axes);

/// Values built in their shared home, for record_op without a move (see record_values).
using SharedArray = std::shared_ptr<AnyArray>;

/// record() for the ops of op_list.hpp, with values already shared.
template <class Fn>
Tensor record_op(Op op, SharedArray output, const TensorList& inputs, Fn&& backward,
                 bool save_output = false) {
    return record_values(op_name(op), std::move(output), inputs, std::forward<Fn>(backward),
                         save_output);
}

/// record() for the ops of op_list.hpp.
template <class Fn>
Tensor record_op(Op op, AnyArray output, const TensorList& inputs, Fn&& backward,
                 bool save_output = false) {
    return record_values(op_name(op), std::move(output), inputs, std::forward<Fn>(backward),
                         save_output);
}

/// Applies f to the tensor's array and wraps the result (an xtensor expression or array) as
/// a new array of the same dtype.
template <class F>
AnyArray map_array(const Tensor& t, F&& f) {
    return visit(t, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return Array<T>(f(x));
    });
}

// Note [Elementwise kernels]
// Same-shape elementwise ops skip xtensor's expression machinery: they loop over the raw
// buffers in xsimd batches (AVX2 with our -march), split the range across the pool's
// threads when it is large, and write into an uninitialised output, so each page of a fresh
// buffer is first touched (and its page fault taken) by the thread that fills it. The
// functor takes xsimd batches only: the tail is padded into one batch, so every element goes
// through the same instructions and results do not depend on an element's position.

/// Elements per thread below which an elementwise kernel stays on the calling thread: for
/// memory-bound kernels (add, mul, relu), and for those that compute more per element (exp,
/// tanh, sigmoid).
inline constexpr std::size_t kMemoryBoundGrain = std::size_t{1} << 16;
inline constexpr std::size_t kComputeBoundGrain = std::size_t{1} << 13;

/// out[i] = f(a[i]) over [begin, end) in batches; f maps xsimd::batch<T> to xsimd::batch<T>.
template <class T, class F>
void unary_loop(const T* a, T* out, std::size_t begin, std::size_t end, F& f) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t width = Batch::size;
    std::size_t i = begin;
    for (; i + width <= end; i += width) {
        f(Batch::load_unaligned(a + i)).store_unaligned(out + i);
    }
    if (i < end) {
        alignas(64) T padded[width] = {};
        std::copy(a + i, a + end, padded);
        f(Batch::load_aligned(padded)).store_aligned(padded);
        std::copy(padded, padded + (end - i), out + i);
    }
}

/// out[i] = f(a[i], b[i]) over [begin, end) in batches.
template <class T, class F>
void binary_loop(const T* a, const T* b, T* out, std::size_t begin, std::size_t end, F& f) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t width = Batch::size;
    std::size_t i = begin;
    for (; i + width <= end; i += width) {
        f(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i)).store_unaligned(out + i);
    }
    if (i < end) {
        alignas(64) T pa[width] = {};
        alignas(64) T pb[width] = {};
        std::copy(a + i, a + end, pa);
        std::copy(b + i, b + end, pb);
        f(Batch::load_aligned(pa), Batch::load_aligned(pb)).store_aligned(pa);
        std::copy(pa, pa + (end - i), out + i);
    }
}

/// A new uninitialised array of `shape` (the storage allocator advises huge pages for large
/// fresh buffers).
template <class T, class S>
Array<T> fresh_array(const S& shape) {
    return Array<T>::from_shape(shape);
}

/// A new uninitialised array of x's shape, built in its shared home; `out` is set to it.
template <class T>
SharedArray fresh_shared_like(const Array<T>& x, Array<T>*& out) {
    auto data = std::make_shared<AnyArray>(std::in_place_type<Array<T>>, x.shape());
    out = &std::get<Array<T>>(*data);
    return data;
}

/// map_elements, with the result built in its shared home (for record_op).
template <class T, class F>
SharedArray map_shared(const Array<T>& x, F f, std::size_t grain = kMemoryBoundGrain) {
    Array<T>* out = nullptr;
    SharedArray data = fresh_shared_like(x, out);
    const T* in = x.data();
    T* result = out->data();
    parallel_for(x.size(), grain, [&](std::size_t begin, std::size_t end) {
        unary_loop(in, result, begin, end, f);
    });
    return data;
}

/// zip_elements, with the result built in its shared home (for record_op).
template <class T, class F>
SharedArray zip_shared(const Array<T>& x, const Array<T>& y, F f,
                       std::size_t grain = kMemoryBoundGrain) {
    Array<T>* out = nullptr;
    SharedArray data = fresh_shared_like(x, out);
    const T* a = x.data();
    const T* b = y.data();
    T* result = out->data();
    parallel_for(x.size(), grain, [&](std::size_t begin, std::size_t end) {
        binary_loop(a, b, result, begin, end, f);
    });
    return data;
}

// Note [Broadcast kernels]
// Operands of different shapes are walked with strides into the output (0 along broadcast
// axes). Output axes of size 1 are dropped and neighbours that both operands step through
// contiguously are merged, so (64, 32, 28, 28) - (1, 32, 1, 1) becomes (64, 32, 784) with
// strides (0, 1, 0) for the second operand: the innermost run is contiguous in the output
// and, per operand, either contiguous or one repeated value. That run goes through xsimd
// batches (a repeated value is a broadcast batch) and the outer rows are split across the
// pool's threads, as in Note [Elementwise kernels].

/// The layout of a broadcast binary op after merging axes: rows of `inner` output elements,
/// with per-operand strides (in elements) of the outer axes and of the inner run (0 or 1).
struct BroadcastPlan {
    std::vector<std::size_t> outer;  // sizes of the outer axes
    std::vector<std::size_t> a_stride, b_stride;
    std::size_t inner = 1;
    std::size_t a_inner = 1, b_inner = 1;
};

/// The plan for operands of shapes a and b broadcast to `out` (out = broadcast_shapes(a, b)).
BroadcastPlan broadcast_plan(ShapeView a, ShapeView b, ShapeView out);

/// out[i] = f(a[i * sa], b[i * sb]) for i < n, sa and sb each 0 or 1, in batches.
template <class T, class F>
void broadcast_run(const T* a, std::size_t sa, const T* b, std::size_t sb, T* out, std::size_t n,
                   F& f) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t width = Batch::size;
    const Batch a_value(sa == 0 ? *a : T(0));
    const Batch b_value(sb == 0 ? *b : T(0));
    std::size_t i = 0;
    if (sa != 0 && sb != 0) {
        for (; i + width <= n; i += width) {
            f(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i)).store_unaligned(out + i);
        }
    } else if (sa != 0) {
        for (; i + width <= n; i += width) {
            f(Batch::load_unaligned(a + i), b_value).store_unaligned(out + i);
        }
    } else if (sb != 0) {
        for (; i + width <= n; i += width) {
            f(a_value, Batch::load_unaligned(b + i)).store_unaligned(out + i);
        }
    } else {
        const Batch value = f(a_value, b_value);
        for (; i + width <= n; i += width) {
            value.store_unaligned(out + i);
        }
    }
    if (i < n) {
        alignas(64) T pa[width] = {};
        alignas(64) T pb[width] = {};
        for (std::size_t j = i; j < n; ++j) {
            pa[j - i] = a[j * sa];
            pb[j - i] = b[j * sb];
        }
        f(Batch::load_aligned(pa), Batch::load_aligned(pb)).store_aligned(pa);
        std::copy(pa, pa + (n - i), out + i);
    }
}

/// f over two arrays broadcast together to `shape` (Note [Broadcast kernels]), built in its
/// shared home; f maps pairs of xsimd batches to a batch.
template <class T, class F>
SharedArray broadcast_zip_shared(const Array<T>& x, const Array<T>& y, const Shape& shape, F f,
                                 std::size_t grain = kMemoryBoundGrain) {
    auto data = std::make_shared<AnyArray>(std::in_place_type<Array<T>>, shape);
    Array<T>& out = std::get<Array<T>>(*data);
    if (out.size() == 0) {
        return data;
    }
    const BroadcastPlan plan = broadcast_plan(x.shape(), y.shape(), shape);
    const std::size_t rows = out.size() / plan.inner;
    const std::size_t depth = plan.outer.size();
    const T* a = x.data();
    const T* b = y.data();
    T* result = out.data();
    const std::size_t row_grain = std::max<std::size_t>(1, grain / plan.inner);
    parallel_for(rows, row_grain, [&](std::size_t begin, std::size_t end) {
        // The multi-index of row `begin`, and the operands' offsets there.
        std::vector<std::size_t> index(depth, 0);
        std::size_t a_at = 0, b_at = 0;
        std::size_t rest = begin;
        for (std::size_t d = depth; d-- > 0;) {
            index[d] = rest % plan.outer[d];
            rest /= plan.outer[d];
            a_at += index[d] * plan.a_stride[d];
            b_at += index[d] * plan.b_stride[d];
        }
        for (std::size_t row = begin; row < end; ++row) {
            broadcast_run(a + a_at, plan.a_inner, b + b_at, plan.b_inner, result + row * plan.inner,
                          plan.inner, f);
            for (std::size_t d = depth; d-- > 0;) {
                a_at += plan.a_stride[d];
                b_at += plan.b_stride[d];
                if (++index[d] < plan.outer[d]) {
                    break;
                }
                a_at -= plan.a_stride[d] * index[d];
                b_at -= plan.b_stride[d] * index[d];
                index[d] = 0;
            }
        }
    });
    return data;
}

/// f applied to every element of `x` (Note [Elementwise kernels]).
template <class T, class F>
Array<T> map_elements(const Array<T>& x, F f, std::size_t grain = kMemoryBoundGrain) {
    Array<T> out = fresh_array<T>(x.shape());
    const T* in = x.data();
    T* result = out.data();
    parallel_for(x.size(), grain, [&](std::size_t begin, std::size_t end) {
        unary_loop(in, result, begin, end, f);
    });
    return out;
}

/// f applied to the elements of two arrays of one shape (Note [Elementwise kernels]).
template <class T, class F>
Array<T> zip_elements(const Array<T>& x, const Array<T>& y, F f,
                      std::size_t grain = kMemoryBoundGrain) {
    Array<T> out = fresh_array<T>(x.shape());
    const T* a = x.data();
    const T* b = y.data();
    T* result = out.data();
    parallel_for(x.size(), grain, [&](std::size_t begin, std::size_t end) {
        binary_loop(a, b, result, begin, end, f);
    });
    return out;
}

}  // namespace wengert::detail
