#pragma once
// Learning-rate schedulers over the parameter groups of any optimizer, with PyTorch 1.13's
// semantics: the constructor performs step 0 (setting each group's initial_lr when
// last_epoch is -1), step() advances last_epoch by one and sets every group's lr, last_lr()
// holds one lr per group. Schedules are computed in PyTorch's chainable (recursive) form
// from the groups' current lrs, so that several schedulers can act on one optimizer.
// Schedulers never print.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../optimizer.hpp"

namespace wengert::optim {

/// A scheduler's state as plain values: its type, named numbers, named lists, and the
/// states of the schedulers it wraps (SequentialLR, ChainedScheduler).
struct SchedulerState {
    std::string type;
    std::map<std::string, double> scalars;
    std::map<std::string, std::vector<double>> lists;
    std::vector<SchedulerState> children;
};

class LRScheduler {
public:
    virtual ~LRScheduler() = default;
    LRScheduler(const LRScheduler&) = delete;
    LRScheduler& operator=(const LRScheduler&) = delete;

    /// Advances one epoch (or iteration) and sets the lr of every group.
    virtual void step();
    /// The lrs set by the last step, one per group.
    const std::vector<double>& last_lr() const noexcept { return last_lr_; }
    /// The index of the last step; 0 right after construction.
    std::int64_t last_epoch() const noexcept { return last_epoch_; }
    /// Each group's initial_lr when the scheduler was made.
    const std::vector<double>& base_lrs() const noexcept { return base_lrs_; }
    Optimizer& optimizer() const noexcept { return *optimizer_; }
    std::string_view name() const noexcept { return name_; }

    /// Counters, lrs and hyper-parameters (lambdas are not saved, as in PyTorch).
    virtual SchedulerState state_dict() const;
    /// Restores a state_dict() of a scheduler of the same type; std::invalid_argument
    /// otherwise. Restore the optimizer's state too: the lrs live in its groups.
    virtual void load_state_dict(const SchedulerState& state);

protected:
    /// Sets or checks each group's initial_lr (std::invalid_argument when resuming with
    /// last_epoch != -1 from a group without one) and records base_lrs.
    LRScheduler(Optimizer& optimizer, std::string_view name, std::int64_t last_epoch);
    struct Bare {};
    /// For wrappers that manage their own lrs: records the optimizer only.
    LRScheduler(Optimizer& optimizer, std::string_view name, Bare);

    /// PyTorch's _initial_step(): resets the step count and takes step 0. Derived
    /// constructors call it last, once their own members are set.
    void initial_step();
    /// The lrs for last_epoch_, one per group, in the chainable form.
    virtual std::vector<double> get_lr() = 0;
    /// The closed form for last_epoch_, where the schedule has one (used by step_to).
    virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
    /// PyTorch's step(epoch): jumps to `epoch`, with the closed form where there is one.
    virtual void step_to(std::int64_t epoch);
    /// Extra state of a derived scheduler.
    virtual void save(SchedulerState&) const {}
    virtual void load(const SchedulerState&) {}

    /// The current lr of every group.
    std::vector<double> group_lrs() const;
    /// Sets every group's lr and last_lr_.
    void apply_lrs(const std::vector<double>& lrs);

    Optimizer* optimizer_;
    std::string name_;
    std::vector<double> base_lrs_;
    std::vector<double> last_lr_;
    std::int64_t last_epoch_ = -1;
    std::int64_t step_count_ = 0;

    friend class SequentialLR;
};

/// lr = base_lr * lambda(epoch), one lambda for all groups or one per group.
class LambdaLR : public LRScheduler {
public:
    using Lambda = std::function<double(std::int64_t)>;
    LambdaLR(Optimizer& optimizer, Lambda lr_lambda, std::int64_t last_epoch = -1);
    /// std::invalid_argument unless there is one lambda per group.
    LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;

private:
    std::vector<Lambda> lambdas_;
};

/// lr <- lr * lambda(epoch) at every step after the first.
class MultiplicativeLR : public LRScheduler {
public:
    using Lambda = std::function<double(std::int64_t)>;
    MultiplicativeLR(Optimizer& optimizer, Lambda lr_lambda, std::int64_t last_epoch = -1);
    MultiplicativeLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas,
                     std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;

private:
    std::vector<Lambda> lambdas_;
};

/// Step decay: lr = base_lr * gamma^floor(epoch / step_size). Throws std::invalid_argument
/// unless step_size > 0.
class StepLR : public LRScheduler {
public:
    StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1,
           std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;
    std::optional<std::vector<double>> closed_form_lr() const override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    std::int64_t step_size_;
    double gamma_;
};

/// lr = base_lr * gamma^(number of milestones <= epoch); a repeated milestone counts twice.
class MultiStepLR : public LRScheduler {
public:
    MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1,
                std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;
    std::optional<std::vector<double>> closed_form_lr() const override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    std::vector<std::int64_t> milestones_;  // sorted
    double gamma_;
};

/// lr = base_lr * factor while epoch < total_iters, then base_lr. Throws
/// std::invalid_argument unless 0 < factor <= 1.
class ConstantLR : public LRScheduler {
public:
    ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, std::int64_t total_iters = 5,
               std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;
    std::optional<std::vector<double>> closed_form_lr() const override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    double factor_;
    std::int64_t total_iters_;
};

/// Linear warmup (or decay) of the factor:
/// lr = base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters).
/// Throws std::invalid_argument unless 0 < start_factor <= 1, 0 <= end_factor <= 1 and
/// total_iters > 0.
class LinearLR : public LRScheduler {
public:
    LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
             std::int64_t total_iters = 5, std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;
    std::optional<std::vector<double>> closed_form_lr() const override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    double start_factor_, end_factor_;
    std::int64_t total_iters_;
};

/// Exponential decay: lr = base_lr * gamma^epoch.
class ExponentialLR : public LRScheduler {
public:
    ExponentialLR(Optimizer& optimizer, double gamma, std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;
    std::optional<std::vector<double>> closed_form_lr() const override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    double gamma_;
};

/// lr = base_lr * (1 - min(epoch, total_iters) / total_iters)^power. Throws
/// std::invalid_argument unless total_iters > 0.
class PolynomialLR : public LRScheduler {
public:
    PolynomialLR(Optimizer& optimizer, std::int64_t total_iters = 5, double power = 1.0,
                 std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;
    std::optional<std::vector<double>> closed_form_lr() const override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    std::int64_t total_iters_;
    double power_;
};

/// Cosine annealing (Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm
/// Restarts", ICLR 2017) in PyTorch's recursive form; driven by this scheduler alone it is
///   lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2,
/// rising again after T_max (no restarts: see CosineAnnealingWarmRestarts). Throws
/// std::invalid_argument unless T_max > 0.
class CosineAnnealingLR : public LRScheduler {
public:
    CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0.0,
                      std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;
    std::optional<std::vector<double>> closed_form_lr() const override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    std::int64_t T_max_;
    double eta_min_;
};

namespace detail {
/// Reads state.scalars[key], throwing std::invalid_argument naming the scheduler if absent.
double saved_scalar(const SchedulerState& state, const std::string& key);
const std::vector<double>& saved_list(const SchedulerState& state, const std::string& key);
}  // namespace detail

}  // namespace wengert::optim
