#pragma once
// Batch-size schedules, consumed between epochs by a data loader (loader.set_batch_size(
// schedule.batch_size(epoch))), and the linear scaling rule for the learning rate.
// Schedules know nothing of loaders or optimizers, so any loop can use them.

#include <cstddef>
#include <cstdint>

namespace wengert::optim {

/// A batch size for every epoch (0, 1, ...).
class BatchSizeSchedule {
public:
    virtual ~BatchSizeSchedule() = default;
    /// Throws std::out_of_range for a negative epoch.
    virtual std::size_t batch_size(std::int64_t epoch) const = 0;
};

/// The same batch size in every epoch.
class FixedBatchSize : public BatchSizeSchedule {
public:
    /// Throws std::invalid_argument when batch_size is 0.
    explicit FixedBatchSize(std::size_t batch_size);
    std::size_t batch_size(std::int64_t epoch) const override;

private:
    std::size_t batch_size_;
};

/// Step-wise growth: batch_size(e) = min(max_batch_size, round(initial * factor^floor(e /
/// step_size))). Throws std::invalid_argument unless initial >= 1, step_size >= 1,
/// factor >= 1 and max_batch_size >= initial.
class StepBatchSize : public BatchSizeSchedule {
public:
    StepBatchSize(std::size_t initial, std::int64_t step_size, double factor,
                  std::size_t max_batch_size);
    std::size_t batch_size(std::int64_t epoch) const override;

private:
    std::size_t initial_;
    std::int64_t step_size_;
    double factor_;
    std::size_t max_;
};

/// "Don't decay the learning rate, increase the batch size" (Smith, Kindermans, Ying and Le,
/// ICLR 2018): where StepLR(step_size, gamma) would multiply the lr by gamma < 1, multiply
/// the batch size by 1 / gamma instead; once a further increase would pass max_batch_size,
/// keep the batch size and decay the lr by gamma as StepLR would. With k = floor(e /
/// step_size) and K the number of increases that fit (initial / gamma^K <= max_batch_size):
///   batch_size(e) = round(initial / gamma^min(k, K)),   lr_factor(e) = gamma^max(0, k - K).
/// Drive the lr with LambdaLR(optimizer, [&](auto e) { return schedule.lr_factor(e); }).
/// Throws std::invalid_argument unless initial >= 1, step_size >= 1, 0 < gamma < 1 and
/// max_batch_size >= initial.
class BatchSizeInsteadOfLRDecay : public BatchSizeSchedule {
public:
    BatchSizeInsteadOfLRDecay(std::size_t initial, std::int64_t step_size, double gamma,
                              std::size_t max_batch_size);
    std::size_t batch_size(std::int64_t epoch) const override;
    /// The factor on the base lr in `epoch`: 1 while the batch size can still grow.
    double lr_factor(std::int64_t epoch) const;
    /// K: how many times the batch size grows before the lr takes over.
    std::int64_t increases() const noexcept { return increases_; }

private:
    std::size_t initial_;
    std::int64_t step_size_;
    double gamma_;
    std::int64_t increases_;
};

/// The linear scaling rule (Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet
/// in 1 Hour", 2017): lr = base_lr * batch / base_batch. Throws std::invalid_argument when
/// base_batch is 0 or base_lr < 0.
double linear_scaling_lr(double base_lr, std::size_t base_batch, std::size_t batch);

/// Gradual warmup (Goyal et al. 2017, section 2.2): the lr rises linearly from start_lr at
/// step 0 to target_lr at step warmup_steps and stays there:
///   lr = start_lr + (target_lr - start_lr) * min(step, warmup_steps) / warmup_steps.
/// warmup_steps = 0 gives target_lr. The same schedule as LinearLR(optimizer, start_lr /
/// target_lr, 1.0, warmup_steps) on an optimizer whose lr is target_lr. Throws
/// std::invalid_argument for a negative step.
double linear_warmup_lr(std::int64_t step, std::int64_t warmup_steps, double start_lr,
                        double target_lr);

}  // namespace wengert::optim
