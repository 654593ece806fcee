#include "lr_scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "../../autograd/error.hpp"

namespace wengert::optim {

namespace {

using wengert::detail::require;

template <class Lambda>
std::vector<Lambda> one_per_group(std::string_view name, const Optimizer& optimizer,
                                  std::vector<Lambda> lambdas) {
    require(lambdas.size() == optimizer.param_groups().size(),
            "{}: expected {} lr_lambdas (one per parameter group), got {}", name,
            optimizer.param_groups().size(), lambdas.size());
    return lambdas;
}

std::vector<double> scaled(const std::vector<double>& lrs, double factor) {
    std::vector<double> out(lrs);
    for (double& lr : out) {
        lr *= factor;
    }
    return out;
}

}  // namespace

namespace detail {

double saved_scalar(const SchedulerState& state, const std::string& key) {
    const auto it = state.scalars.find(key);
    require(it != state.scalars.end(), "{}: load_state_dict: the state has no '{}'", state.type,
            key);
    return it->second;
}

const std::vector<double>& saved_list(const SchedulerState& state, const std::string& key) {
    const auto it = state.lists.find(key);
    require(it != state.lists.end(), "{}: load_state_dict: the state has no list '{}'", state.type,
            key);
    return it->second;
}

}  // namespace detail

LRScheduler::LRScheduler(Optimizer& optimizer, std::string_view name, std::int64_t last_epoch)
    : optimizer_(&optimizer), name_(name), last_epoch_(last_epoch) {
    auto& groups = optimizer.param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
        if (last_epoch == -1) {
            if (!groups[g].initial_lr) {
                groups[g].initial_lr = groups[g].options->get("lr");
            }
        } else {
            require(groups[g].initial_lr.has_value(),
                    "{}: param 'initial_lr' is not specified in param_groups[{}] when resuming "
                    "an optimizer (last_epoch is {})",
                    name, g, last_epoch);
        }
        base_lrs_.push_back(*groups[g].initial_lr);
    }
}

LRScheduler::LRScheduler(Optimizer& optimizer, std::string_view name, Bare)
    : optimizer_(&optimizer), name_(name) {}

void LRScheduler::initial_step() {
    step_count_ = 0;
    step();
}

void LRScheduler::step() {
    ++step_count_;
    ++last_epoch_;
    apply_lrs(get_lr());
}

void LRScheduler::step_to(std::int64_t epoch) {
    ++step_count_;
    last_epoch_ = epoch;
    auto closed = closed_form_lr();
    apply_lrs(closed ? *closed : get_lr());
}

std::vector<double> LRScheduler::group_lrs() const {
    std::vector<double> lrs;
    for (const auto& group : optimizer_->param_groups()) {
        lrs.push_back(group.options->get("lr"));
    }
    return lrs;
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
    auto& groups = optimizer_->param_groups();
    for (std::size_t g = 0; g < groups.size() && g < lrs.size(); ++g) {
        groups[g].options->set("lr", lrs[g]);
    }
    last_lr_ = group_lrs();
}

SchedulerState LRScheduler::state_dict() const {
    SchedulerState state;
    state.type = name_;
    state.scalars["last_epoch"] = static_cast<double>(last_epoch_);
    state.scalars["step_count"] = static_cast<double>(step_count_);
    state.lists["base_lrs"] = base_lrs_;
    state.lists["last_lr"] = last_lr_;
    save(state);
    return state;
}

void LRScheduler::load_state_dict(const SchedulerState& state) {
    require(state.type == name_, "{}: load_state_dict: the state is of a {}", name_, state.type);
    const auto& base = detail::saved_list(state, "base_lrs");
    require(base.size() == base_lrs_.size(),
            "{}: load_state_dict: the state has {} base_lrs, the optimizer {} groups", name_,
            base.size(), base_lrs_.size());
    last_epoch_ = static_cast<std::int64_t>(detail::saved_scalar(state, "last_epoch"));
    step_count_ = static_cast<std::int64_t>(detail::saved_scalar(state, "step_count"));
    base_lrs_ = base;
    last_lr_ = detail::saved_list(state, "last_lr");
    load(state);
}

// LambdaLR

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda, std::int64_t last_epoch)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda),
               last_epoch) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, std::int64_t last_epoch)
    : LRScheduler(optimizer, "LambdaLR", last_epoch),
      lambdas_(one_per_group("LambdaLR", optimizer, std::move(lr_lambdas))) {
    initial_step();
}

std::vector<double> LambdaLR::get_lr() {
    std::vector<double> lrs;
    for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
        lrs.push_back(base_lrs_[g] * lambdas_[g](last_epoch_));
    }
    return lrs;
}

// MultiplicativeLR

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, Lambda lr_lambda, std::int64_t last_epoch)
    : MultiplicativeLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda),
                       last_epoch) {}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas,
                                   std::int64_t last_epoch)
    : LRScheduler(optimizer, "MultiplicativeLR", last_epoch),
      lambdas_(one_per_group("MultiplicativeLR", optimizer, std::move(lr_lambdas))) {
    initial_step();
}

