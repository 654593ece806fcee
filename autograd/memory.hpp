#pragma once
// Where tensor storage comes from, and what it costs.
//
// Every tensor's values live in buffers from one process-wide allocator. Buffers of 256 KiB
// and more are kept when freed and handed out again for a later request of the same size
// class: a training step allocates the same activation and gradient shapes every iteration,
// and on the virtual machines we run on, first touching a fresh page costs about as much as
// reading it forty times (a new 64 MiB output took 100 ms of page faults against 14 ms for
// the add that filled it). Buffers of 512 bytes or less wait, when freed, in per-thread
// lists (at most 4 MiB a thread) for that thread's next request of their size: a backward
// pass frees thousands of one-element tensors at once, which made malloc's slower bins a
// third of the tape's cost per op. The rest go straight to malloc. The names follow
// torch.cuda's memory statistics.

#include <cstddef>

namespace wengert {

/// Bytes of tensor storage in use now: buffers of live tensors, saved values of recorded
/// ops and gradients (rounded up to the allocator's block sizes).
std::size_t memory_allocated();

/// The highest memory_allocated() since the start or the last reset_peak_memory_stats().
std::size_t max_memory_allocated();

/// Bytes held from the system for tensors: memory_allocated() plus the freed large buffers
/// kept for reuse (the per-thread lists of small ones, at most 4 MiB a thread, are not
/// counted). This, not memory_allocated(), is what the process's resident size follows.
std::size_t memory_reserved();

/// The highest memory_reserved() since the start or the last reset_peak_memory_stats().
std::size_t max_memory_reserved();

/// Restarts both peaks from the current values.
void reset_peak_memory_stats();

/// Returns every cached buffer to the system (memory_reserved() drops to
/// memory_allocated()). Tensors alive keep their storage.
void empty_cache();

/// Caps the bytes of freed buffers kept for reuse (default 1 GiB); a buffer freed beyond the
/// cap goes back to the system at once. 0 turns the cache off. Lowering the cap releases
/// cached buffers until the cache fits.
void set_memory_cache_limit(std::size_t bytes);

/// The current cap of set_memory_cache_limit.
std::size_t memory_cache_limit();

}  // namespace wengert
