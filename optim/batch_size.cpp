#include "batch_size.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "../autograd/error.hpp"

namespace wengert::optim {

using wengert::detail::require;

namespace {

void check_epoch(const char* name, std::int64_t epoch) {
    require<std::out_of_range>(epoch >= 0, "{}: epoch must be >= 0; epoch is {}", name, epoch);
}

std::size_t rounded(double value) {
    return static_cast<std::size_t>(std::llround(value));
}

}  // namespace

FixedBatchSize::FixedBatchSize(std::size_t batch_size) : batch_size_(batch_size) {
    require(batch_size >= 1, "FixedBatchSize: batch_size must be >= 1; batch_size is {}",
            batch_size);
}

std::size_t FixedBatchSize::batch_size(std::int64_t epoch) const {
    check_epoch("FixedBatchSize", epoch);
    return batch_size_;
}

StepBatchSize::StepBatchSize(std::size_t initial, std::int64_t step_size, double factor,
                             std::size_t max_batch_size)
    : initial_(initial), step_size_(step_size), factor_(factor), max_(max_batch_size) {
    require(initial >= 1, "StepBatchSize: initial must be >= 1; initial is {}", initial);
    require(step_size >= 1, "StepBatchSize: step_size must be >= 1; step_size is {}", step_size);
    require(factor >= 1.0, "StepBatchSize: factor must be >= 1; factor is {}", factor);
    require(max_batch_size >= initial,
            "StepBatchSize: max_batch_size must be >= initial; max_batch_size is {}, initial {}",
            max_batch_size, initial);
}

std::size_t StepBatchSize::batch_size(std::int64_t epoch) const {
    check_epoch("StepBatchSize", epoch);
    const double grown =
        static_cast<double>(initial_) * std::pow(factor_, static_cast<double>(epoch / step_size_));
    return grown >= static_cast<double>(max_) ? max_ : std::min(max_, rounded(grown));
}

BatchSizeInsteadOfLRDecay::BatchSizeInsteadOfLRDecay(std::size_t initial, std::int64_t step_size,
                                                     double gamma, std::size_t max_batch_size)
    : initial_(initial), step_size_(step_size), gamma_(gamma), increases_(0) {
    require(initial >= 1, "BatchSizeInsteadOfLRDecay: initial must be >= 1; initial is {}",
            initial);
    require(step_size >= 1, "BatchSizeInsteadOfLRDecay: step_size must be >= 1; step_size is {}",
            step_size);
    require(gamma > 0.0 && gamma < 1.0,
            "BatchSizeInsteadOfLRDecay: gamma must be in (0, 1); gamma is {}", gamma);
    require(max_batch_size >= initial,
            "BatchSizeInsteadOfLRDecay: max_batch_size must be >= initial; max_batch_size is "
            "{}, initial {}",
            max_batch_size, initial);
    // Count the increases that fit under the cap (with a little slack for rounding).
    while (rounded(static_cast<double>(initial) /
                   std::pow(gamma, static_cast<double>(increases_ + 1))) <= max_batch_size) {
        ++increases_;
    }
}

std::size_t BatchSizeInsteadOfLRDecay::batch_size(std::int64_t epoch) const {
    check_epoch("BatchSizeInsteadOfLRDecay", epoch);
    const std::int64_t k = std::min(epoch / step_size_, increases_);
    return rounded(static_cast<double>(initial_) / std::pow(gamma_, static_cast<double>(k)));
}

double BatchSizeInsteadOfLRDecay::lr_factor(std::int64_t epoch) const {
    check_epoch("BatchSizeInsteadOfLRDecay", epoch);
    const std::int64_t k = epoch / step_size_;
    return std::pow(gamma_, static_cast<double>(std::max<std::int64_t>(0, k - increases_)));
}

double linear_scaling_lr(double base_lr, std::size_t base_batch, std::size_t batch) {
    require(base_batch >= 1, "linear_scaling_lr: base_batch must be >= 1; base_batch is {}",
            base_batch);
    require(base_lr >= 0.0, "linear_scaling_lr: base_lr must be >= 0; base_lr is {}", base_lr);
    return base_lr * static_cast<double>(batch) / static_cast<double>(base_batch);
}

double linear_warmup_lr(std::int64_t step, std::int64_t warmup_steps, double start_lr,
                        double target_lr) {
    require(step >= 0, "linear_warmup_lr: step must be >= 0; step is {}", step);
    require(warmup_steps >= 0, "linear_warmup_lr: warmup_steps must be >= 0; warmup_steps is {}",
            warmup_steps);
    if (warmup_steps == 0 || step >= warmup_steps) {
        return target_lr;
    }
    return start_lr +
           (target_lr - start_lr) * static_cast<double>(step) / static_cast<double>(warmup_steps);
}

}  // namespace wengert::optim