std::vector<double> MultiplicativeLR::get_lr() {
    std::vector<double> lrs = group_lrs();
    if (last_epoch_ > 0) {
        for (std::size_t g = 0; g < lrs.size(); ++g) {
            lrs[g] *= lambdas_[g](last_epoch_);
        }
    }
    return lrs;
}

// StepLR

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma, std::int64_t last_epoch)
    : LRScheduler(optimizer, "StepLR", last_epoch), step_size_(step_size), gamma_(gamma) {
    require(step_size > 0, "StepLR: step_size must be positive; step_size is {}", step_size);
    initial_step();
}

std::vector<double> StepLR::get_lr() {
    if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) {
        return group_lrs();
    }
    return scaled(group_lrs(), gamma_);
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
    return scaled(base_lrs_, std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_)));
}

void StepLR::save(SchedulerState& state) const {
    state.scalars["step_size"] = static_cast<double>(step_size_);
    state.scalars["gamma"] = gamma_;
}

void StepLR::load(const SchedulerState& state) {
    step_size_ = static_cast<std::int64_t>(detail::saved_scalar(state, "step_size"));
    gamma_ = detail::saved_scalar(state, "gamma");
}

// MultiStepLR

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma,
                         std::int64_t last_epoch)
    : LRScheduler(optimizer, "MultiStepLR", last_epoch),
      milestones_(std::move(milestones)),
      gamma_(gamma) {
    std::sort(milestones_.begin(), milestones_.end());
    initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
    const auto count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
    if (count == 0) {
        return group_lrs();
    }
    return scaled(group_lrs(), std::pow(gamma_, static_cast<double>(count)));
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
    const auto passed =
        std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
    return scaled(base_lrs_, std::pow(gamma_, static_cast<double>(passed)));
}

void MultiStepLR::save(SchedulerState& state) const {
    state.lists["milestones"].assign(milestones_.begin(), milestones_.end());
    state.scalars["gamma"] = gamma_;
}

void MultiStepLR::load(const SchedulerState& state) {
    const auto& milestones = detail::saved_list(state, "milestones");
    milestones_.assign(milestones.begin(), milestones.end());
    gamma_ = detail::saved_scalar(state, "gamma");
}

// ConstantLR

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, std::int64_t total_iters,
                       std::int64_t last_epoch)
    : LRScheduler(optimizer, "ConstantLR", last_epoch), factor_(factor), total_iters_(total_iters) {
    require(factor > 0.0 && factor <= 1.0,
            "ConstantLR: constant multiplicative factor expected to be in (0, 1]; factor is {}",
            factor);
    initial_step();
}

std::vector<double> ConstantLR::get_lr() {
    if (last_epoch_ == 0) {
        return scaled(group_lrs(), factor_);
    }
    if (last_epoch_ != total_iters_) {
        return group_lrs();
    }
    return scaled(group_lrs(), 1.0 / factor_);
}

std::optional<std::vector<double>> ConstantLR::closed_form_lr() const {
    const double on = last_epoch_ >= total_iters_ ? 1.0 : 0.0;
    return scaled(base_lrs_, factor_ + on * (1.0 - factor_));
}

void ConstantLR::save(SchedulerState& state) const {
    state.scalars["factor"] = factor_;
    state.scalars["total_iters"] = static_cast<double>(total_iters_);
}

void ConstantLR::load(const SchedulerState& state) {
    factor_ = detail::saved_scalar(state, "factor");
    total_iters_ = static_cast<std::int64_t>(detail::saved_scalar(state, "total_iters"));
}

// LinearLR

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   std::int64_t total_iters, std::int64_t last_epoch)
    : LRScheduler(optimizer, "LinearLR", last_epoch),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
    require(start_factor > 0.0 && start_factor <= 1.0,
            "LinearLR: starting multiplicative factor expected to be in (0, 1]; start_factor is "
            "{}",
            start_factor);
    require(end_factor >= 0.0 && end_factor <= 1.0,
            "LinearLR: ending multiplicative factor expected to be in [0, 1]; end_factor is {}",
            end_factor);
    require(total_iters > 0, "LinearLR: total_iters must be positive; total_iters is {}",
            total_iters);
    initial_step();
}

std::vector<double> LinearLR::get_lr() {
    if (last_epoch_ == 0) {
        return scaled(group_lrs(), start_factor_);
    }
    if (last_epoch_ > total_iters_) {
        return group_lrs();
    }
    const double delta = end_factor_ - start_factor_;
    const double factor = 1.0 + delta / (static_cast<double>(total_iters_) * start_factor_ +
                                         static_cast<double>(last_epoch_ - 1) * delta);
    return scaled(group_lrs(), factor);
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
    const double done = static_cast<double>(std::min(total_iters_, last_epoch_));
    return scaled(base_lrs_, start_factor_ + (end_factor_ - start_factor_) * done /
                                                 static_cast<double>(total_iters_));
}

