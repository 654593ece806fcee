#pragma once
// Elementwise functions beyond the basic arithmetic: activations, trigonometry, accurate
// forms near zero (log1p, expm1), comparisons, where and lerp.
//
// Every function works on float32 and float64 and follows PyTorch's names, defaults and
// gradients. Binary and ternary functions broadcast as NumPy does and sum the gradient of a
// broadcast input back to its shape. At kinks (abs and sign at 0, clamp at its bounds,
// leaky_relu and elu at 0) the gradient is the one PyTorch picks, stated per function.
//
// Comparisons return 0/1 tensors of the inputs' dtype, not bool tensors as in PyTorch:
// wengert has no bool dtype. The results carry no gradient. Passed to where(), a 0/1 tensor
// plays the role of PyTorch's bool mask.

#include <optional>
#include <string_view>

#include "../autograd/tensor.hpp"

namespace wengert {

/// |x|; the gradient is sign(x), 0 at x = 0 as in PyTorch.
Tensor abs(const Tensor& x);

/// min(max(x, min), max) with either bound optional (both unset: std::invalid_argument).
/// When min > max every element becomes max, as in PyTorch. The gradient passes where
/// min <= x <= max (bounds included) and is 0 elsewhere.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
/// clamp with only a lower or only an upper bound.
Tensor clamp_min(const Tensor& x, double min);
Tensor clamp_max(const Tensor& x, double max);

/// Elementwise max(a, b) with broadcasting. Where a == b the gradient is split equally,
/// half to each, as in PyTorch. ShapeError names both shapes when they do not broadcast.
Tensor maximum(const Tensor& a, const Tensor& b);
/// Elementwise min(a, b); ties split the gradient as maximum does.
Tensor minimum(const Tensor& a, const Tensor& b);

/// x for x > 0, negative_slope * x otherwise; the gradient at 0 is negative_slope.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
/// x for x > 0, alpha (e^x - 1) otherwise; d/dx = 1 for x > 0, alpha e^x otherwise.
Tensor elu(const Tensor& x, double alpha = 1.0);
/// The Gauss error function erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt;
/// d/dx = 2/sqrt(pi) e^(-x^2).
Tensor erf(const Tensor& x);
/// x Phi(x) with Phi the standard normal CDF, Phi(x) = (1 + erf(x / sqrt 2)) / 2, when
/// approximate is "none"; with "tanh", 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
/// Any other string throws std::invalid_argument.
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// x sigmoid(x); d/dx = s (1 + x (1 - s)) with s = sigmoid(x).
Tensor silu(const Tensor& x);
/// log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (there the two agree
/// to float precision, and e^(beta x) would overflow). d/dx = sigmoid(beta x), or 1 above the
/// threshold. beta must be nonzero.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);

/// sin(x); d/dx = cos(x).
Tensor sin(const Tensor& x);
/// cos(x); d/dx = -sin(x).
Tensor cos(const Tensor& x);
/// log(1 + x), accurate for |x| much smaller than 1 (std::log1p); d/dx = 1 / (1 + x).
Tensor log1p(const Tensor& x);
/// e^x - 1, accurate for |x| much smaller than 1 (std::expm1); d/dx = e^x.
Tensor expm1(const Tensor& x);
/// 1 / sqrt(x); d/dx = -1/2 x^(-3/2). Zero gives inf and negative inputs nan, as in PyTorch.
Tensor rsqrt(const Tensor& x);
/// 1 / x; d/dx = -1 / x^2.
Tensor reciprocal(const Tensor& x);
/// x^2; d/dx = 2x.
Tensor square(const Tensor& x);
/// -1, 0 or 1 by the sign of x. Its gradient is zero everywhere, as in PyTorch.
Tensor sign(const Tensor& x);

/// Elementwise comparisons: 1 where the relation holds, 0 elsewhere, in the dtype of the
/// inputs (float32, float64, or int64 for index tensors such as argmax results). Tensor
/// operands broadcast and must share a dtype (DtypeError otherwise). No gradient flows
/// through a comparison: the result never requires grad. A double operand is compared
/// after conversion to the tensor's dtype.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, double b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, double b);

/// a where condition is nonzero, b elsewhere; condition, a and b broadcast together. The
/// condition may be of any dtype (a comparison result, or an int64 tensor) and receives no
/// gradient; a and b must share a dtype. The gradient goes to a where the condition holds
/// and to b elsewhere (exact zeros on the other side, never 0 * inf).
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

/// start + weight (end - start), with start, end and weight broadcasting together.
/// Gradients: start (1 - weight), end weight, weight (end - start).
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
/// lerp with a scalar weight.
Tensor lerp(const Tensor& start, const Tensor& end, double weight);

}  // namespace wengert
