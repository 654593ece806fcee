#pragma once
// The training loop every example shares: fit() and evaluate().
//
//   train::FitOptions options;
//   options.epochs = 10;
//   options.loss = [](const Tensor& logits, const Tensor& y) { return cross_entropy(logits, y); };
//   options.output_dir = "out/fashion_mlp";        // metrics.csv and PNG plots
//   train::History history = train::fit(model, optimizer, train_loader, &test_loader, options);
//
// One epoch: the model in training mode, for each batch forward, loss, zero_grad, backward,
// the after_backward hook (gradient clipping), the optimizer step and the after_step hook
// (per-batch schedulers); then evaluation on the test loader, one CSV row, and the
// after_epoch hook (per-epoch schedulers, batch-size schedules). A progress bar is drawn on
// stderr when it is a terminal.

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "../autograd/tensor.hpp"
#include "../data/dataset.hpp"
#include "../nn/module.hpp"
#include "../optim/optimizer.hpp"

namespace wengert::train {

/// (model output, targets) -> scalar loss.
using LossFn = std::function<Tensor(const Tensor& output, const Tensor& targets)>;

/// What a FitOptions::batch_loss hook hands back: the scalar to backpropagate and, when the
/// hook has them, the model's outputs (N, C) on the batch, from which fit counts the training
/// accuracy against the batch's targets. A hook that returns only a Tensor converts
/// implicitly, leaving `output` undefined.
struct BatchOutput {
    // Implicit, so that hooks returning just the loss keep compiling.
    BatchOutput(Tensor value) : loss(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    BatchOutput(Tensor value, Tensor outputs)
        : loss(std::move(value)), output(std::move(outputs)) {}
    Tensor loss;
    Tensor output;  ///< undefined when the hook does not hand back its outputs
};

/// The share of rows of `logits` (N, C) whose largest entry (the first on ties) is at
/// `targets` (int64, N). ShapeError when the shapes do not match.
double accuracy(const Tensor& logits, const Tensor& targets);
/// The number of such rows.
std::size_t count_correct(const Tensor& logits, const Tensor& targets);

struct Evaluation {
    double loss = 0.0;      ///< mean over samples (batch losses weighted by batch size)
    double accuracy = 0.0;  ///< share of correct argmax predictions; 0 when not classifying
    std::size_t samples = 0;
};

/// Loss and accuracy of `model` over one pass of `loader`, in evaluation mode and under
/// NoGradGuard; the model's mode is restored afterwards. With `classify` false, accuracy is
/// not computed (regression targets).
Evaluation evaluate(Module& model, DataLoader& loader, const LossFn& loss, bool classify = true);

/// What fit() records after each epoch (one CSV row).
struct EpochRecord {
    std::size_t epoch = 0;  ///< 1-based
    double train_loss = 0.0;
    double train_accuracy = 0.0;
    double test_loss = 0.0;
    double test_accuracy = 0.0;
    double lr = 0.0;  ///< of the first parameter group, at the end of the epoch
    std::size_t batch_size = 0;
    double seconds = 0.0;  ///< training time of the epoch, evaluation excluded
};

struct History {
    std::vector<EpochRecord> epochs;
    double seconds = 0.0;  ///< all epochs, evaluation included
};

struct FitOptions {
    std::size_t epochs = 1;
    /// The training and evaluation loss (required, also when batch_loss is set).
    LossFn loss;
    /// Classification: accuracy is recorded (argmax of the output against int64 targets).
    bool classify = true;
    /// When set, replaces forward + loss for a training batch (adversarial training, custom
    /// objectives): returns the scalar to backpropagate, and optionally the outputs it was
    /// computed from. The reported train loss is the scalar's value; the train accuracy is
    /// counted on the outputs handed back (for adversarial training, adversarial::
    /// adversarial_batch hands back the logits on the adversarial batch, so it is the
    /// accuracy under the training attack), and is NaN when a batch hands back none.
    std::function<BatchOutput(Module& model, const Batch& batch)> batch_loss;
    /// After backward, before the optimizer step: gradient clipping.
    std::function<void()> after_backward;
    /// After each optimizer step: per-batch schedulers (OneCycleLR, CyclicLR).
    std::function<void()> after_step;
    /// After each epoch's evaluation: per-epoch schedulers, ReduceLROnPlateau, batch-size
    /// schedules (loader.set_batch_size applies from the next epoch).
    std::function<void(const EpochRecord&)> after_epoch;
    /// When not empty: `<output_dir>/<run_name>metrics.csv`, flushed every epoch, and PNG
    /// plots of loss, accuracy, learning rate and batch size when gnuplot is installed.
    std::string output_dir;
    std::string run_name;
    /// Draw a progress bar on stderr (only when it is a terminal).
    bool progress = true;
    /// Print one summary line per epoch on stderr.
    bool log_epochs = true;
};

/// Trains `model` with `optimizer` over `train` for options.epochs epochs, evaluating on
/// `test` (may be null) after each. Throws std::invalid_argument when options.loss is empty,
/// std::runtime_error when the loss becomes NaN or infinite (naming
/// the epoch and batch, so a diverging learning rate is caught where it happens).
History fit(Module& model, optim::Optimizer& optimizer, DataLoader& train, DataLoader* test,
            const FitOptions& options);

}  // namespace wengert::train
