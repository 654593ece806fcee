// The storage allocator: aligned malloc for small buffers, and a cache of freed large ones.
#include "allocator.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "memory.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WENGERT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WENGERT_ASAN 1
#endif
#endif

#ifdef WENGERT_ASAN
#include <sanitizer/asan_interface.h>
#endif

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace wengert::detail {

namespace {

// Below this, malloc's own bins reuse freed memory without fresh page faults.
constexpr std::size_t kCachedFrom = std::size_t{256} << 10;
constexpr std::size_t kDefaultCacheLimit = std::size_t{1} << 30;

// Large requests round up to one of eight sizes per power of two, so a buffer freed by one
// shape serves a slightly smaller one, and no block wastes more than an eighth of itself.
std::size_t block_size(std::size_t bytes) {
    if (bytes < kCachedFrom) {
        const std::size_t at_least_one = std::max<std::size_t>(bytes, 1);
        return (at_least_one + kStorageAlignment - 1) / kStorageAlignment * kStorageAlignment;
    }
    const std::size_t step = std::bit_floor(bytes) / 8;
    if (bytes > std::numeric_limits<std::size_t>::max() - step) {
        throw std::bad_alloc();
    }
    return (bytes + step - 1) / step * step;
}

// Cached blocks are invisible to AddressSanitizer's own free-list checks, so they are
// poisoned while cached: a use after free still reports.
void poison(void* block, std::size_t size) {
#ifdef WENGERT_ASAN
    ASAN_POISON_MEMORY_REGION(block, size);
#else
    (void)block;
    (void)size;
#endif
}

void unpoison(void* block, std::size_t size) {
#ifdef WENGERT_ASAN
    ASAN_UNPOISON_MEMORY_REGION(block, size);
#else
    (void)block;
    (void)size;
#endif
}

// malloc with the alignment done by hand: the pointer malloc returned sits just before the
// aligned block. aligned_alloc would do, but glibc serves it by splitting a larger chunk,
// and the consolidation of the pieces it frees cost a third of the tape's time per op.
void* aligned_malloc(std::size_t size) {
    void* raw = std::malloc(size + kStorageAlignment);
    if (raw == nullptr) {
        return nullptr;
    }
    const std::uintptr_t address =
        (reinterpret_cast<std::uintptr_t>(raw) + kStorageAlignment) & ~(kStorageAlignment - 1);
    void* aligned = reinterpret_cast<void*>(address);
    static_cast<void**>(aligned)[-1] = raw;
    return aligned;
}

void aligned_free(void* block) {
    std::free(static_cast<void**>(block)[-1]);
}

// Asks the kernel to back a large fresh block with transparent huge pages: one page fault
// per 2 MiB instead of per 4 KiB when the block is first written. Advice only (ignored where
// THP is off); done once per block, since cached blocks keep their pages.
void advise_huge_pages(void* block, std::size_t bytes) {
#ifdef __linux__
    constexpr std::uintptr_t huge_page = std::uintptr_t{1} << 21;
    if (bytes < 2 * huge_page) {
        return;
    }
    const auto begin = reinterpret_cast<std::uintptr_t>(block);
    const std::uintptr_t first = (begin + huge_page - 1) & ~(huge_page - 1);
    const std::uintptr_t last = (begin + bytes) & ~(huge_page - 1);
    if (last > first) {
        (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
    }
#else
    (void)block;
    (void)bytes;
#endif
}

void raise_peak(std::atomic<std::size_t>& peak, std::size_t value) {
    std::size_t seen = peak.load(std::memory_order_relaxed);
    while (seen < value && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

// Small blocks freed on a thread wait in that thread's lists for its next request of their
// size. A backward pass frees thousands of one-element tensors at once, far more than
// glibc's per-thread cache keeps (7 per size), and the rest then go through its slower
// bins. Bounded per thread; counted as allocated while in use, as nothing while listed.
constexpr std::size_t kSmallUpTo = 512;
constexpr std::size_t kSmallClasses = kSmallUpTo / kStorageAlignment;
constexpr std::size_t kSmallBytesPerThread = std::size_t{4} << 20;

thread_local bool small_lists_gone = false;

struct SmallLists {
    std::vector<void*> free[kSmallClasses];
    std::size_t bytes = 0;

    SmallLists() = default;
    SmallLists(const SmallLists&) = delete;
    SmallLists& operator=(const SmallLists&) = delete;

    // Runs at thread exit; a tensor freed later on this thread (a static one, at program
    // exit) goes straight to free().
    ~SmallLists() {
        small_lists_gone = true;
        for (std::size_t c = 0; c < kSmallClasses; ++c) {
            for (void* block : free[c]) {
                unpoison(block, (c + 1) * kStorageAlignment);
                aligned_free(block);
            }
        }
    }
};

SmallLists& small_lists() {
    thread_local SmallLists lists;
    return lists;
}

void* take_small(std::size_t size) {
    if (small_lists_gone) {
        return nullptr;
    }
    SmallLists& lists = small_lists();
    std::vector<void*>& list = lists.free[size / kStorageAlignment - 1];
    if (list.empty()) {
        return nullptr;
    }
    void* block = list.back();
    list.pop_back();
    lists.bytes -= size;
    unpoison(block, size);
    return block;
}

bool keep_small(void* block, std::size_t size) noexcept {
    if (small_lists_gone) {
        return false;
    }
    SmallLists& lists = small_lists();
    if (lists.bytes + size > kSmallBytesPerThread) {
        return false;
    }
    try {
        lists.free[size / kStorageAlignment - 1].push_back(block);
    } catch (...) {
        return false;
    }
    lists.bytes += size;
    poison(block, size);
    return true;
}

class Pool {
public:
    void* allocate(std::size_t bytes) {
        const std::size_t size = block_size(bytes);
        void* block = size >= kCachedFrom  ? take_cached(size)
                      : size <= kSmallUpTo ? take_small(size)
                                           : nullptr;
        const bool fresh = block == nullptr;
        if (fresh) {
            block = allocate_fresh(size);
        }

        const std::size_t allocated = allocated_.fetch_add(size, std::memory_order_relaxed) + size;
        raise_peak(peak_allocated_, allocated);
        // A cached block only moves bytes from cached to allocated: the reserved total grows
        // only with fresh memory.
        if (fresh) {
            raise_peak(peak_reserved_, allocated + cached_.load(std::memory_order_relaxed));
        }
        return block;
    }

    void deallocate(void* block, std::size_t bytes) noexcept {
        const std::size_t size = block_size(bytes);
        allocated_.fetch_sub(size, std::memory_order_relaxed);
        if (size >= kCachedFrom ? keep(block, size)
                                : size <= kSmallUpTo && keep_small(block, size)) {
            return;
        }
        aligned_free(block);
    }

    void empty() {
        std::vector<void*> released;
        {
            std::lock_guard lock(mutex_);
            for (auto& [size, blocks] : free_blocks_) {
                for (void* block : blocks) {
                    unpoison(block, size);
                    released.push_back(block);
                }
            }
            free_blocks_.clear();
            cached_.store(0, std::memory_order_relaxed);
        }
        for (void* block : released) {
            aligned_free(block);
        }
    }

    void set_limit(std::size_t bytes) {
        {
            std::lock_guard lock(mutex_);
            limit_ = bytes;
            if (cached_.load(std::memory_order_relaxed) <= limit_) {
                return;
            }
        }
        // Simplest correct trim: the cache refills within a step or two of training.
        empty();
    }

    std::size_t limit() {
        std::lock_guard lock(mutex_);
        return limit_;
    }

    std::size_t allocated() const { return allocated_.load(std::memory_order_relaxed); }

    std::size_t reserved() const {
        return allocated_.load(std::memory_order_relaxed) + cached_.load(std::memory_order_relaxed);
    }

    std::size_t peak_allocated() const { return peak_allocated_.load(std::memory_order_relaxed); }

    std::size_t peak_reserved() const { return peak_reserved_.load(std::memory_order_relaxed); }

    void reset_peaks() {
        peak_allocated_.store(allocated(), std::memory_order_relaxed);
        peak_reserved_.store(reserved(), std::memory_order_relaxed);
    }

private:
    void* take_cached(std::size_t size) {
        std::lock_guard lock(mutex_);
        auto found = free_blocks_.find(size);
        if (found == free_blocks_.end() || found->second.empty()) {
            return nullptr;
        }
        void* block = found->second.back();
        found->second.pop_back();
        cached_.fetch_sub(size, std::memory_order_relaxed);
        unpoison(block, size);
        return block;
    }

    void* allocate_fresh(std::size_t size) {
        void* block = aligned_malloc(size);
        if (block == nullptr && cached_.load(std::memory_order_relaxed) > 0) {
            // The cache may hold what the system lacks: give it back and try once more.
            empty();
            block = aligned_malloc(size);
        }
        if (block == nullptr) {
            throw std::bad_alloc();
        }
        advise_huge_pages(block, size);
        return block;
    }

    bool keep(void* block, std::size_t size) noexcept {
        std::lock_guard lock(mutex_);
        if (cached_.load(std::memory_order_relaxed) + size > limit_) {
            return false;
        }
        try {
            free_blocks_[size].push_back(block);
        } catch (...) {
            return false;
        }
        cached_.fetch_add(size, std::memory_order_relaxed);
        poison(block, size);
        return true;
    }

    std::mutex mutex_;
    std::unordered_map<std::size_t, std::vector<void*>> free_blocks_;
    std::size_t limit_ = kDefaultCacheLimit;
    std::atomic<std::size_t> allocated_{0};
    std::atomic<std::size_t> cached_{0};
    std::atomic<std::size_t> peak_allocated_{0};
    std::atomic<std::size_t> peak_reserved_{0};
};

// Never destroyed: tensors in static storage of any translation unit may be freed after
// this file's statics would be, and their buffers must still find the pool.
Pool& pool() {
    static Pool* instance = new Pool();
    return *instance;
}

}  // namespace

void* allocate_storage(std::size_t bytes) {
    return pool().allocate(bytes);
}

void deallocate_storage(void* buffer, std::size_t bytes) noexcept {
    if (buffer != nullptr) {
        pool().deallocate(buffer, bytes);
    }
}

}  // namespace wengert::detail

namespace wengert {

std::size_t memory_allocated() {
    return detail::pool().allocated();
}

std::size_t max_memory_allocated() {
    return detail::pool().peak_allocated();
}

std::size_t memory_reserved() {
    return detail::pool().reserved();
}

std::size_t max_memory_reserved() {
    return detail::pool().peak_reserved();
}

void reset_peak_memory_stats() {
    detail::pool().reset_peaks();
}

void empty_cache() {
    detail::pool().empty();
}

void set_memory_cache_limit(std::size_t bytes) {
    detail::pool().set_limit(bytes);
}

std::size_t memory_cache_limit() {
    return detail::pool().limit();
}

}  // namespace wengert
