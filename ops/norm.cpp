#include "norm.hpp"

#include <algorithm>
#include <vector>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "norm_kernels.hpp"
#include "reduce.hpp"
#include "shape.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

// The forward passes, and the backward without create_graph, are raw loops in
// norm_kernels.cpp (Note [Fused normalisation kernels] in norm_kernels.hpp); this file
// checks the inputs, records the ops and writes the create_graph backward.

// What the differentiable backward of a normalisation returns: the input's gradient
// (undefined unless asked for), and g xhat and g before their sums over the statistics'
// complement (the callers reduce them to the weight's and bias's shapes).
struct NormGrads {
    Tensor input;
    Tensor g_xhat;
};

// The closed-form backward of y = xhat w + b, xhat normalised over `axes` with the biased
// variance, written in differentiable ops from x so that create_graph differentiates
// through the statistics. `w` broadcasts against x, or is undefined.
NormGrads differentiable_backward(const Tensor& x, const Tensor& g, const Tensor& w,
                                  const std::vector<std::int64_t>& axes, double eps,
                                  bool want_input) {
    const Tensor mu = mean(x, axes, true);
    const Tensor centred = sub(x, mu);
    const Tensor rstd = pow(add(mean(mul(centred, centred), axes, true), eps), -0.5);
    const Tensor xhat = mul(centred, rstd);
    NormGrads out;
    out.g_xhat = mul(g, xhat);
    if (want_input) {
        const Tensor gw = w.defined() ? mul(g, w) : g;
        const Tensor projection = mul(xhat, mean(mul(gw, xhat), axes, true));
        out.input = mul(rstd, sub(sub(gw, mean(gw, axes, true)), projection));
    }
    return out;
}

// Pointer to a defined tensor's values, or null.
template <class T>
const T* data_or_null(const Tensor& t) {
    return t.defined() ? t.data_ptr<T>() : nullptr;
}

template <class T>
Tensor vector_tensor(const std::vector<double>& values) {
    Array<T> out = Array<T>::from_shape(Shape{values.size()});
    std::transform(values.begin(), values.end(), out.begin(),
                   [](double v) { return static_cast<T>(v); });
    return detail::make_tensor(std::move(out));
}

std::vector<std::int64_t> as_signed(ShapeView shape) {
    return std::vector<std::int64_t>(shape.begin(), shape.end());
}

// The axes batch_norm reduces over: all but the channel axis 1.
std::vector<std::int64_t> channel_axes(std::size_t rank) {
    std::vector<std::int64_t> axes{0};
    for (std::size_t axis = 2; axis < rank; ++axis) {
        axes.push_back(static_cast<std::int64_t>(axis));
    }
    return axes;
}

// A per-channel parameter (C) shaped (1, C, 1, ..., 1) to broadcast over input (N, C, *).
Tensor per_channel(const Tensor& p, std::size_t rank) {
    std::vector<std::int64_t> shape(rank, 1);
    shape[1] = -1;
    return reshape(p, shape);
}

void check_channel_param(const char* op, const Tensor& p, const char* what, const Tensor& input) {
    if (!p.defined()) {
        return;
    }
    detail::require<ShapeError>(p.dim() == 1 && p.shape()[0] == input.shape()[1],
                                "{}: {} must be (C) with C = {}; {} is {}, input is {}", op, what,
                                input.shape()[1], what, shape_string(p.shape()),
                                shape_string(input.shape()));
}

Tensor affine(Tensor y, const Tensor& weight, const Tensor& bias) {
    if (weight.defined()) {
        y = mul(y, weight);
    }
    if (bias.defined()) {
        y = add(y, bias);
    }
    return y;
}

// running = (1 - momentum) running + momentum * factor * batch, in place and unrecorded.
template <class T>
void update_running(const Tensor& running, const T* batch, double momentum, double factor) {
    Array<T>& r = detail::array_as<T>(running);
    for (std::size_t i = 0; i < r.size(); ++i) {
        r.data()[i] = static_cast<T>((1.0 - momentum) * r.data()[i] + momentum * factor * batch[i]);
    }
}

