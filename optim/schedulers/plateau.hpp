#pragma once
// ReduceLROnPlateau: lower the lr when a monitored metric stops improving.

#include <cstdint>
#include <string>
#include <vector>

#include "lr_scheduler.hpp"

namespace wengert::optim {

/// Options of ReduceLROnPlateau (PyTorch's names and defaults).
struct ReduceLROnPlateauOptions {
    /// "min": the metric should fall (a loss); "max": it should rise (an accuracy).
    std::string mode = "min";
    /// new_lr = lr * factor; must be < 1.
    double factor = 0.1;
    /// Epochs without improvement tolerated before the lr is reduced.
    std::int64_t patience = 10;
    double threshold = 1e-4;
    /// "rel" or "abs".
    std::string threshold_mode = "rel";
    /// Epochs to wait after a reduction before counting bad epochs again.
    std::int64_t cooldown = 0;
    /// Lower bound of the lr: one value for all groups or one per group.
    std::vector<double> min_lr = {0.0};
    /// Reductions smaller than eps are skipped.
    double eps = 1e-8;
};

/// Reduces every group's lr by `factor` once the metric passed to step() has not improved
/// for more than `patience` epochs, as PyTorch 1.13's ReduceLROnPlateau, with one
/// correction: a metric a improves on the best b when
///   min, rel: a < b - |b| threshold      min, abs: a < b - threshold
///   max, rel: a > b + |b| threshold      max, abs: a > b + threshold.
/// PyTorch writes the rel forms as b (1 -+ threshold), which for negative metrics accepts
/// slightly worse values as improvements; with |b| the threshold always demands progress.
/// Throws std::invalid_argument for factor >= 1, an unknown mode or threshold_mode, or a
/// min_lr list of the wrong length.
class ReduceLROnPlateau {
public:
    explicit ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});

    /// Records the epoch's metric and reduces the lrs when it has plateaued.
    void step(double metric);
    const std::vector<double>& last_lr() const noexcept { return last_lr_; }
    std::int64_t last_epoch() const noexcept { return last_epoch_; }
    double best() const noexcept { return best_; }
    std::int64_t num_bad_epochs() const noexcept { return num_bad_epochs_; }
    bool in_cooldown() const noexcept { return cooldown_counter_ > 0; }
    /// Whether `metric` improves on `best` under the mode and threshold.
    bool is_better(double metric, double best) const;

    SchedulerState state_dict() const;
    void load_state_dict(const SchedulerState& state);

private:
    void reduce_lr();

    Optimizer* optimizer_;
    ReduceLROnPlateauOptions options_;
    std::vector<double> min_lrs_;
    std::vector<double> last_lr_;
    double best_;
    std::int64_t num_bad_epochs_ = 0;
    std::int64_t cooldown_counter_ = 0;
    std::int64_t last_epoch_ = 0;
};

}  // namespace wengert::optim
