#pragma once
// Softmax and log-softmax along one axis. Both subtract the maximum along the axis before
// exponentiating, so logits of any size give finite results, and both are differentiable to
// any order (their backward formulas are written in ops).

#include <cstdint>

#include "../autograd/tensor.hpp"

namespace wengert {

/// y = exp(x - max) / sum(exp(x - max)) along `axis` (negative counts from the end), the
/// shape of x. Backward: dx = y * (g - sum(g * y, axis)). Throws std::out_of_range for a bad
/// axis and DtypeError for int64 input.
Tensor softmax(const Tensor& x, std::int64_t axis);

/// y = x - max - log(sum(exp(x - max))) along `axis`, the shape of x: the log of softmax
/// without its underflow (log_softmax of [0, -1000] is [0, -1000], not [0, -inf]).
/// Backward: dx = g - softmax(x) * sum(g, axis). Errors as softmax.
Tensor log_softmax(const Tensor& x, std::int64_t axis);

}  // namespace wengert
