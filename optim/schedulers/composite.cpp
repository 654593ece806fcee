#include "composite.hpp"

#include <algorithm>

#include "../../autograd/error.hpp"

namespace wengert::optim {

using wengert::detail::require;

namespace {

Optimizer& first_optimizer(const std::vector<LRScheduler*>& schedulers) {
    require(!schedulers.empty() && schedulers[0] != nullptr,
            "ChainedScheduler: expected at least one scheduler; got {}", schedulers.size());
    return schedulers[0]->optimizer();
}

void check_same_optimizer(std::string_view name, const Optimizer& optimizer,
                          const std::vector<LRScheduler*>& schedulers) {
    for (std::size_t i = 0; i < schedulers.size(); ++i) {
        require(schedulers[i] != nullptr, "{}: scheduler {} is null", name, i);
        require(&schedulers[i]->optimizer() == &optimizer,
                "{}: expects all schedulers to belong to the same optimizer, but scheduler {} "
                "({}) drives another one",
                name, i, schedulers[i]->name());
    }
}

void check_children(std::string_view name, const SchedulerState& state, std::size_t count) {
    require(state.type == name, "{}: load_state_dict: the state is of a {}", name, state.type);
    require(state.children.size() == count,
            "{}: load_state_dict: the state has {} schedulers, this one {}", name,
            state.children.size(), count);
}

}  // namespace

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<LRScheduler*> schedulers,
                           std::vector<std::int64_t> milestones, std::int64_t last_epoch)
    : LRScheduler(optimizer, "SequentialLR", Bare{}),
      schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
    require(!schedulers_.empty(), "SequentialLR: expected at least one scheduler; got 0");
    check_same_optimizer("SequentialLR", optimizer, schedulers_);
    require(milestones_.size() + 1 == schedulers_.size(),
            "SequentialLR: expects one milestone fewer than schedulers; got {} schedulers and "
            "{} milestones",
            schedulers_.size(), milestones_.size());
    last_epoch_ = last_epoch + 1;

    // Undo the step 0 each scheduler took when it was made, then take it again with the first.
    for (auto& group : optimizer.param_groups()) {
        require(group.initial_lr.has_value(),
                "SequentialLR: a parameter group has no initial_lr; construct the schedulers "
                "first");
        group.options->set("lr", *group.initial_lr);
    }
    for (LRScheduler* scheduler : schedulers_) {
        scheduler->last_epoch_ -= 1;
    }
    schedulers_[0]->initial_step();
    base_lrs_ = schedulers_[0]->base_lrs();
    last_lr_ = schedulers_[0]->last_lr();
}

void SequentialLR::step() {
    ++last_epoch_;
    ++step_count_;
    const auto index = static_cast<std::size_t>(
        std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) -
        milestones_.begin());
    LRScheduler* scheduler = schedulers_[index];
    if (index > 0 && milestones_[index - 1] == last_epoch_) {
        scheduler->step_to(0);
    } else {
        scheduler->step();
    }
    last_lr_ = scheduler->last_lr();
}

SchedulerState SequentialLR::state_dict() const {
    SchedulerState state = LRScheduler::state_dict();
    state.lists["milestones"].assign(milestones_.begin(), milestones_.end());
    for (const LRScheduler* scheduler : schedulers_) {
        state.children.push_back(scheduler->state_dict());
    }
    return state;
}

void SequentialLR::load_state_dict(const SchedulerState& state) {
    check_children("SequentialLR", state, schedulers_.size());
    last_epoch_ = static_cast<std::int64_t>(detail::saved_scalar(state, "last_epoch"));
    step_count_ = static_cast<std::int64_t>(detail::saved_scalar(state, "step_count"));
    base_lrs_ = detail::saved_list(state, "base_lrs");
    last_lr_ = detail::saved_list(state, "last_lr");
    for (std::size_t i = 0; i < schedulers_.size(); ++i) {
        schedulers_[i]->load_state_dict(state.children[i]);
    }
}

ChainedScheduler::ChainedScheduler(std::vector<LRScheduler*> schedulers)
    : LRScheduler(first_optimizer(schedulers), "ChainedScheduler", Bare{}),
      schedulers_(std::move(schedulers)) {
    check_same_optimizer("ChainedScheduler", *optimizer_, schedulers_);
    base_lrs_ = schedulers_[0]->base_lrs();
    last_lr_ = group_lrs();
}

void ChainedScheduler::step() {
    ++step_count_;
    ++last_epoch_;
    for (LRScheduler* scheduler : schedulers_) {
        scheduler->step();
    }
    last_lr_ = group_lrs();
}

SchedulerState ChainedScheduler::state_dict() const {
    SchedulerState state = LRScheduler::state_dict();
    for (const LRScheduler* scheduler : schedulers_) {
        state.children.push_back(scheduler->state_dict());
    }
    return state;
}

void ChainedScheduler::load_state_dict(const SchedulerState& state) {
    check_children("ChainedScheduler", state, schedulers_.size());
    last_epoch_ = static_cast<std::int64_t>(detail::saved_scalar(state, "last_epoch"));
    step_count_ = static_cast<std::int64_t>(detail::saved_scalar(state, "step_count"));
    last_lr_ = detail::saved_list(state, "last_lr");
    for (std::size_t i = 0; i < schedulers_.size(); ++i) {
        schedulers_[i]->load_state_dict(state.children[i]);
    }
}

}  // namespace wengert::optim
