#pragma once
// Regression losses between predictions `input` and `target` of one shape (float32 or
// float64, one dtype). With Reduction::none the result has the input's shape; mean and sum
// give a 0-d tensor. Every loss is differentiable in both arguments. Shapes that differ throw
// ShapeError naming both; an unknown reduction string throws std::invalid_argument.

#include <string_view>

#include "../autograd/tensor.hpp"
#include "reduction.hpp"

namespace wengert {

/// (input - target)^2.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
Tensor mse_loss(const Tensor& input, const Tensor& target, std::string_view reduction);

/// |input - target| (gradient 0 where they are equal, as in PyTorch).
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, std::string_view reduction);

/// With d = input - target: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta. beta = 0
/// gives l1_loss; beta < 0 throws std::invalid_argument. smooth_l1 = huber / beta.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      Reduction reduction = Reduction::mean, double beta = 1.0);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, std::string_view reduction,
                      double beta = 1.0);

/// With d = input - target: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta).
/// delta <= 0 throws std::invalid_argument.
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean,
                  double delta = 1.0);
Tensor huber_loss(const Tensor& input, const Tensor& target, std::string_view reduction,
                  double delta = 1.0);

/// log(cosh(input - target)), about d^2 / 2 for small d and |d| - log 2 for large d.
Tensor log_cosh_loss(const Tensor& input, const Tensor& target,
                     Reduction reduction = Reduction::mean);
Tensor log_cosh_loss(const Tensor& input, const Tensor& target, std::string_view reduction);

/// log(cosh(x)) elementwise, computed as |x| + log1p(exp(-2|x|)) - log 2 so that it stays
/// finite for any x (cosh overflows beyond |x| ~ 710). Gradient: tanh(x).
Tensor log_cosh(const Tensor& x);

}  // namespace wengert
