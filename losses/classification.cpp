#include "classification.hpp"

#include <optional>

#include "loss_kernel.hpp"

namespace wengert {

namespace {

using detail::parse_reduction;

// The class-index targets of one batch, as constant tensors for the loss to multiply by.
struct ClassTargets {
    Tensor one_hot;  // input's shape: 1 at (n, y_n, ...) for targets not ignored, else 0
    Tensor kept;     // target's shape: 1 where the target is not ignored
    std::int64_t class_axis = 1;
    std::size_t classes = 0;
};

// Checks class-index targets against the input and builds their one-hot mask. The class
// axis is 1, or 0 for an unbatched (C) input with a 0-d target.
ClassTargets class_targets(const char* op, const Tensor& input, const Tensor& target,
                           std::optional<std::int64_t> ignore_index) {
    detail::require_defined(op, input);
    detail::require_defined(op, target, "target");
    detail::require_floating(op, input);
    detail::require_int64(op, target, "target");
    detail::require<ShapeError>(input.dim() >= 1, "{}: input must have a class axis; got shape {}",
                                op, shape_string(input.shape()));
    const std::size_t axis = input.dim() == 1 ? 0 : 1;
    Shape expected = detail::to_shape(input.shape());
    expected.erase(expected.begin() + static_cast<std::ptrdiff_t>(axis));
    detail::require<ShapeError>(std::ranges::equal(target.shape(), expected),
                                "{}: input of shape {} needs a target of shape {}; got {}", op,
                                shape_string(input.shape()), shape_string(expected),
                                shape_string(target.shape()));

    ClassTargets result;
    result.class_axis = static_cast<std::int64_t>(axis);
    result.classes = input.shape()[axis];
    std::size_t inner = 1;  // elements per class slice: d1 * d2 * ...
    for (std::size_t i = axis + 1; i < input.dim(); ++i) {
        inner *= input.shape()[i];
    }
    result.one_hot = zeros(detail::to_shape(input.shape()), input.dtype());
    result.kept = zeros(detail::to_shape(target.shape()), input.dtype());
    const std::int64_t* labels = target.data_ptr<std::int64_t>();
    const auto classes = static_cast<std::int64_t>(result.classes);
    detail::visit(result.one_hot, [&](auto& hot) {
        using T = typename std::decay_t<decltype(hot)>::value_type;
        T* kept = detail::array_as<T>(result.kept).data();
        for (std::size_t k = 0; k < target.numel(); ++k) {
            const std::int64_t y = labels[k];
            if (ignore_index && y == *ignore_index) {
                continue;
            }
            detail::require<std::out_of_range>(
                y >= 0 && y < classes,
                "{}: target {} at position {} is out of range for {} classes (expected 0 to "
                "{}{})",
                op, y, k, classes, classes - 1,
                ignore_index ? fmt::format(", or ignore_index {}", *ignore_index) : "");
            const std::size_t n = k / inner;
            const std::size_t r = k % inner;
            hot.data()[(n * result.classes + static_cast<std::size_t>(y)) * inner + r] = T(1);
            kept[k] = T(1);
        }
    });
    return result;
}

// The class weight reshaped to broadcast along the class axis: (C) becomes (1, C, 1, ...).
Tensor class_weight(const char* op, const Tensor& weight, const Tensor& input,
                    std::int64_t class_axis, std::size_t classes) {
    detail::require_floating(op, weight, "weight");
    detail::require<DtypeError>(weight.dtype() == input.dtype(), "{}: weight is {} but input is {}",
                                op, dtype_name(weight.dtype()), dtype_name(input.dtype()));
    detail::require<ShapeError>(weight.dim() == 1 && weight.shape()[0] == classes,
                                "{}: weight must have shape ({}) for {} classes; got {}", op,
                                classes, classes, shape_string(weight.shape()));
    std::vector<std::int64_t> shape(input.dim(), 1);
    shape[static_cast<std::size_t>(class_axis)] = static_cast<std::int64_t>(classes);
    return reshape(weight, shape);
}

// -sum_c w[c] one_hot * logp over the class axis, reduced with PyTorch's weighted mean.
Tensor weighted_nll(const char* op, const Tensor& logp, const ClassTargets& targets,
                    const Tensor& weight, Reduction reduction) {
    Tensor picked = weight.defined() ? mul(targets.one_hot, weight) : targets.one_hot;
    Tensor losses = neg(sum(mul(picked, logp), {targets.class_axis}));  // target's shape
    if (reduction == Reduction::mean) {
        return div(sum(losses), sum(picked));
    }
    return detail::reduce_loss(op, losses, reduction);
}

Tensor soft_cross_entropy(const Tensor& input, const Tensor& target,
                          const CrossEntropyOptions& options) {
    const char* op = "cross_entropy";
    detail::require_pair(op, input, target, "input", "target");
    detail::require<ShapeError>(input.dim() >= 1, "{}: input must have a class axis; got shape {}",
                                op, shape_string(input.shape()));
    const std::int64_t axis = input.dim() == 1 ? 0 : 1;
    const std::size_t classes = input.shape()[static_cast<std::size_t>(axis)];
    Tensor logp = log_softmax(input, axis);

    const double s = options.label_smoothing;
    Tensor t = s > 0 ? add(mul(target, 1.0 - s), s / static_cast<double>(classes)) : target;
    Tensor terms = mul(logp, t);
    if (options.weight.defined()) {
        terms = mul(terms, class_weight(op, options.weight, input, axis, classes));
    }
    Tensor losses = neg(sum(terms, {axis}));
    if (options.reduction == Reduction::mean) {
        // PyTorch divides by the number of samples, N * d1 * ..., whatever the weights (an
        // empty batch gives 0 / 0 = NaN, as there).
        return div(sum(losses), static_cast<double>(losses.numel()));
    }
    return detail::reduce_loss(op, losses, options.reduction);
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const NllLossOptions& options) {
    const char* op = "nll_loss";
    ClassTargets targets = class_targets(op, input, target, options.ignore_index);
    Tensor weight = options.weight.defined() ? class_weight(op, options.weight, input,
                                                            targets.class_axis, targets.classes)
                                             : Tensor();
    return weighted_nll(op, input, targets, weight, options.reduction);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     const CrossEntropyOptions& options) {
    const char* op = "cross_entropy";
    const double s = options.label_smoothing;
    detail::require(s >= 0.0 && s <= 1.0,
                    "cross_entropy: label_smoothing must lie in [0, 1]; got {}", s);
    detail::require_defined(op, target, "target");
    if (target.dtype() != kInt64) {
        return soft_cross_entropy(input, target, options);
    }

    ClassTargets targets = class_targets(op, input, target, options.ignore_index);
    Tensor weight = options.weight.defined() ? class_weight(op, options.weight, input,
                                                            targets.class_axis, targets.classes)
                                             : Tensor();
    Tensor logp = log_softmax(input, targets.class_axis);
    Tensor nll = weighted_nll(op, logp, targets, weight, options.reduction);
    if (s == 0) {
        return nll;
    }

    // The uniform part of the smoothed target: -sum_c w[c] logp_c per sample, zero where
    // the target is ignored, and the same divisor as the nll part for the mean.
    Tensor terms = weight.defined() ? mul(logp, weight) : logp;
    Tensor smooth = mul(neg(sum(terms, {targets.class_axis})), targets.kept);
    if (options.reduction == Reduction::mean) {
        Tensor picked = weight.defined() ? mul(targets.one_hot, weight) : targets.one_hot;
        smooth = div(sum(smooth), sum(picked));
    } else {
        smooth = detail::reduce_loss(op, smooth, options.reduction);
    }
    return add(mul(nll, 1.0 - s), mul(smooth, s / static_cast<double>(targets.classes)));
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int p, double margin,
                         const Tensor& weight, Reduction reduction) {
    const char* op = "multi_margin_loss";
    detail::require(p == 1 || p == 2, "multi_margin_loss: p must be 1 or 2; got {}", p);
    ClassTargets targets = class_targets(op, input, target, std::nullopt);
    detail::require<ShapeError>(input.dim() <= 2,
                                "multi_margin_loss: input must have shape (N, C) or (C); got {}",
                                shape_string(input.shape()));
    const std::int64_t axis = targets.class_axis;

    Tensor x_target = sum(mul(targets.one_hot, input), {axis}, true);  // (N, 1)
    Tensor others = sub(1.0, targets.one_hot);                         // (N, C)
    Tensor hinge = mul(relu(add(sub(input, x_target), margin)), others);
    if (p == 2) {
        hinge = mul(hinge, hinge);
    }
    if (weight.defined()) {
        Tensor w = class_weight(op, weight, input, axis, targets.classes);
        hinge = mul(hinge, sum(mul(targets.one_hot, w), {axis}, true));  // w[y_n], (N, 1)
    }
    Tensor losses = div(sum(hinge, {axis}), static_cast<double>(targets.classes));
    return detail::reduce_loss(op, losses, reduction);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, std::string_view reduction) {
    CrossEntropyOptions options;
    options.reduction = parse_reduction("cross_entropy", reduction);
    return cross_entropy(input, target, options);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, std::string_view reduction) {
    NllLossOptions options;
    options.reduction = parse_reduction("nll_loss", reduction);
    return nll_loss(input, target, options);
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int p, double margin,
                         const Tensor& weight, std::string_view reduction) {
    return multi_margin_loss(input, target, p, margin, weight,
                             parse_reduction("multi_margin_loss", reduction));
}

}  // namespace wengert
