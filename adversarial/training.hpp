#pragma once
// Adversarial training and robust-accuracy evaluation.
//
// adversarial_loss() returns the loss of one training batch under a chosen defence; the
// caller backpropagates it and steps its optimizer as usual. The attack inside it runs in
// evaluation mode (attacks.hpp); the loss it returns is computed in the model's own mode.
//
// References: Madry et al. 2018 (PGD adversarial training); Wong, Rice and Kolter 2020,
// "Fast is better than free" (one FGSM step from a random start, step 1.25 eps); Goodfellow
// et al. 2015 (the mixed clean/adversarial objective); Zhang et al. 2019, "Theoretically
// Principled Trade-off between Robustness and Accuracy" (TRADES).

#include <vector>

#include "../data/dataset.hpp"
#include "../train/loop.hpp"
#include "attacks.hpp"

namespace wengert::adversarial {

enum class Defence {
    none,       ///< the clean loss only
    pgd,        ///< Madry: the loss at a PGD adversary
    fast_fgsm,  ///< Wong et al.: one FGSM step of 1.25 eps from a uniform random start
    /// Zhang et al.: clean loss + beta * KL(clean || adversarial predictions), the adversary
    /// maximising that KL with PGD (from a uniform random start in the ball, where the
    /// paper starts at a 0.001-scaled Gaussian; both only break the symmetry at x).
    trades,
};

struct AdversarialTrainingOptions {
    Defence defence = Defence::pgd;
    /// The attack used to make the adversarial batch (its eps, steps, range, generator).
    /// For fast_fgsm only eps, the range and the generator are read.
    PgdOptions attack;
    /// Weight of the clean loss in (clean_weight * clean + (1 - clean_weight) * adversarial),
    /// for pgd and fast_fgsm; 0 trains on adversarial samples only.
    double clean_weight = 0.0;
    /// TRADES' trade-off between accuracy and robustness.
    double trades_beta = 6.0;
};

/// The training loss of one batch under `options.defence`: a scalar with history through the
/// model's parameters (never through the adversarial inputs, which are constants).
Tensor adversarial_loss(const ModelRef& model, const LossFn& loss, const Tensor& inputs,
                        const Tensor& targets, const AdversarialTrainingOptions& options);

/// The same loss together with the logits on the adversarial batch (pgd, fast_fgsm and
/// trades; the clean logits for Defence::none), computed in the model's own mode, so that
/// train::fit's batch_loss hook reports the training accuracy under the training attack.
/// The clean forward of a mixed objective or of TRADES does not count towards it.
train::BatchOutput adversarial_batch(const ModelRef& model, const LossFn& loss,
                                     const Tensor& inputs, const Tensor& targets,
                                     const AdversarialTrainingOptions& options);

/// How accuracy is measured under attack.
enum class Attack { none, fgsm, pgd };

struct RobustAccuracy {
    double eps;
    double accuracy;
};

/// Accuracy of `model` on (inputs, targets) in batches of `batch_size`, clean (Attack::none)
/// or under FGSM or PGD (with `attack`'s steps, step size and norm) at each eps of
/// `eps_values`. `targets` are int64 class indices; predictions are the argmax of the logits.
std::vector<RobustAccuracy> robust_accuracy(const ModelRef& model, const LossFn& loss,
                                            const Tensor& inputs, const Tensor& targets,
                                            const std::vector<double>& eps_values, Attack kind,
                                            const PgdOptions& attack, std::size_t batch_size);

/// The same over one pass of a data loader's batches (its batch size and order).
std::vector<RobustAccuracy> robust_accuracy(const ModelRef& model, const LossFn& loss,
                                            DataLoader& loader,
                                            const std::vector<double>& eps_values, Attack kind,
                                            const PgdOptions& attack);

}  // namespace wengert::adversarial
