#include "parallel.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "../autograd/error.hpp"

namespace wengert {

namespace {

int default_thread_count() {
    const unsigned hardware = std::thread::hardware_concurrency();
    return hardware == 0 ? 1 : static_cast<int>(hardware);
}

std::atomic<int> thread_count{default_thread_count()};

// Set on pool workers for good, and on a caller for the length of its region.
thread_local bool inside_parallel_region = false;

// A persistent pool of get_num_threads() - 1 workers; the calling thread runs chunk 0.
// One region runs at a time: a second caller that finds the pool busy runs inline.
class Pool {
public:
    ~Pool() { resize(0); }

    // Returns false, running nothing, when another region holds the pool.
    bool run(std::size_t count, std::size_t chunks, detail::ChunkFunction chunk,
             const void* context) {
        std::unique_lock submit(submit_, std::try_to_lock);
        if (!submit.owns_lock()) {
            return false;
        }
        resize(chunks - 1 > workers_.size() ? chunks - 1 : workers_.size());
        {
            std::lock_guard lock(mutex_);
            chunk_ = chunk;
            context_ = context;
            count_ = count;
            chunks_ = chunks;
            error_ = nullptr;
            remaining_ = chunks - 1;
            ++generation_;
        }
        wake_.notify_all();

        inside_parallel_region = true;
        run_chunk(0);
        inside_parallel_region = false;

        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return remaining_ == 0; });
        if (error_) {
            std::rethrow_exception(std::exchange(error_, nullptr));
        }
        return true;
    }

    // Stops the workers when the thread count shrinks; called with submit_ held or at exit.
    void shrink_to(std::size_t workers) {
        std::lock_guard submit(submit_);
        if (workers < workers_.size()) {
            resize(workers);
        }
    }

private:
    void resize(std::size_t workers) {
        if (workers == workers_.size()) {
            return;
        }
        // Stopping all and starting afresh keeps the worker loop simple; resizes are rare.
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (std::thread& worker : workers_) {
            worker.join();
        }
        workers_.clear();
        stop_ = false;
        const std::uint64_t generation = generation_;
        for (std::size_t i = 0; i < workers; ++i) {
            workers_.emplace_back([this, i, generation] { work(i + 1, generation); });
        }
    }

    void run_chunk(std::size_t index) noexcept {
        const std::size_t begin = count_ * index / chunks_;
        const std::size_t end = count_ * (index + 1) / chunks_;
        try {
            chunk_(context_, begin, end);
        } catch (...) {
            std::lock_guard lock(mutex_);
            if (!error_) {
                error_ = std::current_exception();
            }
        }
    }

    void work(std::size_t index, std::uint64_t seen) {
        inside_parallel_region = true;
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
                if (stop_) {
                    return;
                }
                seen = generation_;
                if (index >= chunks_) {
                    continue;  // this region uses fewer threads than the pool has
                }
            }
            run_chunk(index);
            std::lock_guard lock(mutex_);
            if (--remaining_ == 0) {
                done_.notify_one();
            }
        }
    }

    std::mutex submit_;  // held by the thread whose region runs
    std::mutex mutex_;   // guards everything below
    std::condition_variable wake_;
    std::condition_variable done_;
    std::vector<std::thread> workers_;
    std::uint64_t generation_ = 0;
    bool stop_ = false;
    detail::ChunkFunction chunk_ = nullptr;
    const void* context_ = nullptr;
    std::size_t count_ = 0;
    std::size_t chunks_ = 1;
    std::size_t remaining_ = 0;
    std::exception_ptr error_;
};

Pool& pool() {
    static Pool instance;
    return instance;
}

}  // namespace

void set_num_threads(int n) {
    detail::require(n >= 1, "set_num_threads: the thread count must be at least 1; got {}", n);
    thread_count.store(n, std::memory_order_relaxed);
    openblas_set_num_threads(n);
    // From inside a region the pool is busy (with this thread holding it); it then keeps
    // its workers, and regions use no more than n threads from here on anyway.
    if (!inside_parallel_region) {
        pool().shrink_to(static_cast<std::size_t>(n - 1));
    }
}

int get_num_threads() {
    return thread_count.load(std::memory_order_relaxed);
}

namespace detail {

bool parallel_available() noexcept {
    return !inside_parallel_region && thread_count.load(std::memory_order_relaxed) > 1;
}

void parallel_run(std::size_t count, std::size_t grain, ChunkFunction chunk, const void* context) {
    const auto threads = static_cast<std::size_t>(get_num_threads());
    std::size_t chunks = grain == 0 ? threads : std::min(threads, count / grain);
    if (chunks <= 1 || inside_parallel_region || !pool().run(count, chunks, chunk, context)) {
        chunk(context, 0, count);
    }
}

}  // namespace detail
}  // namespace wengert
