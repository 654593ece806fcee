#pragma once
// Schedulers made of schedulers: one after another (SequentialLR) or all at once
// (ChainedScheduler). Both refer to schedulers the caller owns, which must outlive them.

#include <cstdint>
#include <vector>

#include "lr_scheduler.hpp"

namespace wengert::optim {

/// Runs schedulers[0] until milestones[0], then schedulers[1] (restarted at its epoch 0)
/// until milestones[1], and so on, as PyTorch 1.13's SequentialLR: e.g. a LinearLR warmup
/// for 5 epochs, then CosineAnnealingLR. Throws std::invalid_argument unless every scheduler
/// drives `optimizer` and there is one milestone fewer than schedulers.
class SequentialLR : public LRScheduler {
public:
    SequentialLR(Optimizer& optimizer, std::vector<LRScheduler*> schedulers,
                 std::vector<std::int64_t> milestones, std::int64_t last_epoch = -1);
    void step() override;
    /// Its own counters plus the wrapped schedulers' states, as children.
    SchedulerState state_dict() const override;
    void load_state_dict(const SchedulerState& state) override;

protected:
    std::vector<double> get_lr() override { return group_lrs(); }

private:
    std::vector<LRScheduler*> schedulers_;
    std::vector<std::int64_t> milestones_;
};

/// Steps every scheduler at each step(), so that their multiplicative effects compose
/// (e.g. ConstantLR and ExponentialLR), as PyTorch 1.13's ChainedScheduler. Throws
/// std::invalid_argument when the list is empty or the schedulers drive different
/// optimizers.
class ChainedScheduler : public LRScheduler {
public:
    explicit ChainedScheduler(std::vector<LRScheduler*> schedulers);
    void step() override;
    SchedulerState state_dict() const override;
    void load_state_dict(const SchedulerState& state) override;

protected:
    std::vector<double> get_lr() override { return group_lrs(); }

private:
    std::vector<LRScheduler*> schedulers_;
};

}  // namespace wengert::optim
