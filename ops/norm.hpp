#pragma once
// Normalisation layers: batch_norm, layer_norm and group_norm, with PyTorch's semantics.
//
// batch_norm and layer_norm run fused kernels: one full-size op per call (grad_fn
// batch_norm, batch_norm_affine in evaluation, layer_norm) that computes the statistics and
// the output in cache-sized passes, with a fused backward. With create_graph their backward
// is written in differentiable ops instead, so second-order gradients (gradient penalties,
// gradgradcheck) work. group_norm normalises each group with layer_norm's kernel, then
// applies its per-channel weight and bias with mul and add.

#include <cstdint>

#include "../autograd/tensor.hpp"

namespace wengert {

/// Batch normalisation over every axis but the channel axis 1, as
/// torch.nn.functional.batch_norm:
///   y = (x - mean) / sqrt(var + eps) * weight + bias.
/// Shapes: input (N, C) or (N, C, *); running_mean, running_var, weight and bias (C), each
/// optional (undefined). In training, mean and var are the batch statistics (var biased) and,
/// when running statistics are given, they are updated in place without gradient:
///   running_mean = (1 - momentum) running_mean + momentum mean,
///   running_var = (1 - momentum) running_var + momentum var * n / (n - 1) (unbiased),
/// where n = N * prod(*) values per channel. In evaluation, the running statistics are used.
/// Errors: ShapeError naming the shapes when input has fewer than 2 axes or a parameter is
/// not (C); std::invalid_argument when training with one value per channel, or evaluating
/// without running statistics, or only one of running_mean and running_var is given;
/// DtypeError for mixed dtypes.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  bool training = false, double momentum = 0.1, double eps = 1e-5);

/// Layer normalisation over the trailing axes given by normalized_shape, as
/// torch.nn.functional.layer_norm: y = (x - mean) / sqrt(var + eps) * weight + bias with the
/// biased variance over those axes. weight and bias have shape normalized_shape, or are
/// undefined.
/// Errors: ShapeError naming the shapes when normalized_shape is empty, is not the trailing
/// part of input's shape, or weight / bias differ from it.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  double eps = 1e-5);

/// Group normalisation, as torch.nn.functional.group_norm: the C channels of input (N, C, *)
/// are split into num_groups groups, each normalised over its channels and the trailing axes
/// (biased variance), then scaled per channel: y = x_hat * weight + bias, weight and bias (C)
/// or undefined.
/// Errors: std::invalid_argument when num_groups is 0 or does not divide C (naming both);
/// ShapeError when input has fewer than 2 axes or weight / bias are not (C).
Tensor group_norm(const Tensor& input, std::int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

}  // namespace wengert
