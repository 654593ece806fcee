#include "cyclic.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "../../autograd/error.hpp"

namespace wengert::optim {

namespace {

using wengert::detail::require;

/// One value per group from a list of one (for all groups) or of one per group.
std::vector<double> per_group(std::string_view scheduler, std::string_view name,
                              const Optimizer& optimizer, const std::vector<double>& values) {
    const std::size_t groups = optimizer.param_groups().size();
    require(values.size() == 1 || values.size() == groups,
            "{}: expected 1 or {} values for {} (one per parameter group), got {}", scheduler,
            groups, name, values.size());
    return values.size() == 1 ? std::vector<double>(groups, values[0]) : values;
}

/// "momentum" when the optimizer has it, else "beta1"; throws when it has neither.
std::string momentum_key(std::string_view scheduler, const Optimizer& optimizer) {
    const OptimizerOptions& defaults = optimizer.defaults();
    if (defaults.has("momentum")) {
        return "momentum";
    }
    require(defaults.has("beta1"),
            "{}: optimizer {} must support momentum (or beta1) with the cycle_momentum option "
            "enabled",
            scheduler, optimizer.name());
    return "beta1";
}

void set_momentum(Optimizer& optimizer, const std::string& key, const std::vector<double>& values) {
    auto& groups = optimizer.param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
        groups[g].options->set(key, values[g]);
    }
}

}  // namespace

// CosineAnnealingWarmRestarts

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0,
                                                         std::int64_t T_mult, double eta_min,
                                                         std::int64_t last_epoch)
    : LRScheduler(optimizer, "CosineAnnealingWarmRestarts", last_epoch),
      T_0_(T_0),
      T_i_(T_0),
      T_mult_(T_mult),
      eta_min_(eta_min),
      T_cur_(static_cast<double>(last_epoch)) {
    require(T_0 >= 1, "CosineAnnealingWarmRestarts: expected positive integer T_0; T_0 is {}", T_0);
    require(T_mult >= 1, "CosineAnnealingWarmRestarts: expected integer T_mult >= 1; T_mult is {}",
            T_mult);
    initial_step();
}

