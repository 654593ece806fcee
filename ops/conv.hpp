#pragma once
// Convolutions over (N, C, L) and (N, C, H, W) tensors, with torch.nn.functional's
// semantics, computed by im2col and one BLAS gemm per group and batch chunk.
//
// Note [Convolution gradients are convolutions]
// conv2d(x, w) is bilinear. Its input gradient is the transposed convolution of grad_output
// with w (recorded as conv_transpose2d), and its weight gradient is a correlation of x with
// grad_output (recorded as conv2d_weight_grad). Each of the three ops' gradients is again
// one of the three, so the backward of a backward stays on BLAS and second order works:
//   conv2d(x, w):              dx = conv_transpose2d(g, w),  dw = conv2d_weight_grad(x, g)
//   conv_transpose2d(g, w):    dg = conv2d(G, w),            dw = conv2d_weight_grad(G, g)
//   conv2d_weight_grad(x, g):  dx = conv_transpose2d(g, G),  dg = conv2d(x, G)
// where G is the gradient arriving at that op's output.

#include <cstdint>

#include "../autograd/tensor.hpp"

namespace wengert {

/// Two sizes (height, width) of a 2-D op's stride, padding, dilation or kernel; a single int
/// sets both, as PyTorch's int-or-tuple arguments do: conv2d(x, w, {}, 2) or {2, 1}.
struct IntPair {
    std::int64_t h;
    std::int64_t w;
    IntPair(std::int64_t both) : h(both), w(both) {}  // NOLINT: implicit, as in PyTorch
    IntPair(std::int64_t height, std::int64_t width) : h(height), w(width) {}
};

/// 2-D cross-correlation, as torch.nn.functional.conv2d:
///   out[n, o, i, j] = bias[o] + sum_{c, p, q} w[o, c, p, q]
///                     * x[n, g * C/groups + c, i * sH - pH + p * dH, j * sW - pW + q * dW]
/// where g = o / (O / groups) and x is zero outside its bounds (the padding).
/// input (N, C, H, W), weight (O, C / groups, kH, kW), bias (O) or undefined; the output is
/// (N, O, OH, OW) with OH = (H + 2 pH - dH (kH - 1) - 1) / sH + 1 (floor), OW likewise.
/// Throws ShapeError naming the op and every shape for wrong ranks, a channel mismatch
/// (C != weight's C * groups), groups not dividing C or O, a bias of the wrong size, or a
/// dilated kernel larger than the padded input; std::invalid_argument for a non-positive
/// stride, dilation or groups or a negative padding; DtypeError for mixed dtypes.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
              IntPair stride = 1, IntPair padding = 0, IntPair dilation = 1,
              std::int64_t groups = 1);

/// 1-D cross-correlation, as torch.nn.functional.conv1d: input (N, C, L), weight
/// (O, C / groups, k), bias (O) or undefined; output (N, O, (L + 2 p - d (k - 1) - 1) / s + 1).
/// Computed as conv2d over a height of 1; errors as conv2d's, naming conv1d and 3-D shapes.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
              std::int64_t stride = 1, std::int64_t padding = 0, std::int64_t dilation = 1,
              std::int64_t groups = 1);

/// Transposed 2-D convolution, as torch.nn.functional.conv_transpose2d (the gradient of
/// conv2d with respect to its input): input (N, Cin, H, W), weight (Cin, Cout / groups, kH,
/// kW), bias (Cout) or undefined; output (N, Cout, OH, OW) with
/// OH = (H - 1) sH - 2 pH + dH (kH - 1) + output_padding_h + 1.
/// output_padding must be below stride or dilation (std::invalid_argument otherwise);
/// other errors as conv2d's.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        IntPair stride = 1, IntPair padding = 0, IntPair output_padding = 0,
                        std::int64_t groups = 1, IntPair dilation = 1);

namespace detail {

/// Everything a convolution kernel needs, in the forward convolution's terms: the input
/// (batch, in_channels, in_h, in_w), the weight (out_channels, in_channels / groups,
/// kernel_h, kernel_w) and the output (batch, out_channels, out_h, out_w).
struct ConvGeometry {
    std::int64_t batch, in_channels, in_h, in_w;
    std::int64_t out_channels, kernel_h, kernel_w;
    std::int64_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups;
    std::int64_t out_h, out_w;
};

/// The recorded ops of Note [Convolution gradients are convolutions]; shapes are trusted
/// to match `geometry` (the public functions check them).
/// conv2d: x (batch, in_channels, in_h, in_w) -> (batch, out_channels, out_h, out_w).
Tensor conv2d_op(const Tensor& x, const Tensor& weight, const Tensor& bias,
                 const ConvGeometry& geometry);
/// conv_transpose2d: g (batch, out_channels, out_h, out_w) -> (batch, in_channels, in_h, in_w).
Tensor conv_transpose2d_op(const Tensor& g, const Tensor& weight, const ConvGeometry& geometry);
/// conv2d_weight_grad: x and g as above -> (out_channels, in_channels / groups, kH, kW).
Tensor conv2d_weight_grad_op(const Tensor& x, const Tensor& g, const ConvGeometry& geometry);

}  // namespace detail

}  // namespace wengert
