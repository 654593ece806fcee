#include "plateau.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../../autograd/error.hpp"

namespace wengert::optim {

using wengert::detail::require;

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(&optimizer), options_(std::move(options)) {
    require(options_.factor < 1.0, "ReduceLROnPlateau: factor should be < 1.0; factor is {}",
            options_.factor);
    require(options_.mode == "min" || options_.mode == "max",
            "ReduceLROnPlateau: mode '{}' is unknown (expected min or max)", options_.mode);
    require(options_.threshold_mode == "rel" || options_.threshold_mode == "abs",
            "ReduceLROnPlateau: threshold mode '{}' is unknown (expected rel or abs)",
            options_.threshold_mode);
    require(options_.patience >= 0, "ReduceLROnPlateau: patience must be >= 0; patience is {}",
            options_.patience);
    const std::size_t groups = optimizer.param_groups().size();
    require(options_.min_lr.size() == 1 || options_.min_lr.size() == groups,
            "ReduceLROnPlateau: expected 1 or {} min_lrs (one per parameter group), got {}", groups,
            options_.min_lr.size());
    min_lrs_ = options_.min_lr.size() == 1 ? std::vector<double>(groups, options_.min_lr[0])
                                           : options_.min_lr;
    best_ = options_.mode == "min" ? std::numeric_limits<double>::infinity()
                                   : -std::numeric_limits<double>::infinity();
    for (const auto& group : optimizer.param_groups()) {
        last_lr_.push_back(group.options->get("lr"));
    }
}

bool ReduceLROnPlateau::is_better(double metric, double best) const {
    const bool min = options_.mode == "min";
    if (!std::isfinite(best)) {
        return min ? metric < best : metric > best;
    }
    const double margin =
        options_.threshold_mode == "rel" ? std::abs(best) * options_.threshold : options_.threshold;
    return min ? metric < best - margin : metric > best + margin;
}

void ReduceLROnPlateau::step(double metric) {
    ++last_epoch_;
    if (is_better(metric, best_)) {
        best_ = metric;
        num_bad_epochs_ = 0;
    } else {
        ++num_bad_epochs_;
    }
    if (in_cooldown()) {
        --cooldown_counter_;
        num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
    }
    if (num_bad_epochs_ > options_.patience) {
        reduce_lr();
        cooldown_counter_ = options_.cooldown;
        num_bad_epochs_ = 0;
    }
    last_lr_.clear();
    for (const auto& group : optimizer_->param_groups()) {
        last_lr_.push_back(group.options->get("lr"));
    }
}

void ReduceLROnPlateau::reduce_lr() {
    auto& groups = optimizer_->param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const double old_lr = groups[g].options->get("lr");
        const double new_lr = std::max(old_lr * options_.factor, min_lrs_[g]);
        if (old_lr - new_lr > options_.eps) {
            groups[g].options->set("lr", new_lr);
        }
    }
}

SchedulerState ReduceLROnPlateau::state_dict() const {
    SchedulerState state;
    state.type = "ReduceLROnPlateau";
    state.scalars["best"] = best_;
    state.scalars["num_bad_epochs"] = static_cast<double>(num_bad_epochs_);
    state.scalars["cooldown_counter"] = static_cast<double>(cooldown_counter_);
    state.scalars["last_epoch"] = static_cast<double>(last_epoch_);
    state.scalars["factor"] = options_.factor;
    state.scalars["patience"] = static_cast<double>(options_.patience);
    state.scalars["threshold"] = options_.threshold;
    state.scalars["cooldown"] = static_cast<double>(options_.cooldown);
    state.scalars["eps"] = options_.eps;
    state.scalars["mode_max"] = options_.mode == "max" ? 1.0 : 0.0;
    state.scalars["threshold_abs"] = options_.threshold_mode == "abs" ? 1.0 : 0.0;
    state.lists["min_lrs"] = min_lrs_;
    state.lists["last_lr"] = last_lr_;
    return state;
}

void ReduceLROnPlateau::load_state_dict(const SchedulerState& state) {
    require(state.type == "ReduceLROnPlateau",
            "ReduceLROnPlateau: load_state_dict: the state is of a {}", state.type);
    const auto& min_lrs = detail::saved_list(state, "min_lrs");
    require(min_lrs.size() == min_lrs_.size(),
            "ReduceLROnPlateau: load_state_dict: the state has {} min_lrs, the optimizer {} "
            "groups",
            min_lrs.size(), min_lrs_.size());
    best_ = detail::saved_scalar(state, "best");
    num_bad_epochs_ = static_cast<std::int64_t>(detail::saved_scalar(state, "num_bad_epochs"));
    cooldown_counter_ = static_cast<std::int64_t>(detail::saved_scalar(state, "cooldown_counter"));
    last_epoch_ = static_cast<std::int64_t>(detail::saved_scalar(state, "last_epoch"));
    options_.factor = detail::saved_scalar(state, "factor");
    options_.patience = static_cast<std::int64_t>(detail::saved_scalar(state, "patience"));
    options_.threshold = detail::saved_scalar(state, "threshold");
    options_.cooldown = static_cast<std::int64_t>(detail::saved_scalar(state, "cooldown"));
    options_.eps = detail::saved_scalar(state, "eps");
    options_.mode = detail::saved_scalar(state, "mode_max") != 0.0 ? "max" : "min";
    options_.threshold_mode = detail::saved_scalar(state, "threshold_abs") != 0.0 ? "abs" : "rel";
    min_lrs_ = min_lrs;
    last_lr_ = detail::saved_list(state, "last_lr");
}

}  // namespace wengert::optim