void CosineAnnealingWarmRestarts::step() {
    if (last_epoch_ < 0) {
        step_to(0);
        return;
    }
    ++step_count_;
    ++last_epoch_;
    T_cur_ += 1.0;
    if (T_cur_ >= static_cast<double>(T_i_)) {
        T_cur_ -= static_cast<double>(T_i_);
        T_i_ *= T_mult_;
    }
    apply_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::step_to(std::int64_t epoch) {
    require(epoch >= 0, "CosineAnnealingWarmRestarts: expected non-negative epoch; epoch is {}",
            epoch);
    ++step_count_;
    if (epoch >= T_0_) {
        if (T_mult_ == 1) {
            T_cur_ = static_cast<double>(epoch % T_0_);
        } else {
            const auto e = static_cast<double>(epoch);
            const auto t0 = static_cast<double>(T_0_);
            const auto mult = static_cast<double>(T_mult_);
            const auto n =
                static_cast<std::int64_t>(std::log(e / t0 * (mult - 1.0) + 1.0) / std::log(mult));
            const double power = std::pow(mult, static_cast<double>(n));
            T_cur_ = e - t0 * (power - 1.0) / (mult - 1.0);
            T_i_ = T_0_ * static_cast<std::int64_t>(power);
        }
    } else {
        T_i_ = T_0_;
        T_cur_ = static_cast<double>(epoch);
    }
    last_epoch_ = epoch;
    apply_lrs(get_lr());
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
    std::vector<double> lrs;
    const double c = std::cos(std::numbers::pi * T_cur_ / static_cast<double>(T_i_));
    for (double base : base_lrs_) {
        lrs.push_back(eta_min_ + (base - eta_min_) * (1.0 + c) / 2.0);
    }
    return lrs;
}

void CosineAnnealingWarmRestarts::save(SchedulerState& state) const {
    state.scalars["T_0"] = static_cast<double>(T_0_);
    state.scalars["T_i"] = static_cast<double>(T_i_);
    state.scalars["T_mult"] = static_cast<double>(T_mult_);
    state.scalars["eta_min"] = eta_min_;
    state.scalars["T_cur"] = T_cur_;
}

void CosineAnnealingWarmRestarts::load(const SchedulerState& state) {
    T_0_ = static_cast<std::int64_t>(detail::saved_scalar(state, "T_0"));
    T_i_ = static_cast<std::int64_t>(detail::saved_scalar(state, "T_i"));
    T_mult_ = static_cast<std::int64_t>(detail::saved_scalar(state, "T_mult"));
    eta_min_ = detail::saved_scalar(state, "eta_min");
    T_cur_ = detail::saved_scalar(state, "T_cur");
}

// CyclicLR

CyclicLR::CyclicLR(Optimizer& optimizer, CyclicLROptions options, std::int64_t last_epoch)
    : LRScheduler(optimizer, "CyclicLR", last_epoch), options_(std::move(options)) {
    const std::vector<double> base_lrs =
        per_group("CyclicLR", "base_lr", optimizer, options_.base_lr);
    if (last_epoch == -1) {
        for (std::size_t g = 0; g < base_lrs.size(); ++g) {
            optimizer.param_groups()[g].options->set("lr", base_lrs[g]);
        }
    }
    options_.max_lr = per_group("CyclicLR", "max_lr", optimizer, options_.max_lr);
    require(options_.step_size_up > 0, "CyclicLR: step_size_up must be positive; it is {}",
            options_.step_size_up);
    require(options_.step_size_down >= 0, "CyclicLR: step_size_down must be >= 0; it is {}",
            options_.step_size_down);
    const double down =
        options_.step_size_down > 0 ? options_.step_size_down : options_.step_size_up;
    total_size_ = options_.step_size_up + down;
    step_ratio_ = options_.step_size_up / total_size_;
    if (!options_.scale_fn) {
        require(options_.mode == "triangular" || options_.mode == "triangular2" ||
                    options_.mode == "exp_range",
                "CyclicLR: mode is invalid and scale_fn is empty; mode is '{}' (expected "
                "triangular, triangular2 or exp_range)",
                options_.mode);
        options_.scale_mode = options_.mode == "exp_range" ? "iterations" : "cycle";
    } else {
        require(options_.scale_mode == "cycle" || options_.scale_mode == "iterations",
                "CyclicLR: scale_mode is '{}' (expected cycle or iterations)", options_.scale_mode);
    }

    if (options_.cycle_momentum) {
        momentum_key_ = momentum_key("CyclicLR", optimizer);
        const auto base = per_group("CyclicLR", "base_momentum", optimizer, options_.base_momentum);
        if (last_epoch == -1) {
            set_momentum(optimizer, momentum_key_, base);
        }
        for (const auto& group : optimizer.param_groups()) {
            base_momentums_.push_back(group.options->get(momentum_key_));
        }
        max_momentums_ = per_group("CyclicLR", "max_momentum", optimizer, options_.max_momentum);
    }
    base_lrs_ = base_lrs;
    initial_step();
}

double CyclicLR::scale(double x) const {
    if (options_.scale_fn) {
        return options_.scale_fn(x);
    }
    if (options_.mode == "triangular") {
        return 1.0;
    }
    if (options_.mode == "triangular2") {
        return 1.0 / std::pow(2.0, x - 1.0);
    }
    return std::pow(options_.gamma, x);
}

std::vector<double> CyclicLR::get_lr() {
    const auto it = static_cast<double>(last_epoch_);
    const double cycle = std::floor(1.0 + it / total_size_);
    const double x = 1.0 + it / total_size_ - cycle;
    const double s = x <= step_ratio_ ? x / step_ratio_ : (x - 1.0) / (step_ratio_ - 1.0);
    const double f = scale(options_.scale_mode == "cycle" ? cycle : it);

    std::vector<double> lrs;
    for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
        lrs.push_back(base_lrs_[g] + (options_.max_lr[g] - base_lrs_[g]) * s * f);
    }
    if (options_.cycle_momentum) {
        std::vector<double> momentums;
        for (std::size_t g = 0; g < base_momentums_.size(); ++g) {
            const double height = (max_momentums_[g] - base_momentums_[g]) * s;
            momentums.push_back(max_momentums_[g] - height * f);
        }
        set_momentum(*optimizer_, momentum_key_, momentums);
    }
    return lrs;
}

void CyclicLR::save(SchedulerState& state) const {
    state.lists["max_lrs"] = options_.max_lr;
    state.lists["base_momentums"] = base_momentums_;
    state.lists["max_momentums"] = max_momentums_;
    state.scalars["total_size"] = total_size_;
    state.scalars["step_ratio"] = step_ratio_;
    state.scalars["gamma"] = options_.gamma;
}

void CyclicLR::load(const SchedulerState& state) {
    options_.max_lr = detail::saved_list(state, "max_lrs");
    base_momentums_ = detail::saved_list(state, "base_momentums");
    max_momentums_ = detail::saved_list(state, "max_momentums");
    total_size_ = detail::saved_scalar(state, "total_size");
    step_ratio_ = detail::saved_scalar(state, "step_ratio");
    options_.gamma = detail::saved_scalar(state, "gamma");
}