// y = (x - mean[c]) scale[c] + shift[c] over (N, C, *), in one pass: batch_norm's
// evaluation. mean and shift (C) may be undefined (0); all four get gradients.
Tensor channel_affine(const Tensor& x, const Tensor& mu, const Tensor& scale, const Tensor& shift) {
    AnyArray y = detail::visit("batch_norm", x, [&](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return detail::channel_affine_forward(a, data_or_null<T>(mu), scale.data_ptr<T>(),
                                              data_or_null<T>(shift));
    });
    return detail::record_op(
        Op::batch_norm_affine, std::move(y), {x, mu, scale, shift},
        [x, mu, scale](const BackwardCall& call) -> TensorList {
            const Tensor& g = call.grad_output;
            const std::vector<bool>& needs = call.needs_grad;
            TensorList grads(4);
            if (needs[0]) {
                grads[0] = channel_affine(g, Tensor(), scale, Tensor());  // (N, C, *)
            }
            if (!needs[1] && !needs[2] && !needs[3]) {
                return grads;
            }
            Tensor sum_g, sum_gc;  // (C): sum(g) and sum(g (x - mean))
            if (is_grad_enabled()) {
                const std::vector<std::int64_t> axes = channel_axes(x.dim());
                const Tensor centred = mu.defined() ? sub(x, per_channel(mu, x.dim())) : x;
                sum_g = reshape(sum(g, axes), {-1});
                sum_gc = reshape(sum(mul(g, centred), axes), {-1});
            } else {
                detail::visit("batch_norm", x, [&](const auto& a) {
                    using T = typename std::decay_t<decltype(a)>::value_type;
                    std::vector<double> sg, sgc;
                    detail::batch_norm_affine_sums(detail::array_as<T>(g), a, data_or_null<T>(mu),
                                                   sg, sgc);
                    sum_g = vector_tensor<T>(sg);
                    sum_gc = vector_tensor<T>(sgc);
                });
            }
            if (needs[1]) {
                grads[1] = neg(mul(scale, sum_g));
            }
            if (needs[2]) {
                grads[2] = sum_gc;
            }
            if (needs[3]) {
                grads[3] = sum_g;
            }
            return grads;
        });
}

// Gradients of batch_norm in training with respect to input, weight and bias.
// The fused backward's gradients to input, weight and bias, each kept where it is needed.
template <class T>
void keep_needed(TensorList& grads, const std::vector<bool>& needs, Array<T> dx, Array<T> dweight,
                 Array<T> dbias) {
    Array<T>* results[] = {&dx, &dweight, &dbias};
    for (std::size_t i = 0; i < 3; ++i) {
        if (needs[i]) {
            grads[i] = detail::make_tensor(std::move(*results[i]));
        }
    }
}

TensorList batch_norm_grads(const BackwardCall& call, const Tensor& x, const Tensor& weight,
                            const Tensor& mu, const Tensor& rstd, double eps) {
    const Tensor& g = call.grad_output;
    const std::vector<bool>& needs = call.needs_grad;
    TensorList grads(3);
    if (is_grad_enabled()) {
        const std::vector<std::int64_t> axes = channel_axes(x.dim());
        const Tensor w = weight.defined() ? per_channel(weight, x.dim()) : weight;
        NormGrads d = differentiable_backward(x, g, w, axes, eps, needs[0]);
        grads[0] = d.input;
        if (needs[1]) {
            grads[1] = reshape(sum(d.g_xhat, axes), {-1});
        }
        if (needs[2]) {
            grads[2] = reshape(sum(g, axes), {-1});
        }
        return grads;
    }

    detail::visit("batch_norm", x, [&](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> dx = needs[0] ? detail::fresh_array<T>(a.shape()) : Array<T>();
        Array<T> dweight = Array<T>::from_shape(Shape{x.shape()[1]});
        Array<T> dbias = Array<T>::from_shape(Shape{x.shape()[1]});
        detail::batch_norm_backward(detail::array_as<T>(g), a, data_or_null<T>(weight),
                                    mu.data_ptr<T>(), rstd.data_ptr<T>(),
                                    needs[0] ? dx.data() : nullptr, dweight.data(), dbias.data());
        keep_needed(grads, needs, std::move(dx), std::move(dweight), std::move(dbias));
    });
    return grads;
}

