#include "pool.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "kernel.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;
using i64 = std::int64_t;

// The input seen as planes of (in_h, in_w), one per leading (N, C) index, and the output's.
struct PlaneShape {
    i64 planes, in_h, in_w, out_h, out_w;
    Shape in_shape, out_shape;
};

PlaneShape plane_shape(const char* op, const Tensor& input, i64 out_h, i64 out_w) {
    const ShapeView s = input.shape();
    PlaneShape p{};
    p.planes = 1;
    for (std::size_t i = 0; i + 2 < s.size(); ++i) {
        p.planes *= static_cast<i64>(s[i]);
    }
    p.in_h = static_cast<i64>(s[s.size() - 2]);
    p.in_w = static_cast<i64>(s.back());
    p.out_h = out_h;
    p.out_w = out_w;
    p.in_shape = detail::to_shape(s);
    p.out_shape = p.in_shape;
    detail::require<ShapeError>(out_h > 0 && out_w > 0,
                                "{}: the output size ({}, {}) is too small; input is {}", op, out_h,
                                out_w, shape_string(s));
    p.out_shape[s.size() - 2] = static_cast<std::size_t>(out_h);
    p.out_shape.back() = static_cast<std::size_t>(out_w);
    return p;
}

void check_input(const char* op, const Tensor& input) {
    detail::require_defined(op, input);
    detail::require<ShapeError>(input.dim() == 3 || input.dim() == 4,
                                "{}: input must be 3-D (C, H, W) or 4-D (N, C, H, W) but is {}", op,
                                shape_string(input.shape()));
}