void LinearLR::save(SchedulerState& state) const {
    state.scalars["start_factor"] = start_factor_;
    state.scalars["end_factor"] = end_factor_;
    state.scalars["total_iters"] = static_cast<double>(total_iters_);
}

void LinearLR::load(const SchedulerState& state) {
    start_factor_ = detail::saved_scalar(state, "start_factor");
    end_factor_ = detail::saved_scalar(state, "end_factor");
    total_iters_ = static_cast<std::int64_t>(detail::saved_scalar(state, "total_iters"));
}

// ExponentialLR

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma, std::int64_t last_epoch)
    : LRScheduler(optimizer, "ExponentialLR", last_epoch), gamma_(gamma) {
    initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
    return last_epoch_ == 0 ? group_lrs() : scaled(group_lrs(), gamma_);
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
    return scaled(base_lrs_, std::pow(gamma_, static_cast<double>(last_epoch_)));
}

void ExponentialLR::save(SchedulerState& state) const {
    state.scalars["gamma"] = gamma_;
}

void ExponentialLR::load(const SchedulerState& state) {
    gamma_ = detail::saved_scalar(state, "gamma");
}

// PolynomialLR

PolynomialLR::PolynomialLR(Optimizer& optimizer, std::int64_t total_iters, double power,
                           std::int64_t last_epoch)
    : LRScheduler(optimizer, "PolynomialLR", last_epoch), total_iters_(total_iters), power_(power) {
    require(total_iters > 0, "PolynomialLR: total_iters must be positive; total_iters is {}",
            total_iters);
    initial_step();
}

std::vector<double> PolynomialLR::get_lr() {
    if (last_epoch_ == 0 || last_epoch_ > total_iters_) {
        return group_lrs();
    }
    const auto e = static_cast<double>(last_epoch_);
    const auto n = static_cast<double>(total_iters_);
    const double factor = std::pow((1.0 - e / n) / (1.0 - (e - 1.0) / n), power_);
    return scaled(group_lrs(), factor);
}

std::optional<std::vector<double>> PolynomialLR::closed_form_lr() const {
    const auto done = static_cast<double>(std::min(total_iters_, last_epoch_));
    return scaled(base_lrs_, std::pow(1.0 - done / static_cast<double>(total_iters_), power_));
}

void PolynomialLR::save(SchedulerState& state) const {
    state.scalars["total_iters"] = static_cast<double>(total_iters_);
    state.scalars["power"] = power_;
}

void PolynomialLR::load(const SchedulerState& state) {
    total_iters_ = static_cast<std::int64_t>(detail::saved_scalar(state, "total_iters"));
    power_ = detail::saved_scalar(state, "power");
}

// CosineAnnealingLR

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min,
                                     std::int64_t last_epoch)
    : LRScheduler(optimizer, "CosineAnnealingLR", last_epoch), T_max_(T_max), eta_min_(eta_min) {
    require(T_max > 0, "CosineAnnealingLR: T_max must be positive; T_max is {}", T_max);
    initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
    constexpr double pi = std::numbers::pi;
    const auto e = static_cast<double>(last_epoch_);
    const auto t_max = static_cast<double>(T_max_);
    std::vector<double> lrs = group_lrs();
    if (last_epoch_ == 0) {
        return lrs;
    }
    if (step_count_ == 1 && last_epoch_ > 0) {
        // Resumed at last_epoch > 0: no previous lr to recurse from, so use the closed form.
        return *closed_form_lr();
    }
    if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
        for (std::size_t g = 0; g < lrs.size(); ++g) {
            lrs[g] += (base_lrs_[g] - eta_min_) * (1.0 - std::cos(pi / t_max)) / 2.0;
        }
        return lrs;
    }
    for (double& lr : lrs) {
        lr = (1.0 + std::cos(pi * e / t_max)) / (1.0 + std::cos(pi * (e - 1.0) / t_max)) *
                 (lr - eta_min_) +
             eta_min_;
    }
    return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
    std::vector<double> lrs;
    const double c =
        std::cos(std::numbers::pi * static_cast<double>(last_epoch_) / static_cast<double>(T_max_));
    for (double base : base_lrs_) {
        lrs.push_back(eta_min_ + (base - eta_min_) * (1.0 + c) / 2.0);
    }
    return lrs;
}

void CosineAnnealingLR::save(SchedulerState& state) const {
    state.scalars["T_max"] = static_cast<double>(T_max_);
    state.scalars["eta_min"] = eta_min_;
}

void CosineAnnealingLR::load(const SchedulerState& state) {
    T_max_ = static_cast<std::int64_t>(detail::saved_scalar(state, "T_max"));
    eta_min_ = detail::saved_scalar(state, "eta_min");
}

}  // namespace wengert::optim
