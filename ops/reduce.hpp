#pragma once
// Reductions over all elements or over axes: sums, extremes and their positions, log-sum-exp,
// variance, products, norms and cumulative sums.
//
// Axes may be negative (counted from the end); an empty list of axes means every axis. An
// axis out of range throws std::out_of_range naming the axis and the rank. keepdim keeps the
// reduced axes with size 1, so that the result broadcasts against the input. All functions
// take float32 or float64 tensors; argmax, argmin and the indices of max/min are int64.

#include <cstdint>
#include <vector>

#include "../autograd/tensor.hpp"

namespace wengert {

/// Sum of all elements (a 0-d tensor).
Tensor sum(const Tensor& x);
/// Sum over `axes` (negative axes count from the end); keepdim keeps them with size 1.
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim = false);
/// Mean of all elements.
Tensor mean(const Tensor& x);
/// Mean over `axes`.
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim = false);

/// The result of max and min over one axis: the extreme values and their int64 positions
/// along the axis (as PyTorch's torch.return_types.max).
struct ValuesIndices {
    Tensor values;
    Tensor indices;
};

/// Largest element (a 0-d tensor). Where several elements tie for the maximum the gradient
/// is split evenly among them, as torch.max(x) and torch.amax do. NaN propagates. An empty
/// tensor throws std::invalid_argument naming its shape.
Tensor max(const Tensor& x);
/// Largest element along `axis` and its index, the first one on ties (as torch.max(x, dim)).
/// The gradient goes to that index alone. An axis of size 0 throws, naming the shape.
ValuesIndices max(const Tensor& x, std::int64_t axis, bool keepdim = false);
/// Smallest element; ties split the gradient as max(x) does.
Tensor min(const Tensor& x);
/// Smallest element along `axis` and its first index.
ValuesIndices min(const Tensor& x, std::int64_t axis, bool keepdim = false);

/// Maximum over `axes` (all when empty). Ties split the gradient evenly, as torch.amax.
Tensor amax(const Tensor& x, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
/// Minimum over `axes`; ties split the gradient evenly, as torch.amin.
Tensor amin(const Tensor& x, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);

/// Index of the largest element of the flattened tensor (a 0-d int64 tensor); the first
/// occurrence on ties. Not differentiable.
Tensor argmax(const Tensor& x);
/// Index of the largest element along `axis` (int64), the first on ties.
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim = false);
/// Index of the smallest element of the flattened tensor.
Tensor argmin(const Tensor& x);
/// Index of the smallest element along `axis`.
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim = false);

/// log(sum(exp(x))) over `axes`, computed as m + log(sum(exp(x - m))) with m the maximum,
/// so that inputs of 1000 give finite values. The gradient is softmax(x) over those axes.
/// Over no elements the result is -inf, as in PyTorch.
Tensor logsumexp(const Tensor& x, const std::vector<std::int64_t>& axes, bool keepdim = false);

/// Variance over `axes`: sum((x - mean)^2) / (N - correction), N the number of reduced
/// elements; correction 1 (the default) is the unbiased estimate, as torch.var. When
/// N <= correction the result is inf or nan, as in PyTorch. d/dx = 2 (x - mean) / (N - c).
Tensor var(const Tensor& x, const std::vector<std::int64_t>& axes = {}, double correction = 1.0,
           bool keepdim = false);
/// sqrt(var(x, axes, correction)). Where the standard deviation is 0 (all reduced elements
/// equal) its gradient is defined as 0 rather than nan, as PyTorch's std_backward does.
/// Under `using namespace wengert` an unqualified std(x) is ambiguous with namespace std
/// (as torch::std is in libtorch); write wengert::std(x).
Tensor std(const Tensor& x, const std::vector<std::int64_t>& axes = {}, double correction = 1.0,
           bool keepdim = false);

/// Product of all elements (1 for an empty tensor).
Tensor prod(const Tensor& x);
/// Product along `axis`. The gradient of each element is the product of the others along
/// the axis, computed from prefix and suffix products rather than prod / x, so it is exact
/// when elements are zero; it is differentiable to any order.
Tensor prod(const Tensor& x, std::int64_t axis, bool keepdim = false);

/// The p-norm over `axes` (all when empty): (sum |x|^p)^(1/p) for p > 0, max |x| for
/// p = infinity (std::numeric_limits<double>::infinity()). Where the norm is 0 its gradient
/// is 0 (PyTorch's subgradient); for p = inf ties split the gradient evenly. p <= 0 or nan
/// throws std::invalid_argument.
Tensor norm(const Tensor& x, double p = 2.0, const std::vector<std::int64_t>& axes = {},
            bool keepdim = false);

/// Running sum along `axis`: y_i = x_0 + ... + x_i. Its gradient is the reversed running sum.
Tensor cumsum(const Tensor& x, std::int64_t axis);

}  // namespace wengert
