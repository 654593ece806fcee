#include "conv.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "reduce.hpp"
#include "shape.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;
using detail::ConvGeometry;
using i64 = std::int64_t;

// Row-major C = alpha op(A) op(B) + beta C with explicit leading dimensions.
void gemm(bool ta, bool tb, i64 m, i64 n, i64 k, const float* a, i64 lda, const float* b, i64 ldb,
          float beta, float* c, i64 ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a,
                static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

void gemm(bool ta, bool tb, i64 m, i64 n, i64 k, const double* a, i64 lda, const double* b, i64 ldb,
          double beta, double* c, i64 ldc) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a,
                static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

// Note [im2col layout]
// The column matrix of one sample has one row per (channel, kernel row, kernel column) and
// one column per output position: (C kH kW, OH OW). The rows of one group are contiguous,
// so each group's product is one gemm, (O/g, C/g kH kW) @ (C/g kH kW, OH OW), whose result
// already has the output's (O, OH OW) layout: no transposes, and the matrix (225 KB for the
// Fashion-MNIST CNN's second layer) stays in cache between im2col and the gemm. One gemm
// over a whole batch (the columns of all samples side by side) measured no faster, and its
// weight gradient, a product over a 50,000-long inner axis, was twice as slow.

// True when some axis is empty, so that no gemm runs (BLAS rejects zero leading dimensions).
bool degenerate(const ConvGeometry& g) {
    return g.batch == 0 || g.in_channels == 0 || g.out_channels == 0;
}

// A 1x1 kernel with stride 1 and no padding reads the input itself as its column matrix.
bool is_pointwise(const ConvGeometry& g) {
    return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
           g.pad_h == 0 && g.pad_w == 0;
}

// The output columns ow whose input column ow * stride + offset lies in [0, width).
std::pair<i64, i64> valid_range(i64 offset, i64 stride, i64 width, i64 out) {
    const i64 lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    const i64 hi = offset > width - 1 ? 0 : std::min(out, (width - 1 - offset) / stride + 1);
    return {std::min(lo, out), std::max(hi, std::min(lo, out))};
}

// Walks the rows of Note [im2col layout] one output row at a time: f(col_at, row_at, offset,
// lo, hi) gets the offset of that stretch of out_w entries in col, the offset in the
// sample's planes of the input row it reads (-1 when that row is padding), and the input
// column of output column ow, ow * stride_w + offset, which lies inside the row for ow in
// [lo, hi).
template <class F>
void for_each_patch_row(const ConvGeometry& g, F&& f) {
    const i64 plane = g.in_h * g.in_w;
    const i64 patch = g.out_h * g.out_w;
    for (i64 c = 0; c < g.in_channels; ++c) {
        for (i64 kh = 0; kh < g.kernel_h; ++kh) {
            for (i64 kw = 0; kw < g.kernel_w; ++kw) {
                const i64 row = (c * g.kernel_h + kh) * g.kernel_w + kw;
                const i64 offset = kw * g.dilation_w - g.pad_w;
                const auto [lo, hi] = valid_range(offset, g.stride_w, g.in_w, g.out_w);
                for (i64 oh = 0; oh < g.out_h; ++oh) {
                    const i64 ih = oh * g.stride_h - g.pad_h + kh * g.dilation_h;
                    const i64 col = row * patch + oh * g.out_w;
                    const bool inside = ih >= 0 && ih < g.in_h;
                    f(col, inside ? c * plane + ih * g.in_w : i64{-1}, offset, lo, hi);
                }
            }
        }
    }
}

// col (C kH kW, OH OW) from one sample x (C, H, W); zeros where the window reads padding.
template <class T>
void im2col(const T* x, const ConvGeometry& g, T* col) {
    const i64 stride = g.stride_w;
    const i64 out_w = g.out_w;
    for_each_patch_row(g, [&](i64 dst_at, i64 src_at, i64 offset, i64 lo, i64 hi) {
        T* dst = col + dst_at;
        if (src_at < 0) {
            std::fill(dst, dst + out_w, T(0));
            return;
        }
        const T* src = x + src_at;
        std::fill(dst, dst + lo, T(0));
        if (stride == 1) {
            std::copy(src + lo + offset, src + hi + offset, dst + lo);
        } else {
            for (i64 ow = lo; ow < hi; ++ow) {
                dst[ow] = src[ow * stride + offset];
            }
        }
        std::fill(dst + hi, dst + out_w, T(0));
    });
}

// The adjoint of im2col: adds each entry of col into the element of x (one sample, zeroed
// first) it was read from.
template <class T>
void col2im(const T* col, const ConvGeometry& g, T* x) {
    const i64 stride = g.stride_w;
    for_each_patch_row(g, [&](i64 src_at, i64 dst_at, i64 offset, i64 lo, i64 hi) {
        if (dst_at < 0) {
            return;
        }
        const T* src = col + src_at;
        T* dst = x + dst_at;
        for (i64 ow = lo; ow < hi; ++ow) {
            dst[ow * stride + offset] += src[ow];
        }
    });
}

std::size_t column_size(const ConvGeometry& g) {
    return is_pointwise(g) ? 0
                           : static_cast<std::size_t>(g.in_channels * g.kernel_h * g.kernel_w *
                                                      g.out_h * g.out_w);
}

Shape sizes(std::initializer_list<i64> extents) {
    Shape shape;
    for (i64 extent : extents) {
        shape.push_back(static_cast<std::size_t>(extent));
    }
    return shape;
}

template <class T>
Array<T> forward_kernel(const Array<T>& x, const Array<T>& w, const T* bias,
                        const ConvGeometry& g) {
    Array<T> out = Array<T>::from_shape(sizes({g.batch, g.out_channels, g.out_h, g.out_w}));
    if (degenerate(g)) {
        out.fill(T(0));
        return out;
    }
    const i64 patch = g.out_h * g.out_w;
    const i64 cg_k = g.in_channels / g.groups * g.kernel_h * g.kernel_w;
    const i64 og = g.out_channels / g.groups;
    std::vector<T> col(column_size(g));
    for (i64 n = 0; n < g.batch; ++n) {
        const T* sample = x.data() + n * g.in_channels * g.in_h * g.in_w;
        if (!col.empty()) {
            im2col(sample, g, col.data());
        }
        const T* columns = col.empty() ? sample : col.data();
        T* y = out.data() + n * g.out_channels * patch;
        // The gemm adds onto the bias, which saves a pass over the output.
        for (i64 o = 0; bias != nullptr && o < g.out_channels; ++o) {
            std::fill(y + o * patch, y + (o + 1) * patch, bias[o]);
        }
        for (i64 group = 0; group < g.groups; ++group) {
            gemm(false, false, og, patch, cg_k, w.data() + group * og * cg_k, cg_k,
                 columns + group * cg_k * patch, patch, bias != nullptr ? T(1) : T(0),
                 y + group * og * patch, patch);
        }
    }
    return out;
}

// dx = conv_transpose2d(go, w): col2im of w_g^T go_g, one sample at a time.
template <class T>
Array<T> input_grad_kernel(const Array<T>& go, const Array<T>& w, const ConvGeometry& g) {
    Array<T> dx(sizes({g.batch, g.in_channels, g.in_h, g.in_w}), T(0));
    if (degenerate(g)) {
        return dx;
    }
    const i64 patch = g.out_h * g.out_w;
    const i64 cg_k = g.in_channels / g.groups * g.kernel_h * g.kernel_w;
    const i64 og = g.out_channels / g.groups;
    std::vector<T> col(column_size(g));
    for (i64 n = 0; n < g.batch; ++n) {
        const T* grad = go.data() + n * g.out_channels * patch;
        T* sample = dx.data() + n * g.in_channels * g.in_h * g.in_w;
        // A pointwise kernel's column matrix is the input gradient itself.
        T* columns = col.empty() ? sample : col.data();
        for (i64 group = 0; group < g.groups; ++group) {
            gemm(true, false, cg_k, patch, og, w.data() + group * og * cg_k, cg_k,
                 grad + group * og * patch, patch, T(0), columns + group * cg_k * patch, patch);
        }
        if (!col.empty()) {
            col2im(col.data(), g, sample);
        }
    }
    return dx;
}

// dw_g = sum over samples of go_g im2col(x)_g^T.
template <class T>
Array<T> weight_grad_kernel(const Array<T>& x, const Array<T>& go, const ConvGeometry& g) {
    const i64 cg = g.in_channels / g.groups;
    Array<T> dw(sizes({g.out_channels, cg, g.kernel_h, g.kernel_w}), T(0));
    if (degenerate(g)) {
        return dw;
    }
    const i64 patch = g.out_h * g.out_w;
    const i64 cg_k = cg * g.kernel_h * g.kernel_w;
    const i64 og = g.out_channels / g.groups;
    std::vector<T> col(column_size(g));
    for (i64 n = 0; n < g.batch; ++n) {
        const T* sample = x.data() + n * g.in_channels * g.in_h * g.in_w;
        if (!col.empty()) {
            im2col(sample, g, col.data());
        }
        const T* columns = col.empty() ? sample : col.data();
        const T* grad = go.data() + n * g.out_channels * patch;
        for (i64 group = 0; group < g.groups; ++group) {
            gemm(false, true, og, cg_k, patch, grad + group * og * patch, patch,
                 columns + group * cg_k * patch, patch, T(1), dw.data() + group * og * cg_k, cg_k);
        }
    }
    return dw;
}

// Checks the options shared by every convolution; `op` names the public function.
void check_options(const char* op, IntPair stride, IntPair padding, IntPair dilation,
                   std::int64_t groups) {
    detail::require(stride.h > 0 && stride.w > 0, "{}: stride must be positive; got ({}, {})", op,
                    stride.h, stride.w);
    detail::require(padding.h >= 0 && padding.w >= 0,
                    "{}: padding must be non-negative; got ({}, {})", op, padding.h, padding.w);
    detail::require(dilation.h > 0 && dilation.w > 0, "{}: dilation must be positive; got ({}, {})",
                    op, dilation.h, dilation.w);
    detail::require(groups > 0, "{}: groups must be positive; got {}", op, groups);
}

// The geometry of conv2d(input, weight) after checking every shape; `in` and `w` are the
// 4-D shapes and `shown_in`, `shown_w` the shapes the caller passed (3-D for conv1d).
ConvGeometry conv_geometry(const char* op, const Shape& in, const Shape& w, ShapeView shown_in,
                           ShapeView shown_w, IntPair stride, IntPair padding, IntPair dilation,
                           std::int64_t groups) {
    const auto s = [](std::size_t v) { return static_cast<i64>(v); };
    ConvGeometry g{};
    g.batch = s(in[0]);
    g.in_channels = s(in[1]);
    g.in_h = s(in[2]);
    g.in_w = s(in[3]);
    g.out_channels = s(w[0]);
    g.kernel_h = s(w[2]);
    g.kernel_w = s(w[3]);
    g.stride_h = stride.h;
    g.stride_w = stride.w;
    g.pad_h = padding.h;
    g.pad_w = padding.w;
    g.dilation_h = dilation.h;
    g.dilation_w = dilation.w;
    g.groups = groups;
    detail::require<ShapeError>(
        s(w[1]) * groups == g.in_channels,
        "{}: input has {} channels but weight expects {} (weight {}, groups {}); input is {}", op,
        g.in_channels, s(w[1]) * groups, shape_string(shown_w), groups, shape_string(shown_in));
    detail::require<ShapeError>(g.out_channels % groups == 0,
                                "{}: groups {} does not divide the weight's {} output channels; "
                                "weight is {}, input is {}",
                                op, groups, g.out_channels, shape_string(shown_w),
                                shape_string(shown_in));
    const i64 span_h = dilation.h * (g.kernel_h - 1) + 1;
    const i64 span_w = dilation.w * (g.kernel_w - 1) + 1;
    const i64 padded_h = g.in_h + 2 * padding.h;
    const i64 padded_w = g.in_w + 2 * padding.w;
    detail::require<ShapeError>(
        g.kernel_h > 0 && g.kernel_w > 0 && span_h <= padded_h && span_w <= padded_w,
        "{}: the kernel of weight {} (spanning {} with dilation) is "
        "larger than the padded input {}; input is {}",
        op, shape_string(shown_w),
        w[2] == 1 && shown_w.size() == 3 ? fmt::format("{}", span_w)
                                         : fmt::format("({}, {})", span_h, span_w),
        w[2] == 1 && shown_w.size() == 3 ? fmt::format("{}", padded_w)
                                         : fmt::format("({}, {})", padded_h, padded_w),
        shape_string(shown_in));
    g.out_h = (padded_h - span_h) / stride.h + 1;
    g.out_w = (padded_w - span_w) / stride.w + 1;
    return g;
}

void check_bias(const char* op, const Tensor& bias, i64 channels, ShapeView weight) {
    if (!bias.defined()) {
        return;
    }
    detail::require<ShapeError>(bias.dim() == 1 && static_cast<i64>(bias.shape()[0]) == channels,
                                "{}: bias must have shape ({}) but is {}; weight is {}", op,
                                channels, shape_string(bias.shape()), shape_string(weight));
}

void check_ranks(const char* op, const Tensor& input, const Tensor& weight, std::size_t rank,
                 const char* input_axes, const char* weight_axes) {
    detail::require_defined(op, input, "input");
    detail::require_defined(op, weight, "weight");
    detail::require<ShapeError>(
        input.dim() == rank, "{}: input must be {}-D {} but is {}; weight is {}", op, rank,
        input_axes, shape_string(input.shape()), shape_string(weight.shape()));
    detail::require<ShapeError>(
        weight.dim() == rank, "{}: weight must be {}-D {} but is {}; input is {}", op, rank,
        weight_axes, shape_string(weight.shape()), shape_string(input.shape()));
}

}  // namespace

