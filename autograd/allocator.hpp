#pragma once
// Internal: the allocator of tensor storage (see memory.hpp for what it does and why). It is
// an allocator type of xtensor's arrays, so every buffer an op creates comes from it.

#include <cstddef>
#include <limits>
#include <new>
#include <xsimd/memory/xsimd_alignment.hpp>

namespace wengert::detail {

/// Alignment of every tensor buffer: a cache line, which is also the widest SIMD register
/// any build of ours loads (AVX-512), so xtensor may use aligned loads on whole arrays.
inline constexpr std::size_t kStorageAlignment = 64;

/// A buffer of at least `bytes` bytes aligned to kStorageAlignment; throws std::bad_alloc.
void* allocate_storage(std::size_t bytes);

/// Gives back a buffer from allocate_storage(bytes), with the same `bytes`.
void deallocate_storage(void* buffer, std::size_t bytes) noexcept;

template <class T>
struct StorageAllocator {
    using value_type = T;

    StorageAllocator() noexcept = default;

    template <class U>
    StorageAllocator(const StorageAllocator<U>&) noexcept {}

    T* allocate(std::size_t count) {
        if (count > max_size()) {
            throw std::bad_array_new_length();
        }
        return static_cast<T*>(allocate_storage(count * sizeof(T)));
    }

    void deallocate(T* buffer, std::size_t count) noexcept {
        deallocate_storage(buffer, count * sizeof(T));
    }

    std::size_t max_size() const noexcept {
        return std::numeric_limits<std::size_t>::max() / sizeof(T);
    }

    template <class U>
    bool operator==(const StorageAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace wengert::detail

// Tells xsimd (and so xtensor's assignment loops) that these buffers are SIMD-aligned.
template <class T>
struct xsimd::allocator_alignment<wengert::detail::StorageAllocator<T>> {
    using type = xsimd::aligned_mode;
};
