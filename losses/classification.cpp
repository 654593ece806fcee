#include "classification.hpp"

#include <optional>

#include "loss_kernel.hpp"

namespace wengert {

namespace {

using detail::parse_reduction;

// The class-index targets of one batch, checked against the input.
struct ClassTargets {
    Tensor index;  // int64, input's shape with the class axis of size 1: y_n, 0 where ignored
    Tensor kept;   // target's shape, input's dtype: 1 where the target is not ignored
    std::vector<std::int64_t> target_shape;
    std::int64_t class_axis = 1;
    std::size_t classes = 0;
};

// Checks class-index targets against the input and builds the index for gather. The class
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
    result.target_shape.assign(target.shape().begin(), target.shape().end());
    Shape index_shape = detail::to_shape(input.shape());
    index_shape[axis] = 1;
    result.index = zeros(index_shape, kInt64);
    result.kept = zeros(detail::to_shape(target.shape()), input.dtype());
    const std::int64_t* labels = target.data_ptr<std::int64_t>();
    std::int64_t* index = result.index.data_ptr<std::int64_t>();
    const auto classes = static_cast<std::int64_t>(result.classes);
    detail::visit(result.kept, [&](auto& kept) {
        using T = typename std::decay_t<decltype(kept)>::value_type;
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
            index[k] = y;  // index has target's elements in target's order
            kept.data()[k] = T(1);
        }
    });
    return result;
}

// weight[y_n] in the shape `shape`, for a class weight from class_weight().
Tensor pick_weight(const Tensor& weight, const ClassTargets& targets,
                   const std::vector<std::int64_t>& shape) {
    return reshape(index_select(reshape(weight, {-1}), 0, reshape(targets.index, {-1})), shape);
}

// The weight of each sample in the target's shape: weight[y_n], 0 where ignored.
Tensor sample_weight(const Tensor& weight, const ClassTargets& targets) {
    if (!weight.defined()) {
        return targets.kept;
    }
    return mul(pick_weight(weight, targets, targets.target_shape), targets.kept);
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

// -w[y_n] logp[n, y_n], reduced with PyTorch's weighted mean.
Tensor weighted_nll(const char* op, const Tensor& logp, const ClassTargets& targets,
                    const Tensor& weight, Reduction reduction) {
    Tensor picked = sample_weight(weight, targets);  // target's shape
    Tensor logp_target = reshape(gather(logp, targets.class_axis, targets.index),
                                 targets.target_shape);
    Tensor losses = neg(mul(logp_target, picked));
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
        smooth = div(sum(smooth), sum(sample_weight(weight, targets)));
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

    Tensor x_target = gather(input, axis, targets.index);  // (N, 1)
    // The target class itself is left out of the sum: its hinge is set to 0.
    Tensor hinge = where(one_hot(target, static_cast<std::int64_t>(targets.classes)),
                         zeros({}, input.dtype()), relu(add(sub(input, x_target), margin)));
    if (p == 2) {
        hinge = mul(hinge, hinge);
    }
    if (weight.defined()) {
        Tensor w = class_weight(op, weight, input, axis, targets.classes);
        std::vector<std::int64_t> shape(x_target.shape().begin(), x_target.shape().end());
        hinge = mul(hinge, pick_weight(w, targets, shape));  // w[y_n], (N, 1)
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
