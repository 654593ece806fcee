#pragma once
// Ops that rearrange elements without arithmetic. Each returns a new tensor with its own
// values (no views: see README, Limitations). All of them accept float32, float64 and int64
// (an int64 tensor never requires grad, so nothing is recorded for it); gradients flow to
// floating inputs only. Negative axes count from the end, as in PyTorch.

#include <cstdint>
#include <string>
#include <vector>

#include "../autograd/tensor.hpp"

namespace wengert {

/// The same elements in row-major order with a new shape; one entry may be -1 (inferred).
/// ShapeError when the element counts differ.
Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& shape);
/// Swaps two axes.
Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1);
/// Reorders the axes: output axis i is input axis dims[i] (torch.permute). dims must name
/// every axis once; std::out_of_range for an axis outside the rank, std::invalid_argument
/// for a repeat or a wrong count.
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims);
/// Moves axis `source` to position `destination`, keeping the order of the others.
Tensor movedim(const Tensor& x, std::int64_t source, std::int64_t destination);
/// Merges axes start_dim..end_dim (inclusive) into one; a 0-d tensor becomes shape (1).
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
/// Removes every axis of size 1.
Tensor squeeze(const Tensor& x);
/// Removes `axis` when its size is 1; otherwise returns a copy of x unchanged (PyTorch).
Tensor squeeze(const Tensor& x, std::int64_t axis);
/// Inserts an axis of size 1 at `axis`, in [-dim - 1, dim].
Tensor unsqueeze(const Tensor& x, std::int64_t axis);
/// Broadcasts x to `shape` (NumPy rules; x's axes align to the right).
Tensor expand(const Tensor& x, const Shape& shape);
/// Sums x down to `shape`, the reverse of expand: the shape a broadcast input had.
Tensor sum_to(const Tensor& x, const Shape& shape);

/// Joins tensors along an existing axis (torch.cat). All tensors have one dtype and one
/// rank, and their shapes agree on every axis but `axis`; ShapeError names the position of
/// the first tensor that differs and both shapes. Gradient: the matching slice of
/// grad_output for each input.
Tensor concat(const TensorList& tensors, std::int64_t axis = 0);
/// torch.cat, the same as concat.
inline Tensor cat(const TensorList& tensors, std::int64_t axis = 0) {
    return concat(tensors, axis);
}
/// Joins tensors of one shape along a new axis at `axis` (in [-dim - 1, dim]).
Tensor stack(const TensorList& tensors, std::int64_t axis = 0);
/// Pieces of `split_size` along `axis`; the last piece is smaller when the size does not
/// divide (torch.split). split_size must be positive.
TensorList split(const Tensor& x, std::int64_t split_size, std::int64_t axis = 0);
/// Pieces of the given sizes along `axis`; they must sum to the axis size.
TensorList split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis = 0);
/// torch.chunk: pieces of ceil(size / chunks) along `axis`, the last one smaller; fewer
/// than `chunks` pieces when the size leaves some empty (size 5 in 4 chunks gives 2, 2, 1).
TensorList chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis = 0);

/// torch.nn.functional.pad: `pads` holds pairs (before, after) starting from the last axis
/// and going backwards, e.g. {1, 2} pads the last axis with 1 value before and 2 after,
/// {1, 1, 0, 3} also pads the second-to-last axis by 3 after. Negative pads crop. Mode
/// "constant" fills with `value`; "replicate" repeats the edge values and "reflect"
/// mirrors around them (those two need non-negative pads, and reflect needs pads smaller
/// than the axis). Errors: an odd count or more than 2 * dim pads, or an axis that would
/// become negative (ShapeError).
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads,
           const std::string& mode = "constant", double value = 0.0);

}  // namespace wengert