namespace detail {

Tensor conv2d_op(const Tensor& x, const Tensor& weight, const Tensor& bias,
                 const ConvGeometry& geometry) {
    AnyArray out = visit2("conv2d", x, weight, [&](const auto& a, const auto& w) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        const T* b = bias.defined() ? array_as<T>(bias).data() : nullptr;
        return forward_kernel(a, w, b, geometry);
    });
    // Keep only what backward reads: x for the weight gradient, w for the input gradient.
    const Tensor saved_x = weight.requires_grad() ? x : Tensor();
    const Tensor saved_w = x.requires_grad() ? weight : Tensor();
    return record_op(Op::conv2d, std::move(out), {x, weight, bias},
                     [saved_x, saved_w, geometry](const BackwardCall& call) -> TensorList {
                         const Tensor& grad = call.grad_output;  // (N, O, OH, OW)
                         TensorList grads(3);
                         if (call.needs_grad[0]) {
                             grads[0] = conv_transpose2d_op(grad, saved_w, geometry);
                         }
                         if (call.needs_grad[1]) {
                             grads[1] = conv2d_weight_grad_op(saved_x, grad, geometry);
                         }
                         if (call.needs_grad[2]) {
                             grads[2] = sum(grad, {0, 2, 3});  // (O)
                         }
                         return grads;
                     });
}

