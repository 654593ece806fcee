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

/// Asks the kernel to back a large fresh buffer with huge pages (one page fault per 2 MiB
/// instead of per 4 KiB). Advice only: a no-op for small buffers or where unsupported.
void advise_huge_pages(void* data, std::size_t bytes) noexcept;

/// A new uninitialised array of `shape` (huge pages advised when large).
template <class T, class S>
Array<T> fresh_array(const S& shape) {
    Array<T> out = Array<T>::from_shape(shape);
    advise_huge_pages(out.data(), out.size() * sizeof(T));
    return out;
}

/// A new uninitialised array of x's shape, built in its shared home; `out` is set to it.
template <class T>
SharedArray fresh_shared_like(const Array<T>& x, Array<T>*& out) {
    auto data = std::make_shared<AnyArray>(std::in_place_type<Array<T>>, x.shape());
    out = &std::get<Array<T>>(*data);
    advise_huge_pages(out->data(), out->size() * sizeof(T));
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
