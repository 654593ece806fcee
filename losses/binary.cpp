// Binary, divergence and focal losses of classification.hpp.
#include <cmath>

#include "classification.hpp"
#include "loss_kernel.hpp"

namespace wengert {

namespace {

using detail::parse_reduction;

// log(p) clamped below at -100, as PyTorch's binary_cross_entropy does. Where the log would
// fall below -100 (p under e^-100, zero included), the term is the constant -100 and the
// log is taken of 1 instead, so neither value nor gradient becomes inf or NaN there.
Tensor clamped_log(const Tensor& p) {
    const double floor = std::exp(-100.0);
    Tensor kept = gt(p, floor);
    Tensor safe = where(kept, p, scalar_tensor(1.0, p.dtype()));
    return where(kept, log(safe), scalar_tensor(-100.0, p.dtype()));
}

// softplus(-x) = log(1 + exp(-x)) in the stable form PyTorch uses: with m = max(-x, 0),
// m + log(exp(-m) + exp(-x - m)), where neither exponent is positive.
Tensor softplus_neg(const Tensor& x) {
    Tensor m = relu(neg(x));
    return add(m, log(add(exp(neg(m)), exp(sub(neg(x), m)))));
}

Tensor bce_with_logits_terms(const char* op, const Tensor& input, const Tensor& target,
                             const Tensor& weight, const Tensor& pos_weight) {
    detail::require_pair(op, input, target);
    detail::require_broadcasts_to(op, weight, input, input.shape(), "weight");
    detail::require_broadcasts_to(op, pos_weight, input, input.shape(), "pos_weight");

    Tensor linear = mul(sub(1.0, target), input);
    Tensor softplus = softplus_neg(input);
    if (pos_weight.defined()) {
        Tensor log_weight = add(mul(sub(pos_weight, 1.0), target), 1.0);
        softplus = mul(log_weight, softplus);
    }
    Tensor loss = add(linear, softplus);
    return weight.defined() ? mul(loss, weight) : loss;
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
    const char* op = "binary_cross_entropy";
    detail::require_pair(op, input, target);
    detail::require_broadcasts_to(op, weight, input, input.shape(), "weight");
    const std::vector<double> values = input.to_vector();
    for (std::size_t i = 0; i < values.size(); ++i) {
        detail::require(values[i] >= 0.0 && values[i] <= 1.0,
                        "binary_cross_entropy: input values must be probabilities in [0, 1]; "
                        "element {} is {}",
                        i, values[i]);
    }

    Tensor loss = neg(
        add(mul(target, clamped_log(input)), mul(sub(1.0, target), clamped_log(sub(1.0, input)))));
    if (weight.defined()) {
        loss = mul(loss, weight);
    }
    return detail::reduce_loss(op, loss, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, Reduction reduction,
                                        const Tensor& pos_weight) {
    const char* op = "binary_cross_entropy_with_logits";
    return detail::reduce_loss(op, bce_with_logits_terms(op, input, target, weight, pos_weight),
                               reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
    const char* op = "kl_div";
    detail::require_pair(op, input, target);

    Tensor loss;
    if (log_target) {
        loss = mul(exp(target), sub(target, input));
    } else {
        // xlogy(t, t) - t * input: t log t is taken as 0 where t = 0 (log of 1 there).
        Tensor safe = where(gt(target, 0.0), target, scalar_tensor(1.0, target.dtype()));
        loss = sub(mul(target, log(safe)), mul(target, input));
    }
    if (reduction == Reduction::batchmean) {
        const double batch = input.dim() == 0 ? 1.0 : static_cast<double>(input.shape()[0]);
        return div(sum(loss), batch);
    }
    return detail::reduce_loss(op, loss, reduction);
}

Tensor sigmoid_focal_loss(const Tensor& inputs, const Tensor& targets, double alpha, double gamma,
                          Reduction reduction) {
    const char* op = "sigmoid_focal_loss";
    detail::require(gamma >= 0, "sigmoid_focal_loss: gamma must be non-negative; got {}", gamma);
    Tensor ce = bce_with_logits_terms(op, inputs, targets, Tensor(), Tensor());

    Tensor p = sigmoid(inputs);
    Tensor p_t = add(mul(p, targets), mul(sub(1.0, p), sub(1.0, targets)));
    // (1 - p_t)^0 is 1; skipping pow also avoids its 0 * inf gradient when p_t is 1.
    Tensor loss = gamma == 0 ? ce : mul(ce, pow(sub(1.0, p_t), gamma));
    if (alpha >= 0) {
        Tensor alpha_t = add(mul(targets, alpha), mul(sub(1.0, targets), 1.0 - alpha));
        loss = mul(alpha_t, loss);
    }
    return detail::reduce_loss(op, loss, reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            std::string_view reduction) {
    return binary_cross_entropy(input, target, weight,
                                parse_reduction("binary_cross_entropy", reduction));
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, std::string_view reduction,
                                        const Tensor& pos_weight) {
    return binary_cross_entropy_with_logits(
        input, target, weight, parse_reduction("binary_cross_entropy_with_logits", reduction),
        pos_weight);
}

Tensor kl_div(const Tensor& input, const Tensor& target, std::string_view reduction,
              bool log_target) {
    return kl_div(input, target, parse_reduction("kl_div", reduction, /*allow_batchmean=*/true),
                  log_target);
}

Tensor sigmoid_focal_loss(const Tensor& inputs, const Tensor& targets, double alpha, double gamma,
                          std::string_view reduction) {
    return sigmoid_focal_loss(inputs, targets, alpha, gamma,
                              parse_reduction("sigmoid_focal_loss", reduction));
}

}  // namespace wengert
