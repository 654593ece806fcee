#pragma once
// Schedules that rise and fall: warm restarts, cyclical learning rates, the one-cycle policy.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lr_scheduler.hpp"

namespace wengert::optim {

/// SGDR (Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR
/// 2017): cosine annealing from base_lr to eta_min over T_i epochs, then a restart with
/// T_{i+1} = T_i * T_mult:
///   lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2.
/// Throws std::invalid_argument unless T_0 >= 1 and T_mult >= 1.
class CosineAnnealingWarmRestarts : public LRScheduler {
public:
    CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0, std::int64_t T_mult = 1,
                                double eta_min = 0.0, std::int64_t last_epoch = -1);
    void step() override;
    /// Jumps to `epoch` (>= 0, else std::invalid_argument), as PyTorch's step(epoch).
    void step_to(std::int64_t epoch) override;

    double T_cur() const noexcept { return T_cur_; }
    std::int64_t T_i() const noexcept { return T_i_; }

protected:
    std::vector<double> get_lr() override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    std::int64_t T_0_, T_i_, T_mult_;
    double eta_min_;
    double T_cur_;
};

/// Options of CyclicLR (PyTorch's names and defaults). A list with one value applies to
/// every group; otherwise it needs one value per group.
struct CyclicLROptions {
    std::vector<double> base_lr;
    std::vector<double> max_lr;
    double step_size_up = 2000;
    /// 0 means equal to step_size_up.
    double step_size_down = 0;
    /// "triangular", "triangular2" or "exp_range"; ignored when scale_fn is set.
    std::string mode = "triangular";
    double gamma = 1.0;
    /// A custom amplitude scale; scale_mode "cycle" passes the cycle number, "iterations"
    /// the iteration.
    std::function<double(double)> scale_fn = nullptr;
    std::string scale_mode = "cycle";
    bool cycle_momentum = true;
    std::vector<double> base_momentum = {0.8};
    std::vector<double> max_momentum = {0.9};
};

/// Cyclical learning rates (Smith, "Cyclical Learning Rates for Training Neural Networks",
/// WACV 2017), as PyTorch 1.13's CyclicLR, stepped once per batch. With
///   cycle = floor(1 + it / (up + down)),  x = 1 + it / (up + down) - cycle,
///   s = x <= r ? x / r : (x - 1) / (r - 1)      (r = up / (up + down)),
/// lr = base_lr + (max_lr - base_lr) s f, and the momentum (SGD's "momentum", RMSprop's, or
/// the "beta1" of Adam-like optimizers, which PyTorch 1.13 does not cycle) moves the other
/// way: m = max_momentum - (max_momentum - base_momentum) s f. f is 1 (triangular),
/// 1 / 2^(cycle - 1) (triangular2) or gamma^it (exp_range). Throws std::invalid_argument for
/// an unknown mode, a list of the wrong length, or cycle_momentum on an optimizer with
/// neither momentum nor beta1.
class CyclicLR : public LRScheduler {
public:
    CyclicLR(Optimizer& optimizer, CyclicLROptions options, std::int64_t last_epoch = -1);

protected:
    std::vector<double> get_lr() override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    double scale(double cycle) const;

    CyclicLROptions options_;
    double total_size_, step_ratio_;
    std::string momentum_key_;
    std::vector<double> base_momentums_, max_momentums_;
};

/// Options of OneCycleLR (PyTorch's names and defaults). Give total_steps, or epochs and
/// steps_per_epoch.
struct OneCycleLROptions {
    std::vector<double> max_lr;
    std::int64_t total_steps = 0;
    std::int64_t epochs = 0;
    std::int64_t steps_per_epoch = 0;
    double pct_start = 0.3;
    /// "cos" or "linear".
    std::string anneal_strategy = "cos";
    bool cycle_momentum = true;
    std::vector<double> base_momentum = {0.85};
    std::vector<double> max_momentum = {0.95};
    double div_factor = 25.0;
    double final_div_factor = 1e4;
    bool three_phase = false;
};

/// The one-cycle policy (Smith and Topin, "Super-Convergence: Very Fast Training of Neural
/// Networks Using Large Learning Rates", 2018), as PyTorch 1.13's OneCycleLR, stepped once
/// per batch. initial_lr = max_lr / div_factor, min_lr = initial_lr / final_div_factor.
/// Two phases: initial_lr -> max_lr over steps [0, pct_start T - 1], then max_lr -> min_lr
/// until T - 1. Three phases: up, back down to initial_lr by 2 pct_start T - 2, then down
/// to min_lr. Each phase anneals by cos (end + (start - end)(1 + cos(pi pct)) / 2) or
/// linearly; the momentum (or beta1) runs max -> base -> max in step. Throws
/// std::invalid_argument for bad options and std::logic_error when stepped more than
/// total_steps times after construction.
class OneCycleLR : public LRScheduler {
public:
    OneCycleLR(Optimizer& optimizer, OneCycleLROptions options, std::int64_t last_epoch = -1);
    std::int64_t total_steps() const noexcept { return total_steps_; }

protected:
    std::vector<double> get_lr() override;
    void save(SchedulerState& state) const override;
    void load(const SchedulerState& state) override;

private:
    enum class Level { initial, max, min, base_momentum, max_momentum };
    struct Phase {
        double end_step;
        Level start_lr, end_lr, start_momentum, end_momentum;
    };
    double level(std::size_t group, Level which) const;
    double anneal(double start, double end, double pct) const;

    OneCycleLROptions options_;
    std::int64_t total_steps_;
    std::vector<Phase> phases_;
    std::vector<double> initial_lrs_, max_lrs_, min_lrs_, base_momentums_, max_momentums_;
    std::string momentum_key_;
};

}  // namespace wengert::optim
