#include "norm.hpp"

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "reduce.hpp"
#include "shape.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;

std::vector<std::int64_t> as_signed(ShapeView shape) {
    return std::vector<std::int64_t>(shape.begin(), shape.end());
}

// (x - mean) / sqrt(var + eps) over `axes`, with the biased variance; `var` receives the
// variance (keepdim) for callers that track running statistics. A defined `weight` of the
// statistics' shape (batch_norm's per-channel weight) is folded into the small factor
// 1 / sqrt(var + eps), which saves a pass over the whole input forward and two backward.
Tensor normalize(const Tensor& x, const std::vector<std::int64_t>& axes, double eps,
                 Tensor* mean_out = nullptr, Tensor* var_out = nullptr,
                 const Tensor& weight = Tensor()) {
    const Tensor mu = mean(x, axes, true);
    const Tensor centred = sub(x, mu);
    const Tensor var = mean(mul(centred, centred), axes, true);
    if (mean_out != nullptr) {
        *mean_out = mu;
    }
    if (var_out != nullptr) {
        *var_out = var;
    }
    Tensor scale = pow(add(var, eps), -0.5);
    if (weight.defined()) {
        scale = mul(scale, weight);
    }
    return mul(centred, scale);
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
void update_running(const Tensor& running, const Tensor& batch, double momentum, double factor) {
    detail::visit("batch_norm", running, [&](auto& r) {
        using T = typename std::decay_t<decltype(r)>::value_type;
        const T* b = batch.data_ptr<T>();
        for (std::size_t i = 0; i < r.size(); ++i) {
            r.data()[i] = static_cast<T>((1.0 - momentum) * r.data()[i] + momentum * factor * b[i]);
        }
    });
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
    const std::size_t rank = input.dim();
    const std::size_t channels = input.shape()[1];
    const Tensor channel_weight = weight.defined() ? per_channel(weight, rank) : Tensor();

    Tensor y;
    if (training) {
        const std::size_t n = channels == 0 ? 0 : input.numel() / channels;
        detail::require(n > 1,
                        "batch_norm: training needs more than 1 value per channel; input is {}",
                        shape_string(input.shape()));
        std::vector<std::int64_t> axes{0};
        for (std::size_t axis = 2; axis < rank; ++axis) {
            axes.push_back(static_cast<std::int64_t>(axis));
        }
        Tensor batch_mean, batch_var;
        y = normalize(input, axes, eps, &batch_mean, &batch_var, channel_weight);
        if (running_mean.defined()) {
            NoGradGuard no_grad;
            const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
            update_running(running_mean, batch_mean, momentum, 1.0);
            update_running(running_var, batch_var, momentum, unbias);
        }
    } else {
        detail::require(running_mean.defined(),
                        "batch_norm: evaluation (training false) needs running_mean and "
                        "running_var; input is {}",
                        shape_string(input.shape()));
        Tensor scale = pow(add(per_channel(running_var, rank), eps), -0.5);
        if (channel_weight.defined()) {
            scale = mul(scale, channel_weight);
        }
        y = mul(sub(input, per_channel(running_mean, rank)), scale);
    }

    // The weight is already in y (folded into the per-channel scale).
    return affine(y, Tensor(), bias.defined() ? per_channel(bias, rank) : bias);
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

    std::vector<std::int64_t> axes;
    for (std::size_t i = 0; i < k; ++i) {
        axes.push_back(-static_cast<std::int64_t>(i) - 1);
    }

    return affine(normalize(input, axes, eps), weight, bias);
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

    // (N, C, *) -> (N, G, C/G * prod(*)): each group's values sit on one row.
    const auto batch = static_cast<std::int64_t>(input.shape()[0]);
    const Tensor grouped = reshape(input, {batch, num_groups, -1});
    const Tensor y = reshape(normalize(grouped, {2}, eps), as_signed(input.shape()));

    return affine(y, weight.defined() ? per_channel(weight, rank) : weight,
                  bias.defined() ? per_channel(bias, rank) : bias);
}

}  // namespace wengert