i64 floor_div(i64 a, i64 b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// PyTorch's pooling_output_shape.
i64 pooled_size(i64 in, i64 kernel, i64 pad, i64 stride, i64 dilation, bool ceil_mode) {
    const i64 span = dilation * (kernel - 1) + 1;
    i64 out = floor_div(in + 2 * pad - span + (ceil_mode ? stride - 1 : 0), stride) + 1;
    if (ceil_mode && (out - 1) * stride >= in + pad) {
        --out;
    }
    return out;
}

// Checks kernel, stride, padding and dilation; returns the output (height, width).
IntPair pool_output(const char* op, const Tensor& input, IntPair kernel, IntPair stride,
                    IntPair padding, IntPair dilation, bool ceil_mode) {
    const std::string in = shape_string(input.shape());
    detail::require(kernel.h > 0 && kernel.w > 0,
                    "{}: kernel_size must be positive; got ({}, {}); input is {}", op, kernel.h,
                    kernel.w, in);
    detail::require(stride.h > 0 && stride.w > 0,
                    "{}: stride must be positive; got ({}, {}); input is {}", op, stride.h,
                    stride.w, in);
    detail::require(dilation.h > 0 && dilation.w > 0,
                    "{}: dilation must be positive; got ({}, {}); input is {}", op, dilation.h,
                    dilation.w, in);
    detail::require(
        padding.h >= 0 && padding.w >= 0 && padding.h <= kernel.h / 2 && padding.w <= kernel.w / 2,
        "{}: padding ({}, {}) must be non-negative and at most half the kernel "
        "({}, {}); input is {}",
        op, padding.h, padding.w, kernel.h, kernel.w, in);
    const i64 h = static_cast<i64>(input.shape()[input.dim() - 2]);
    const i64 w = static_cast<i64>(input.shape().back());
    return {pooled_size(h, kernel.h, padding.h, stride.h, dilation.h, ceil_mode),
            pooled_size(w, kernel.w, padding.w, stride.w, dilation.w, ceil_mode)};
}

// Where each max_pool2d window's maximum sits: a flat index within its input plane, or -1
// for a window that holds no input element.
using Indices = std::shared_ptr<const std::vector<i64>>;

// max_pool2d with a K x K kernel whose windows all lie inside the input (no padding,
// dilation 1): the loops unroll and the comparisons compile to selects, about 8 times faster
// than the general loop below for the CNN's 2 x 2 pooling.
template <int K, class T>
void max_pool_inside(const T* x, const PlaneShape& p, IntPair stride, T* out, i64* indices) {
    const i64 in_w = p.in_w;
    const i64 in_plane = p.in_h * p.in_w;
    const i64 out_plane = p.out_h * p.out_w;
    for (i64 plane = 0; plane < p.planes; ++plane) {
        const T* src = x + plane * in_plane;
        for (i64 oh = 0; oh < p.out_h; ++oh) {
            for (i64 ow = 0; ow < p.out_w; ++ow) {
                const i64 base = oh * stride.h * in_w + ow * stride.w;
                T best = src[base];
                i64 at = base;
                for (int kh = 0; kh < K; ++kh) {
                    for (int kw = kh == 0 ? 1 : 0; kw < K; ++kw) {
                        const i64 i = base + kh * in_w + kw;
                        const T value = src[i];
                        // Strictly greater keeps the first maximum on ties; NaN propagates.
                        const bool take = value > best || value != value;
                        best = take ? value : best;
                        at = take ? i : at;
                    }
                }
                const i64 o = plane * out_plane + oh * p.out_w + ow;
                out[o] = best;
                indices[o] = at;
            }
        }
    }
}

template <class T>
Array<T> max_pool_kernel(const Array<T>& x, const PlaneShape& p, IntPair kernel, IntPair stride,
                         IntPair padding, IntPair dilation, std::vector<i64>& indices) {
    Array<T> out = Array<T>::from_shape(p.out_shape);
    const i64 in_plane = p.in_h * p.in_w;
    const i64 out_plane = p.out_h * p.out_w;
    indices.resize(static_cast<std::size_t>(p.planes * out_plane));
    const bool inside = padding.h == 0 && padding.w == 0 && dilation.h == 1 && dilation.w == 1 &&
                        (p.out_h - 1) * stride.h + kernel.h <= p.in_h &&
                        (p.out_w - 1) * stride.w + kernel.w <= p.in_w;
    if (inside && kernel.h == 2 && kernel.w == 2) {
        max_pool_inside<2>(x.data(), p, stride, out.data(), indices.data());
        return out;
    }
    if (inside && kernel.h == 3 && kernel.w == 3) {
        max_pool_inside<3>(x.data(), p, stride, out.data(), indices.data());
        return out;
    }
    for (i64 plane = 0; plane < p.planes; ++plane) {
        const T* src = x.data() + plane * in_plane;
        for (i64 oh = 0; oh < p.out_h; ++oh) {
            for (i64 ow = 0; ow < p.out_w; ++ow) {
                T best = -std::numeric_limits<T>::infinity();
                i64 at = -1;
                for (i64 kh = 0; kh < kernel.h; ++kh) {
                    const i64 ih = oh * stride.h - padding.h + kh * dilation.h;
                    if (ih < 0 || ih >= p.in_h) {
                        continue;
                    }
                    for (i64 kw = 0; kw < kernel.w; ++kw) {
                        const i64 iw = ow * stride.w - padding.w + kw * dilation.w;
                        if (iw < 0 || iw >= p.in_w) {
                            continue;
                        }
                        const T value = src[ih * p.in_w + iw];
                        // Strictly greater keeps the first maximum on ties, as PyTorch.
                        if (value > best || std::isnan(value) || at < 0) {
                            best = value;
                            at = ih * p.in_w + iw;
                        }
                    }
                }
                const i64 o = plane * out_plane + oh * p.out_w + ow;
                out.data()[o] = best;
                indices[static_cast<std::size_t>(o)] = at;
            }
        }
    }
    return out;
}

Tensor max_pool_gather(const Tensor& g, const Indices& indices, const PlaneShape& p);

// Adds each window's gradient into its maximum's position: (planes, out) -> (planes, in).
Tensor max_pool_scatter(const Tensor& grad, const Indices& indices, const PlaneShape& p) {
    AnyArray out = detail::visit(grad, [&](const auto& g) -> AnyArray {
        using T = typename std::decay_t<decltype(g)>::value_type;
        Array<T> dx(p.in_shape, T(0));
        const i64 in_plane = p.in_h * p.in_w;
        const i64 out_plane = p.out_h * p.out_w;
        for (i64 plane = 0; plane < p.planes; ++plane) {
            for (i64 o = 0; o < out_plane; ++o) {
                const i64 at = (*indices)[static_cast<std::size_t>(plane * out_plane + o)];
                if (at >= 0) {
                    dx.data()[plane * in_plane + at] += g.data()[plane * out_plane + o];
                }
            }
        }
        return dx;
    });
    return detail::record_op(Op::max_pool2d_backward, std::move(out), {grad},
                             [indices, p](const BackwardCall& call) -> TensorList {
                                 return {max_pool_gather(call.grad_output, indices, p)};
                             });
}

// The values at each window's maximum position: (planes, in) -> (planes, out).
Tensor max_pool_gather(const Tensor& g, const Indices& indices, const PlaneShape& p) {
    AnyArray out = detail::visit(g, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        Array<T> picked = Array<T>::from_shape(p.out_shape);
        const i64 in_plane = p.in_h * p.in_w;
        const i64 out_plane = p.out_h * p.out_w;
        for (i64 plane = 0; plane < p.planes; ++plane) {
            for (i64 o = 0; o < out_plane; ++o) {
                const i64 at = (*indices)[static_cast<std::size_t>(plane * out_plane + o)];
                picked.data()[plane * out_plane + o] =
                    at >= 0 ? x.data()[plane * in_plane + at] : T(0);
            }
        }
        return picked;
    });
    return detail::record_op(Op::max_pool2d_gather, std::move(out), {g},
                             [indices, p](const BackwardCall& call) -> TensorList {
                                 return {max_pool_scatter(call.grad_output, indices, p)};
                             });
}