// batch_norm in training: fused forward (Note [Fused normalisation kernels]) and the
// running statistics' update.
Tensor batch_norm_training(const Tensor& input, const Tensor& running_mean,
                           const Tensor& running_var, const Tensor& weight, const Tensor& bias,
                           double momentum, double eps) {
    const std::size_t channels = input.shape()[1];
    const std::size_t n = input.numel() / channels;
    Tensor mu, rstd;  // (C), for backward
    AnyArray y = detail::visit("batch_norm", input, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        Array<T> batch_mean = Array<T>::from_shape(Shape{channels});
        Array<T> batch_var = Array<T>::from_shape(Shape{channels});
        Array<T> batch_rstd = Array<T>::from_shape(Shape{channels});
        Array<T> out =
            detail::batch_norm_forward(x, data_or_null<T>(weight), data_or_null<T>(bias), eps,
                                       batch_mean.data(), batch_var.data(), batch_rstd.data());
        if (running_mean.defined()) {
            const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
            update_running(running_mean, batch_mean.data(), momentum, 1.0);
            update_running(running_var, batch_var.data(), momentum, unbias);
        }
        mu = detail::make_tensor(std::move(batch_mean));
        rstd = detail::make_tensor(std::move(batch_rstd));
        return out;
    });
    return detail::record_op(Op::batch_norm, std::move(y), {input, weight, bias},
                             [input, weight, mu, rstd, eps](const BackwardCall& call) {
                                 return batch_norm_grads(call, input, weight, mu, rstd, eps);
                             });
}

// Gradients of layer_norm with respect to input, weight and bias, over the last `k` axes
// of x, which hold d values per row.
TensorList layer_norm_grads(const BackwardCall& call, const Tensor& x, const Tensor& weight,
                            const Tensor& mu, const Tensor& rstd, std::size_t k, std::size_t d,
                            double eps) {
    const Tensor& g = call.grad_output;
    const std::vector<bool>& needs = call.needs_grad;
    TensorList grads(3);
    const Shape normalized(x.shape().end() - static_cast<std::ptrdiff_t>(k), x.shape().end());
    if (is_grad_enabled()) {
        std::vector<std::int64_t> axes;
        for (std::size_t i = 0; i < k; ++i) {
            axes.push_back(-static_cast<std::int64_t>(i) - 1);
        }
        NormGrads dg = differentiable_backward(x, g, weight, axes, eps, needs[0]);
        grads[0] = dg.input;
        if (needs[1]) {
            grads[1] = sum_to(dg.g_xhat, normalized);
        }
        if (needs[2]) {
            grads[2] = sum_to(g, normalized);
        }
        return grads;
    }

    detail::visit("layer_norm", x, [&](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        Array<T> dx = needs[0] ? detail::fresh_array<T>(a.shape()) : Array<T>();
        Array<T> dweight = Array<T>::from_shape(normalized);
        Array<T> dbias = Array<T>::from_shape(normalized);
        detail::layer_norm_backward(detail::array_as<T>(g), a, d, data_or_null<T>(weight),
                                    mu.data_ptr<T>(), rstd.data_ptr<T>(),
                                    needs[0] ? dx.data() : nullptr, dweight.data(), dbias.data());
        keep_needed(grads, needs, std::move(dx), std::move(dweight), std::move(dbias));
    });
    return grads;
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
    detail::require_floating("batch_norm", input);
    detail::require_same_dtype("batch_norm", {&input, &running_mean, &running_var, &weight, &bias});
    detail::require<ShapeError>(input.dim() >= 2,
                                "batch_norm: input must be (N, C) or (N, C, *); input is {}",
                                shape_string(input.shape()));
    check_channel_param("batch_norm", running_mean, "running_mean", input);
    check_channel_param("batch_norm", running_var, "running_var", input);
    check_channel_param("batch_norm", weight, "weight", input);
    check_channel_param("batch_norm", bias, "bias", input);
    detail::require(running_mean.defined() == running_var.defined(),
                    "batch_norm: running_mean and running_var must both be given or both be "
                    "undefined; input is {}",
                    shape_string(input.shape()));
    const std::size_t channels = input.shape()[1];

    if (training) {
        const std::size_t n = channels == 0 ? 0 : input.numel() / channels;
        detail::require(n > 1,
                        "batch_norm: training needs more than 1 value per channel; input is {}",
                        shape_string(input.shape()));
        return batch_norm_training(input, running_mean, running_var, weight, bias, momentum, eps);
    }

    detail::require(running_mean.defined(),
                    "batch_norm: evaluation (training false) needs running_mean and "
                    "running_var; input is {}",
                    shape_string(input.shape()));
    // The (C) factors are small differentiable ops, so gradients still reach the running
    // statistics and the weight; the pass over the input is one fused op.
    Tensor scale = pow(add(running_var, eps), -0.5);
    if (weight.defined()) {
        scale = mul(scale, weight);
    }
    return channel_affine(input, running_mean, scale, bias);
}

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
    detail::require_floating("layer_norm", input);
    detail::require_same_dtype("layer_norm", {&input, &weight, &bias});
    const std::size_t k = normalized_shape.size();
    const ShapeView shape = input.shape();
    const bool trailing = k >= 1 && k <= shape.size() &&
                          std::equal(normalized_shape.begin(), normalized_shape.end(),
                                     shape.end() - static_cast<std::ptrdiff_t>(k));
    detail::require<ShapeError>(trailing,
                                "layer_norm: normalized_shape {} must be the trailing axes of the "
                                "input; input is {}",
                                shape_string(normalized_shape), shape_string(shape));
    for (const Tensor* p : {&weight, &bias}) {
        detail::require<ShapeError>(
            !p->defined() || std::ranges::equal(p->shape(), normalized_shape),
            "layer_norm: {} must have normalized_shape {}; it is {}",
            p == &weight ? "weight" : "bias", shape_string(normalized_shape),
            p->defined() ? shape_string(p->shape()) : "");
    }
    std::size_t d = 1;
    for (std::size_t size : normalized_shape) {
        d *= size;
    }

    // Fused forward (Note [Fused normalisation kernels]); mean and rstd (one per row) are
    // kept for backward.
    Tensor mu, rstd;
    AnyArray y = detail::visit("layer_norm", input, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        const std::size_t rows = d == 0 ? 0 : x.size() / d;
        Array<T> row_mean = Array<T>::from_shape(Shape{rows});
        Array<T> row_rstd = Array<T>::from_shape(Shape{rows});
        Array<T> out =
            detail::layer_norm_forward(x, d, data_or_null<T>(weight), data_or_null<T>(bias), eps,
                                       row_mean.data(), row_rstd.data());
        mu = detail::make_tensor(std::move(row_mean));
        rstd = detail::make_tensor(std::move(row_rstd));
        return out;
    });
    return detail::record_op(Op::layer_norm, std::move(y), {input, weight, bias},
                             [input, weight, mu, rstd, k, d, eps](const BackwardCall& call) {
                                 return layer_norm_grads(call, input, weight, mu, rstd, k, d, eps);
                             });
}