// OneCycleLR

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions options, std::int64_t last_epoch)
    : LRScheduler(optimizer, "OneCycleLR", last_epoch), options_(std::move(options)) {
    const auto& o = options_;
    if (o.total_steps != 0) {
        require(o.total_steps > 0, "OneCycleLR: expected positive total_steps; total_steps is {}",
                o.total_steps);
        total_steps_ = o.total_steps;
    } else {
        require(o.epochs > 0,
                "OneCycleLR: expected positive epochs (or give total_steps); "
                "epochs is {}",
                o.epochs);
        require(o.steps_per_epoch > 0,
                "OneCycleLR: expected positive steps_per_epoch; steps_per_epoch is {}",
                o.steps_per_epoch);
        total_steps_ = o.epochs * o.steps_per_epoch;
    }
    require(o.pct_start >= 0.0 && o.pct_start <= 1.0,
            "OneCycleLR: expected pct_start between 0 and 1; pct_start is {}", o.pct_start);
    require(o.anneal_strategy == "cos" || o.anneal_strategy == "linear",
            "OneCycleLR: anneal_strategy must be 'cos' or 'linear'; it is '{}'", o.anneal_strategy);

    const auto total = static_cast<double>(total_steps_);
    if (o.three_phase) {
        phases_ = {
            {o.pct_start * total - 1.0, Level::initial, Level::max, Level::max_momentum,
             Level::base_momentum},
            {2.0 * o.pct_start * total - 2.0, Level::max, Level::initial, Level::base_momentum,
             Level::max_momentum},
            {total - 1.0, Level::initial, Level::min, Level::max_momentum, Level::max_momentum}};
    } else {
        phases_ = {
            {o.pct_start * total - 1.0, Level::initial, Level::max, Level::max_momentum,
             Level::base_momentum},
            {total - 1.0, Level::max, Level::min, Level::base_momentum, Level::max_momentum}};
    }

    max_lrs_ = per_group("OneCycleLR", "max_lr", optimizer, o.max_lr);
    auto& groups = optimizer.param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const double initial = max_lrs_[g] / o.div_factor;
        if (last_epoch == -1) {
            groups[g].initial_lr = initial;
        }
        initial_lrs_.push_back(groups[g].initial_lr.value_or(initial));
        min_lrs_.push_back(initial_lrs_.back() / o.final_div_factor);
    }
    base_lrs_ = initial_lrs_;

    if (o.cycle_momentum) {
        momentum_key_ = momentum_key("OneCycleLR", optimizer);
        max_momentums_ = per_group("OneCycleLR", "max_momentum", optimizer, o.max_momentum);
        base_momentums_ = per_group("OneCycleLR", "base_momentum", optimizer, o.base_momentum);
        if (last_epoch == -1) {
            set_momentum(optimizer, momentum_key_, max_momentums_);
        }
    }
    initial_step();
}

double OneCycleLR::level(std::size_t group, Level which) const {
    switch (which) {
        case Level::initial:
            return initial_lrs_[group];
        case Level::max:
            return max_lrs_[group];
        case Level::min:
            return min_lrs_[group];
        case Level::base_momentum:
            return base_momentums_[group];
        case Level::max_momentum:
            return max_momentums_[group];
    }
    return 0.0;
}

double OneCycleLR::anneal(double start, double end, double pct) const {
    if (options_.anneal_strategy == "cos") {
        return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
    }
    return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
    const std::int64_t step_num = last_epoch_;
    require<std::logic_error>(step_num <= total_steps_,
                              "OneCycleLR: tried to step {} times; the specified number of total "
                              "steps is {}",
                              step_num + 1, total_steps_);
    std::vector<double> lrs;
    std::vector<double> momentums;
    const auto at = static_cast<double>(step_num);
    for (std::size_t g = 0; g < initial_lrs_.size(); ++g) {
        double start_step = 0.0;
        for (std::size_t i = 0; i < phases_.size(); ++i) {
            const Phase& phase = phases_[i];
            if (at <= phase.end_step || i + 1 == phases_.size()) {
                const double pct = (at - start_step) / (phase.end_step - start_step);
                lrs.push_back(anneal(level(g, phase.start_lr), level(g, phase.end_lr), pct));
                if (options_.cycle_momentum) {
                    momentums.push_back(
                        anneal(level(g, phase.start_momentum), level(g, phase.end_momentum), pct));
                }
                break;
            }
            start_step = phase.end_step;
        }
    }
    if (options_.cycle_momentum) {
        set_momentum(*optimizer_, momentum_key_, momentums);
    }
    return lrs;
}

void OneCycleLR::save(SchedulerState& state) const {
    state.scalars["total_steps"] = static_cast<double>(total_steps_);
    state.lists["initial_lrs"] = initial_lrs_;
    state.lists["max_lrs"] = max_lrs_;
    state.lists["min_lrs"] = min_lrs_;
    state.lists["base_momentums"] = base_momentums_;
    state.lists["max_momentums"] = max_momentums_;
}

void OneCycleLR::load(const SchedulerState& state) {
    require(static_cast<std::int64_t>(detail::saved_scalar(state, "total_steps")) == total_steps_,
            "OneCycleLR: load_state_dict: the state has total_steps {}, this scheduler {}",
            detail::saved_scalar(state, "total_steps"), total_steps_);
    initial_lrs_ = detail::saved_list(state, "initial_lrs");
    max_lrs_ = detail::saved_list(state, "max_lrs");
    min_lrs_ = detail::saved_list(state, "min_lrs");
    base_momentums_ = detail::saved_list(state, "base_momentums");
    max_momentums_ = detail::saved_list(state, "max_momentums");
}

}  // namespace wengert::optim