// Note [Average windows]
// avg_pool2d and adaptive_avg_pool2d both average over rectangles whose extent and divisor
// factor per axis: window i of an axis covers input [start[i], end[i]) and contributes
// count[i] to the divisor, count_h * count_w (or divisor_override). Both ops are linear, and
// the backward (spreading grad / divisor over each window) has the forward as its adjoint,
// so each one's gradient is the other.
struct AxisWindows {
    std::vector<i64> start, end, count;
};

struct AverageWindows {
    Op op;  // avg_pool2d or adaptive_avg_pool2d, the name the forward records
    PlaneShape shape;
    AxisWindows h, w;
    i64 divisor_override;  // 0: none

    // The divisor of output window (hi, wi); 0 for a window without input elements.
    i64 divisor(std::size_t hi, std::size_t wi) const {
        return divisor_override > 0 ? divisor_override : h.count[hi] * w.count[wi];
    }
};

using Windows = std::shared_ptr<const AverageWindows>;

Tensor average_backward(const Tensor& grad, const Windows& windows);

Tensor average(const Tensor& x, const Windows& windows) {
    const AverageWindows& a = *windows;
    const PlaneShape& p = a.shape;
    AnyArray out = detail::visit(x, [&](const auto& in) -> AnyArray {
        using T = typename std::decay_t<decltype(in)>::value_type;
        Array<T> result = Array<T>::from_shape(p.out_shape);
        for (i64 plane = 0; plane < p.planes; ++plane) {
            const T* src = in.data() + plane * p.in_h * p.in_w;
            T* dst = result.data() + plane * p.out_h * p.out_w;
            for (i64 oh = 0; oh < p.out_h; ++oh) {
                const auto hi = static_cast<std::size_t>(oh);
                for (i64 ow = 0; ow < p.out_w; ++ow) {
                    const auto wi = static_cast<std::size_t>(ow);
                    T total = T(0);
                    for (i64 ih = a.h.start[hi]; ih < a.h.end[hi]; ++ih) {
                        for (i64 iw = a.w.start[wi]; iw < a.w.end[wi]; ++iw) {
                            total += src[ih * p.in_w + iw];
                        }
                    }
                    const i64 divisor = a.divisor(hi, wi);
                    dst[oh * p.out_w + ow] = divisor > 0 ? total / static_cast<T>(divisor) : T(0);
                }
            }
        }
        return result;
    });
    return detail::record_op(a.op, std::move(out), {x},
                             [windows](const BackwardCall& call) -> TensorList {
                                 return {average_backward(call.grad_output, windows)};
                             });
}

Tensor average_backward(const Tensor& grad, const Windows& windows) {
    const AverageWindows& a = *windows;
    const PlaneShape& p = a.shape;
    AnyArray out = detail::visit(grad, [&](const auto& g) -> AnyArray {
        using T = typename std::decay_t<decltype(g)>::value_type;
        Array<T> dx(p.in_shape, T(0));
        for (i64 plane = 0; plane < p.planes; ++plane) {
            const T* src = g.data() + plane * p.out_h * p.out_w;
            T* dst = dx.data() + plane * p.in_h * p.in_w;
            for (i64 oh = 0; oh < p.out_h; ++oh) {
                const auto hi = static_cast<std::size_t>(oh);
                for (i64 ow = 0; ow < p.out_w; ++ow) {
                    const auto wi = static_cast<std::size_t>(ow);
                    const i64 divisor = a.divisor(hi, wi);
                    if (divisor == 0) {
                        continue;
                    }
                    const T share = src[oh * p.out_w + ow] / static_cast<T>(divisor);
                    for (i64 ih = a.h.start[hi]; ih < a.h.end[hi]; ++ih) {
                        for (i64 iw = a.w.start[wi]; iw < a.w.end[wi]; ++iw) {
                            dst[ih * p.in_w + iw] += share;
                        }
                    }
                }
            }
        }
        return dx;
    });
    return detail::record_op(Op::avg_pool2d_backward, std::move(out), {grad},
                             [windows](const BackwardCall& call) -> TensorList {
                                 return {average(call.grad_output, windows)};
                             });
}

// avg_pool2d's windows along one axis (PyTorch's avg_pool2d kernel).
AxisWindows pool_windows(i64 in, i64 out, i64 kernel, i64 stride, i64 pad, bool count_include_pad) {
    AxisWindows a;
    for (i64 o = 0; o < out; ++o) {
        i64 start = o * stride - pad;
        i64 end = std::min(start + kernel, in + pad);
        const i64 padded = end - start;
        start = std::max<i64>(start, 0);
        end = std::min(end, in);
        a.start.push_back(start);
        a.end.push_back(end);
        a.count.push_back(count_include_pad ? padded : std::max<i64>(end - start, 0));
    }
    return a;
}

