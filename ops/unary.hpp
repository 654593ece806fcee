#pragma once
// Elementwise functions of one tensor.

#include "../autograd/tensor.hpp"

namespace wengert {

/// e^x; d/dx = e^x (from the saved output).
Tensor exp(const Tensor& x);
/// Natural logarithm; d/dx = 1 / x. Non-positive inputs give -inf or nan, as in PyTorch.
Tensor log(const Tensor& x);
/// Square root; d/dx = 1 / (2 sqrt(x)).
Tensor sqrt(const Tensor& x);
/// Hyperbolic tangent; d/dx = 1 - tanh(x)^2.
Tensor tanh(const Tensor& x);
/// 1 / (1 + e^-x), computed without overflow for large |x|; d/dx = s (1 - s).
Tensor sigmoid(const Tensor& x);
/// max(x, 0); the gradient at 0 is 0, as in PyTorch.
Tensor relu(const Tensor& x);

namespace detail {
/// tanh's backward as one kernel: grad * (1 - y^2) for y = tanh(x), same shapes. Recorded
/// as an op of its own (differentiable in both arguments), so create_graph still works.
Tensor tanh_backward(const Tensor& grad, const Tensor& y);
}  // namespace detail

}  // namespace wengert
