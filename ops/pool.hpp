#pragma once
// Pooling over the last two axes of (N, C, H, W) or (C, H, W) tensors, with
// torch.nn.functional's semantics.
//
// Output size along each axis, as PyTorch computes it:
//   out = floor((in + 2 p - d (k - 1) - 1) / s) + 1, or with ceil_mode the ceiling, less one
//   when the last window would start inside the right padding.
// Errors (std::invalid_argument unless noted): a non-positive kernel, stride or dilation, a
// padding above half the kernel, ShapeError for an input that is not 3-D or 4-D or an output
// size below 1; every message names the op, the input shape and the offending values.

#include <cstdint>
#include <optional>
#include <utility>

#include "../autograd/tensor.hpp"
#include "conv.hpp"

namespace wengert {

/// The maximum of each kernel window (padding counts as -inf; NaN propagates). stride
/// defaults to kernel_size; IntPair{2, 1} gives different sizes per axis. The gradient goes
/// to the position of each window's maximum, the first one (row-major within the window) on
/// ties, as PyTorch; overlapping windows add their gradients. The backward is itself
/// differentiable (a scatter whose gradient is a gather at the same positions).
Tensor max_pool2d(const Tensor& input, IntPair kernel_size,
                  std::optional<IntPair> stride = std::nullopt, IntPair padding = 0,
                  IntPair dilation = 1, bool ceil_mode = false);

/// max_pool2d and, as int64 of the output's shape, where each maximum sits: the flat index
/// h * W + w within its (n, c) input plane, as torch.nn.functional.max_pool2d with
/// return_indices=True (-1 for a window that covers only padding, which PyTorch forbids).
/// The indices carry no gradient.
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntPair kernel_size,
                                                  std::optional<IntPair> stride = std::nullopt,
                                                  IntPair padding = 0, IntPair dilation = 1,
                                                  bool ceil_mode = false);

/// The mean of each window: sum / divisor, where divisor is divisor_override when given,
/// else the window's size clipped to the padded input when count_include_pad, else the
/// number of input elements in the window. divisor_override must be positive.
Tensor avg_pool2d(const Tensor& input, IntPair kernel_size,
                  std::optional<IntPair> stride = std::nullopt, IntPair padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<std::int64_t> divisor_override = std::nullopt);

/// Mean over windows that tile the input into output_size (OH, OW) cells: cell i of an
/// axis of length L covers [floor(i L / O), ceil((i + 1) L / O)). Sizes must be positive.
Tensor adaptive_avg_pool2d(const Tensor& input, IntPair output_size);

}  // namespace wengert