// adaptive_avg_pool2d's windows along one axis: [floor(o in / out), ceil((o + 1) in / out)).
AxisWindows adaptive_windows(i64 in, i64 out) {
    AxisWindows a;
    for (i64 o = 0; o < out; ++o) {
        const i64 start = o * in / out;
        const i64 end = ((o + 1) * in + out - 1) / out;
        a.start.push_back(start);
        a.end.push_back(end);
        a.count.push_back(end - start);
    }
    return a;
}

// max_pool2d, also handing back where each maximum sits (the positions backward uses).
Tensor max_pool(const Tensor& input, IntPair kernel_size, std::optional<IntPair> stride,
                IntPair padding, IntPair dilation, bool ceil_mode, Indices& positions) {
    check_input("max_pool2d", input);
    const IntPair step = stride.value_or(kernel_size);
    const IntPair out =
        pool_output("max_pool2d", input, kernel_size, step, padding, dilation, ceil_mode);
    const PlaneShape p = plane_shape("max_pool2d", input, out.h, out.w);

    auto indices = std::make_shared<std::vector<i64>>();
    AnyArray values = detail::visit(input, [&](const auto& x) -> AnyArray {
        return max_pool_kernel(x, p, kernel_size, step, padding, dilation, *indices);
    });
    positions = indices;
    return detail::record_op(Op::max_pool2d, std::move(values), {input},
                             [indices = positions, p](const BackwardCall& call) {
                                 return TensorList{max_pool_scatter(call.grad_output, indices, p)};
                             });
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntPair kernel_size,
                                                  std::optional<IntPair> stride, IntPair padding,
                                                  IntPair dilation, bool ceil_mode) {
    Indices indices;
    Tensor pooled = max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, indices);
    auto positions = Array<std::int64_t>::from_shape(detail::to_shape(pooled.shape()));
    std::copy(indices->begin(), indices->end(), positions.begin());
    return {std::move(pooled), detail::make_tensor(std::move(positions))};
}

// Without the int64 copy of the positions that only max_pool2d_with_indices hands out.
Tensor max_pool2d(const Tensor& input, IntPair kernel_size, std::optional<IntPair> stride,
                  IntPair padding, IntPair dilation, bool ceil_mode) {
    Indices indices;
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, indices);
}

Tensor avg_pool2d(const Tensor& input, IntPair kernel_size, std::optional<IntPair> stride,
                  IntPair padding, bool ceil_mode, bool count_include_pad,
                  std::optional<std::int64_t> divisor_override) {
    check_input("avg_pool2d", input);
    const IntPair step = stride.value_or(kernel_size);
    const IntPair out = pool_output("avg_pool2d", input, kernel_size, step, padding, 1, ceil_mode);
    detail::require(!divisor_override || *divisor_override > 0,
                    "avg_pool2d: divisor_override must be positive; got {}; input is {}",
                    divisor_override.value_or(0), shape_string(input.shape()));
    const PlaneShape p = plane_shape("avg_pool2d", input, out.h, out.w);

    auto windows = std::make_shared<AverageWindows>();
    windows->op = Op::avg_pool2d;
    windows->shape = p;
    windows->h = pool_windows(p.in_h, p.out_h, kernel_size.h, step.h, padding.h, count_include_pad);
    windows->w = pool_windows(p.in_w, p.out_w, kernel_size.w, step.w, padding.w, count_include_pad);
    windows->divisor_override = divisor_override.value_or(0);
    return average(input, windows);
}

Tensor adaptive_avg_pool2d(const Tensor& input, IntPair output_size) {
    check_input("adaptive_avg_pool2d", input);
    detail::require(output_size.h > 0 && output_size.w > 0,
                    "adaptive_avg_pool2d: output_size must be positive; got ({}, {}); input is {}",
                    output_size.h, output_size.w, shape_string(input.shape()));
    const PlaneShape p = plane_shape("adaptive_avg_pool2d", input, output_size.h, output_size.w);
    detail::require<ShapeError>(p.in_h > 0 && p.in_w > 0,
                                "adaptive_avg_pool2d: input {} has an empty spatial axis",
                                shape_string(input.shape()));

    auto windows = std::make_shared<AverageWindows>();
    windows->op = Op::adaptive_avg_pool2d;
    windows->shape = p;
    windows->h = adaptive_windows(p.in_h, p.out_h);
    windows->w = adaptive_windows(p.in_w, p.out_w);
    windows->divisor_override = 0;
    return average(input, windows);
}

}  // namespace wengert
