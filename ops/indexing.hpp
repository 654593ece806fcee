#pragma once
// Slicing and indexing ops. Each returns a new tensor (no views: see README, Limitations).
// They move elements only, so float32, float64 and int64 inputs all work; gradients flow to
// floating inputs. Index tensors are int64; axes may be negative (counted from the end).

#include <cstdint>
#include <limits>

#include "../autograd/tensor.hpp"

namespace wengert {

/// x[..., start:stop:step, ...] along `axis` (Python slicing): negative start/stop count
/// from the end, both are then clamped to [0, size], and stop <= start gives an empty axis.
/// step must be positive (std::invalid_argument otherwise, as in PyTorch). Gradient: the
/// slice of grad_output placed back in zeros of x's shape.
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start = 0,
             std::int64_t stop = std::numeric_limits<std::int64_t>::max(), std::int64_t step = 1);
/// Elements start .. start + length - 1 along `axis` (torch.narrow); start may be negative.
/// std::out_of_range when the range leaves the axis.
Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length);
/// x[..., index, ...]: the slice at `index` of `axis`, with that axis removed. index may be
/// negative; std::out_of_range names index, axis and size when |index| is too large.
Tensor select(const Tensor& x, std::int64_t axis, std::int64_t index);

/// Picks entries of `axis` by a 1-D int64 index: out.shape = x.shape with axis size
/// index.numel(), out[..., i, ...] = x[..., index[i], ...] (repeats allowed). Gradient:
/// index_add of grad_output into zeros. std::out_of_range for an index outside [0, size).
Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index);
/// out = x, then out[..., index[i], ...] += source[..., i, ...] (torch.index_add): source
/// has x's shape with axis size index.numel(). Gradients: grad_output for x,
/// index_select(grad_output, axis, index) for source.
Tensor index_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& source);

/// torch.gather: index (int64) has x's rank, index.size(d) <= x.size(d) for d != axis, and
/// out[i][j][k] = x[i][index[i][j][k]][k] for axis 1 (likewise for other axes); out has
/// index's shape. Gradient: scatter_add of grad_output into zeros of x's shape.
/// std::out_of_range names the index value, the axis and its size.
Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index);
/// torch.scatter_add: out = x, then out[i][index[i][j][k]][k] += src[i][j][k] for axis 1,
/// for every position of index. index, x and src share one rank; index.size(d) <=
/// src.size(d) for all d and <= x.size(d) for d != axis. Gradients: grad_output for x,
/// gather(grad_output, axis, index) (zero where src has no index) for src.
Tensor scatter_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src);

/// torch.nn.functional.one_hot: int64 indices of any shape to an int64 tensor of shape
/// indices.shape + (num_classes,), 1 at each index and 0 elsewhere. num_classes = -1
/// uses max(indices) + 1. An index outside [0, num_classes) throws std::out_of_range
/// naming it. No gradient (the result is an integer tensor).
Tensor one_hot(const Tensor& indices, std::int64_t num_classes = -1);

}  // namespace wengert
