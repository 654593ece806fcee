#include "training.hpp"

#include <algorithm>

#include "../autograd/error.hpp"
#include "../autograd/grad_mode.hpp"
#include "../losses/losses.hpp"
#include "../ops/ops.hpp"
#include "../train/loop.hpp"

namespace wengert::adversarial {

namespace {

// clean_weight * clean + (1 - clean_weight) * adversarial, skipping the clean forward when
// its weight is zero; the logits handed back are the adversarial ones.
train::BatchOutput mixed(const ModelRef& model, const LossFn& loss, const Tensor& inputs,
                         const Tensor& targets, const Tensor& adversarial_inputs,
                         double clean_weight) {
    const Tensor logits = model.forward(adversarial_inputs);
    const Tensor adversarial = loss(logits, targets);
    if (clean_weight == 0.0) {
        return {adversarial, logits};
    }
    const Tensor clean = loss(model.forward(inputs), targets);
    return {add(mul(clean, clean_weight), mul(adversarial, 1.0 - clean_weight)), logits};
}

train::BatchOutput trades_loss(const ModelRef& model, const LossFn& loss, const Tensor& inputs,
                               const Tensor& targets, const AdversarialTrainingOptions& options) {
    Tensor clean_probabilities;
    {
        detail::EvalModeScope eval(model);
        NoGradGuard no_grad;
        clean_probabilities = softmax(model.forward(inputs), 1);
    }
    // The adversary raises KL(p(x) || p(x')); its "targets" are the clean probabilities.
    const LossFn divergence = [](const Tensor& logits, const Tensor& probabilities) {
        return kl_div(log_softmax(logits, 1), probabilities, Reduction::sum);
    };
    PgdOptions attack = options.attack;
    attack.targeted = false;
    const Tensor adversarial = pgd(model, divergence, inputs, clean_probabilities, attack);

    const Tensor logits = model.forward(inputs);
    const Tensor adversarial_logits = model.forward(adversarial);
    const Tensor robust =
        kl_div(log_softmax(adversarial_logits, 1), softmax(logits, 1), Reduction::batchmean);
    return {add(loss(logits, targets), mul(robust, options.trades_beta)), adversarial_logits};
}

}  // namespace

train::BatchOutput adversarial_batch(const ModelRef& model, const LossFn& loss,
                                     const Tensor& inputs, const Tensor& targets,
                                     const AdversarialTrainingOptions& options) {
    wengert::detail::require(options.clean_weight >= 0.0 && options.clean_weight <= 1.0,
                             "adversarial_loss: clean_weight must be in [0, 1]; got {}",
                             options.clean_weight);
    wengert::detail::require(options.trades_beta >= 0.0,
                             "adversarial_loss: trades_beta must be non-negative; got {}",
                             options.trades_beta);
    switch (options.defence) {
        case Defence::none: {
            const Tensor logits = model.forward(inputs);
            return {loss(logits, targets), logits};
        }
        case Defence::pgd: {
            const Tensor adversarial = pgd(model, loss, inputs, targets, options.attack);
            return mixed(model, loss, inputs, targets, adversarial, options.clean_weight);
        }
        case Defence::fast_fgsm: {
            // A uniform start in the ball, then one signed step of 1.25 eps, projected back:
            // Wong et al.'s recipe, which is PGD with one step.
            PgdOptions fast = options.attack;
            fast.norm = Norm::linf;
            fast.steps = 1;
            fast.step_size = 1.25 * fast.eps;
            fast.random_start = true;
            const Tensor adversarial = pgd(model, loss, inputs, targets, fast);
            return mixed(model, loss, inputs, targets, adversarial, options.clean_weight);
        }
        case Defence::trades:
            return trades_loss(model, loss, inputs, targets, options);
    }
    wengert::detail::internal_error("adversarial_loss", "unknown defence");
}

Tensor adversarial_loss(const ModelRef& model, const LossFn& loss, const Tensor& inputs,
                        const Tensor& targets, const AdversarialTrainingOptions& options) {
    return adversarial_batch(model, loss, inputs, targets, options).loss;
}

namespace {

// Correct predictions on one batch, under the attack at `eps` (none: clean).
std::size_t correct_under_attack(const ModelRef& model, const LossFn& loss, const Tensor& x,
                                 const Tensor& y, double eps, Attack kind,
                                 const PgdOptions& attack) {
    Tensor attacked = x;
    if (kind != Attack::none) {
        PgdOptions options = attack;
        options.eps = eps;
        attacked = kind == Attack::fgsm ? fgsm(model, loss, x, y, options)
                                        : pgd(model, loss, x, y, options);
    }
    NoGradGuard no_grad;
    return train::count_correct(model.forward(attacked), y);
}

const std::vector<double>& eps_list(Attack kind, const std::vector<double>& eps_values) {
    static const std::vector<double> clean_only{0.0};
    return kind == Attack::none ? clean_only : eps_values;
}

}  // namespace

std::vector<RobustAccuracy> robust_accuracy(const ModelRef& model, const LossFn& loss,
                                            DataLoader& loader,
                                            const std::vector<double>& eps_values, Attack kind,
                                            const PgdOptions& attack) {
    detail::EvalModeScope eval(model);
    std::vector<RobustAccuracy> results;
    for (double eps : eps_list(kind, eps_values)) {
        std::size_t correct = 0, seen = 0;
        for (const Batch& batch : loader) {
            correct +=
                correct_under_attack(model, loss, batch.inputs, batch.targets, eps, kind, attack);
            seen += batch.inputs.shape()[0];
        }
        results.push_back({eps, seen == 0 ? 0.0 : static_cast<double>(correct) / seen});
    }
    return results;
}

std::vector<RobustAccuracy> robust_accuracy(const ModelRef& model, const LossFn& loss,
                                            const Tensor& inputs, const Tensor& targets,
                                            const std::vector<double>& eps_values, Attack kind,
                                            const PgdOptions& attack, std::size_t batch_size) {
    wengert::detail::require(batch_size > 0, "robust_accuracy: batch_size must be positive");
    wengert::detail::require(
        inputs.dim() >= 1 && targets.dim() == 1 && inputs.shape()[0] == targets.shape()[0],
        "robust_accuracy: inputs {} and targets {} must share their first axis",
        shape_string(inputs.shape()), shape_string(targets.shape()));
    detail::EvalModeScope eval(model);

    const std::size_t n = inputs.shape()[0];
    std::vector<RobustAccuracy> results;
    for (double eps : eps_list(kind, eps_values)) {
        std::size_t correct = 0;
        for (std::size_t start = 0; start < n; start += batch_size) {
            const auto length = static_cast<std::int64_t>(std::min(batch_size, n - start));
            const Tensor x = narrow(inputs, 0, static_cast<std::int64_t>(start), length);
            const Tensor y = narrow(targets, 0, static_cast<std::int64_t>(start), length);
            correct += correct_under_attack(model, loss, x, y, eps, kind, attack);
        }
        results.push_back({eps, n == 0 ? 0.0 : static_cast<double>(correct) / n});
    }
    return results;
}

}  // namespace wengert::adversarial
