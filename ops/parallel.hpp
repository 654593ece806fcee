#pragma once
// Threads: the library's one pool, and the thread count it shares with OpenBLAS.
//
// Note [One pool, and BLAS outside it]
// Two pools that both want every core slow each other down several times over (see the
// lessons in ANCHORS.md: libtorch's MLP step with OpenBLAS's pool unrestricted). So the
// library keeps one small persistent pool for elementwise kernels, and set_num_threads()
// sets its size and OpenBLAS's together. BLAS is never called inside a parallel_for body:
// a BLAS call runs on OpenBLAS's threads while ours sleep, and our kernels run while
// OpenBLAS's sleep. A parallel_for inside another one (or while another thread of the
// user's holds the pool) runs inline on the calling thread, so regions never nest.

#include <cstddef>
#include <memory>
#include <type_traits>

namespace wengert {

/// Sets the number of threads the library's kernels use, and OpenBLAS's thread count with
/// it (openblas_set_num_threads). n = 1 makes every op single-threaded. Throws
/// std::invalid_argument when n < 1.
void set_num_threads(int n);

/// The number of threads set by set_num_threads; by default, the hardware's thread count.
int get_num_threads();

namespace detail {

/// The chunk function parallel_for hands to the pool: fn(context, begin, end).
using ChunkFunction = void (*)(const void* context, std::size_t begin, std::size_t end);

/// Runs chunk(context, begin, end) over contiguous ranges covering [0, count), at most one
/// range per thread, each at least `grain` long. Rethrows the first exception of a chunk.
void parallel_run(std::size_t count, std::size_t grain, ChunkFunction chunk, const void* context);

/// True when a parallel_for may split work across threads now (more than one thread is
/// set and the calling thread is not inside a parallel region).
bool parallel_available() noexcept;

/// Calls fn(begin, end) over ranges that cover [0, count) without overlap, spread over the
/// pool's threads when count is larger than `grain` (the smallest range worth a thread),
/// and inline on the calling thread otherwise. fn must not call BLAS (Note [One pool, and
/// BLAS outside it]) and must be safe to run concurrently on disjoint ranges.
template <class F>
void parallel_for(std::size_t count, std::size_t grain, F&& fn) {
    if (count == 0) {
        return;
    }
    if (count <= grain || !parallel_available()) {
        fn(std::size_t{0}, count);
        return;
    }
    using Fn = std::remove_reference_t<F>;
    parallel_run(
        count, grain,
        [](const void* context, std::size_t begin, std::size_t end) {
            (*static_cast<Fn*>(const_cast<void*>(context)))(begin, end);
        },
        static_cast<const void*>(std::addressof(fn)));
}

}  // namespace detail
}  // namespace wengert
