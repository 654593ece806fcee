#pragma once
// Adversarial samples from input gradients: FGSM and PGD.
//
// An attack perturbs a batch of inputs to raise a model's loss (untargeted) or to lower its
// loss toward chosen target classes (targeted), within an eps-ball around the clean inputs
// and within the valid input range. The input gradient comes from grad(loss, input), which
// never touches the parameters' .grad() and frees the attack's graph after each step, so an
// attack can run between a training step's backward and its optimizer step without changing
// either. While an attack runs the model is put in evaluation mode (dropout off, batch norm
// on its running statistics) and its previous mode is restored after, also on exceptions.
//
// References: Goodfellow et al. 2015, "Explaining and Harnessing Adversarial Examples"
// (FGSM); Madry et al. 2018, "Towards Deep Learning Models Resistant to Adversarial
// Attacks" (PGD).

#include <cstdint>
#include <functional>

#include "../autograd/tensor.hpp"

namespace wengert::adversarial {

/// What an attack needs of a model: its forward function (a batch of inputs to logits)
/// and, optionally, a way to read and set its training mode.
struct ModelRef {
    std::function<Tensor(const Tensor&)> forward;
    /// Both set, or both empty (then the mode is left alone).
    std::function<bool()> is_training;
    std::function<void(bool)> set_training;
};

/// The loss an attack raises: (logits, targets) -> scalar tensor; usually cross_entropy.
using LossFn = std::function<Tensor(const Tensor& logits, const Tensor& targets)>;

/// The norm of the eps-ball.
enum class Norm { linf, l2 };

struct AttackOptions {
    /// Radius of the ball around the clean input (in the input's units).
    double eps = 0.1;
    /// Valid input range; the adversarial input is clamped into it at every step.
    double clip_min = 0.0;
    double clip_max = 1.0;
    /// Targeted: `targets` are the classes to reach, and the attack descends their loss.
    bool targeted = false;
};

struct PgdOptions : AttackOptions {
    Norm norm = Norm::linf;
    /// Step size (alpha); by default 2.5 * eps / steps, as Madry et al. suggest.
    double step_size = 0.0;
    int steps = 10;
    /// Start at a uniformly random point of the ball (Linf) or a random direction at a
    /// uniformly random radius (L2), instead of at the clean input.
    bool random_start = true;
    /// Source of the random start; the process default generator when null.
    Generator* generator = nullptr;
};

/// Fast gradient sign method: x + eps * sign(d loss / d x) (minus for targeted), clamped to
/// [clip_min, clip_max]. `inputs` is a float batch whose first axis is the batch; the result
/// has no history and the same shape and dtype. Throws std::invalid_argument for eps < 0 or
/// clip_min > clip_max, and for a loss that is not a scalar.
Tensor fgsm(const ModelRef& model, const LossFn& loss, const Tensor& inputs,
            const Tensor& targets, const AttackOptions& options);

/// Projected gradient descent under the Linf or L2 norm: `steps` steps of size step_size
/// along sign(gradient) (Linf) or gradient / ||gradient||_2 per sample (L2), each followed by
/// a projection onto the eps-ball around `inputs` and onto [clip_min, clip_max].
Tensor pgd(const ModelRef& model, const LossFn& loss, const Tensor& inputs,
           const Tensor& targets, const PgdOptions& options);

/// d loss(model(x), targets) / d x, with the model in its current mode and no effect on any
/// parameter's .grad(). Exposed for tests and for custom attacks.
Tensor input_gradient(const ModelRef& model, const LossFn& loss, const Tensor& inputs,
                      const Tensor& targets);

namespace detail {
/// Restores a model's training mode when it goes out of scope.
class EvalModeScope {
public:
    explicit EvalModeScope(const ModelRef& model);
    ~EvalModeScope();
    EvalModeScope(const EvalModeScope&) = delete;
    EvalModeScope& operator=(const EvalModeScope&) = delete;

private:
    const ModelRef& model_;
    bool was_training_ = false;
};
}  // namespace detail

}  // namespace wengert::adversarial