Tensor group_norm(const Tensor& input, std::int64_t num_groups, const Tensor& weight,
                  const Tensor& bias, double eps) {
    detail::require_floating("group_norm", input);
    detail::require_same_dtype("group_norm", {&input, &weight, &bias});
    detail::require<ShapeError>(input.dim() >= 2,
                                "group_norm: input must be (N, C, *); input is {}",
                                shape_string(input.shape()));
    const auto channels = static_cast<std::int64_t>(input.shape()[1]);
    detail::require(num_groups > 0 && channels % num_groups == 0,
                    "group_norm: num_groups {} must be positive and divide the {} channels; "
                    "input is {}",
                    num_groups, channels, shape_string(input.shape()));
    check_channel_param("group_norm", weight, "weight", input);
    check_channel_param("group_norm", bias, "bias", input);
    const std::size_t rank = input.dim();

    // (N, C, *) -> (N, G, C/G * prod(*)): each group's values sit on one row, which
    // layer_norm's fused kernel normalises.
    const auto batch = static_cast<std::int64_t>(input.shape()[0]);
    const Tensor grouped = reshape(input, {batch, num_groups, -1});
    const Tensor y = reshape(layer_norm(grouped, {grouped.shape()[2]}, Tensor(), Tensor(), eps),
                             as_signed(input.shape()));

    return affine(y, weight.defined() ? per_channel(weight, rank) : weight,
                  bias.defined() ? per_channel(bias, rank) : bias);
}

}  // namespace wengert