Tensor conv_transpose2d_op(const Tensor& g, const Tensor& weight, const ConvGeometry& geometry) {
    AnyArray out =
        visit2("conv_transpose2d", g, weight, [&](const auto& a, const auto& w) -> AnyArray {
            return input_grad_kernel(a, w, geometry);
        });
    const Tensor saved_g = weight.requires_grad() ? g : Tensor();
    const Tensor saved_w = g.requires_grad() ? weight : Tensor();
    return record_op(Op::conv_transpose2d, std::move(out), {g, weight},
                     [saved_g, saved_w, geometry](const BackwardCall& call) -> TensorList {
                         const Tensor& grad = call.grad_output;  // (N, C, H, W)
                         TensorList grads(2);
                         if (call.needs_grad[0]) {
                             grads[0] = conv2d_op(grad, saved_w, Tensor(), geometry);
                         }
                         if (call.needs_grad[1]) {
                             grads[1] = conv2d_weight_grad_op(grad, saved_g, geometry);
                         }
                         return grads;
                     });
}

Tensor conv2d_weight_grad_op(const Tensor& x, const Tensor& g, const ConvGeometry& geometry) {
    AnyArray out =
        visit2("conv2d_weight_grad", x, g, [&](const auto& a, const auto& b) -> AnyArray {
            return weight_grad_kernel(a, b, geometry);
        });
    const Tensor saved_x = g.requires_grad() ? x : Tensor();
    const Tensor saved_g = x.requires_grad() ? g : Tensor();
    return record_op(Op::conv2d_weight_grad, std::move(out), {x, g},
                     [saved_x, saved_g, geometry](const BackwardCall& call) -> TensorList {
                         const Tensor& grad = call.grad_output;  // (O, C / groups, kH, kW)
                         TensorList grads(2);
                         if (call.needs_grad[0]) {
                             grads[0] = conv_transpose2d_op(saved_g, grad, geometry);
                         }
                         if (call.needs_grad[1]) {
                             grads[1] = conv2d_op(saved_x, grad, Tensor(), geometry);
                         }
                         return grads;
                     });
}

}  // namespace detail

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntPair stride,
              IntPair padding, IntPair dilation, std::int64_t groups) {
    check_ranks("conv2d", input, weight, 4, "(N, C, H, W)", "(O, C / groups, kH, kW)");
    detail::require_same_dtype("conv2d", {&input, &weight, &bias});
    check_options("conv2d", stride, padding, dilation, groups);
    const ConvGeometry g =
        conv_geometry("conv2d", detail::to_shape(input.shape()), detail::to_shape(weight.shape()),
                      input.shape(), weight.shape(), stride, padding, dilation, groups);
    check_bias("conv2d", bias, g.out_channels, weight.shape());

    return detail::conv2d_op(input, weight, bias, g);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, std::int64_t stride,
              std::int64_t padding, std::int64_t dilation, std::int64_t groups) {
    check_ranks("conv1d", input, weight, 3, "(N, C, L)", "(O, C / groups, k)");
    detail::require_same_dtype("conv1d", {&input, &weight, &bias});
    detail::require(stride > 0, "conv1d: stride must be positive; got {}", stride);
    detail::require(padding >= 0, "conv1d: padding must be non-negative; got {}", padding);
    detail::require(dilation > 0, "conv1d: dilation must be positive; got {}", dilation);
    detail::require(groups > 0, "conv1d: groups must be positive; got {}", groups);
    const ShapeView in = input.shape();
    const ShapeView w = weight.shape();
    const ConvGeometry g = conv_geometry("conv1d", {in[0], in[1], 1, in[2]}, {w[0], w[1], 1, w[2]},
                                         in, w, {1, stride}, {0, padding}, {1, dilation}, groups);
    check_bias("conv1d", bias, g.out_channels, w);

    const auto s = [](std::size_t v) { return static_cast<i64>(v); };
    Tensor x4 = reshape(input, {s(in[0]), s(in[1]), 1, s(in[2])});
    Tensor w4 = reshape(weight, {s(w[0]), s(w[1]), 1, s(w[2])});
    return reshape(detail::conv2d_op(x4, w4, bias, g), {g.batch, g.out_channels, g.out_w});
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntPair stride, IntPair padding, IntPair output_padding,
                        std::int64_t groups, IntPair dilation) {
    const char* op = "conv_transpose2d";
    check_ranks(op, input, weight, 4, "(N, Cin, H, W)", "(Cin, Cout / groups, kH, kW)");
    detail::require_same_dtype(op, {&input, &weight, &bias});
    check_options(op, stride, padding, dilation, groups);
    detail::require(output_padding.h >= 0 && output_padding.w >= 0 &&
                        (output_padding.h < stride.h || output_padding.h < dilation.h) &&
                        (output_padding.w < stride.w || output_padding.w < dilation.w),
                    "{}: output_padding ({}, {}) must be non-negative and smaller than stride "
                    "({}, {}) or dilation ({}, {})",
                    op, output_padding.h, output_padding.w, stride.h, stride.w, dilation.h,
                    dilation.w);
    const ShapeView in = input.shape();
    const ShapeView w = weight.shape();
    const auto s = [](std::size_t v) { return static_cast<i64>(v); };
    detail::require<ShapeError>(s(w[0]) == s(in[1]),
                                "{}: input has {} channels but weight expects {}; input is {}, "
                                "weight is {}",
                                op, in[1], w[0], shape_string(in), shape_string(w));
    detail::require<ShapeError>(s(w[0]) % groups == 0,
                                "{}: groups {} does not divide the input's {} channels; input is "
                                "{}, weight is {}",
                                op, groups, in[1], shape_string(in), shape_string(w));

    // In the terms of the convolution whose input gradient this is.
    ConvGeometry g{};
    g.batch = s(in[0]);
    g.out_channels = s(w[0]);
    g.in_channels = s(w[1]) * groups;
    g.kernel_h = s(w[2]);
    g.kernel_w = s(w[3]);
    g.out_h = s(in[2]);
    g.out_w = s(in[3]);
    g.stride_h = stride.h;
    g.stride_w = stride.w;
    g.pad_h = padding.h;
    g.pad_w = padding.w;
    g.dilation_h = dilation.h;
    g.dilation_w = dilation.w;
    g.groups = groups;
    g.in_h = (g.out_h - 1) * stride.h - 2 * padding.h + dilation.h * (g.kernel_h - 1) +
             output_padding.h + 1;
    g.in_w = (g.out_w - 1) * stride.w - 2 * padding.w + dilation.w * (g.kernel_w - 1) +
             output_padding.w + 1;
    detail::require<ShapeError>(g.in_h > 0 && g.in_w > 0 && g.out_h > 0 && g.out_w > 0,
                                "{}: the output size ({}, {}) is not positive; input is {}, "
                                "weight is {}, padding ({}, {})",
                                op, g.in_h, g.in_w, shape_string(in), shape_string(w), padding.h,
                                padding.w);
    check_bias(op, bias, g.in_channels, w);

    Tensor out = detail::conv_transpose2d_op(input, weight, g);
    return bias.defined() ? add(out, reshape(bias, {1, g.in_channels, 1, 1})) : out;
}

}  // namespace wengert
