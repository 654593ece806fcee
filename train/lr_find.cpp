#include "lr_find.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../autograd/error.hpp"
#include "metrics.hpp"

namespace wengert::train {

namespace {

void check(const LrFindOptions& options) {
    wengert::detail::require(options.start_lr > 0.0, "lr_find: start_lr must be positive; got {}",
                             options.start_lr);
    wengert::detail::require(options.end_lr > options.start_lr,
                             "lr_find: end_lr {} must be above start_lr {}", options.end_lr,
                             options.start_lr);
    wengert::detail::require(options.num_iter >= 2, "lr_find: num_iter must be at least 2; got {}",
                             options.num_iter);
    wengert::detail::require(options.smoothing >= 0.0 && options.smoothing < 1.0,
                             "lr_find: smoothing must be in [0, 1); got {}", options.smoothing);
    wengert::detail::require(options.diverge_factor > 1.0,
                             "lr_find: diverge_factor must be above 1; got {}",
                             options.diverge_factor);
}

// Index of the steepest descent of losses against log(lr), by central differences; the
// first and last few points are skipped, where the smoothing has not settled or the loss
// is already diverging.
std::size_t steepest_descent(const std::vector<double>& lrs, const std::vector<double>& losses) {
    const std::size_t n = losses.size();
    const std::size_t skip_start = n >= 20 ? n / 10 : 1;
    const std::size_t skip_end = n >= 20 ? n / 20 : 1;
    std::size_t best = 0;
    double steepest = 0.0;
    for (std::size_t i = skip_start; i + skip_end < n && i + 1 < n; ++i) {
        const double slope =
            (losses[i + 1] - losses[i - 1]) / (std::log(lrs[i + 1]) - std::log(lrs[i - 1]));
        if (slope < steepest) {
            steepest = slope;
            best = i;
        }
    }
    return best;
}

// Everything the sweep changes, put back when it goes out of scope, also on exceptions.
class Snapshot {
public:
    Snapshot(Module& model, optim::Optimizer& optimizer, DataLoader& loader)
        : model_(model),
          optimizer_(optimizer),
          loader_(loader),
          model_state_(model.state_dict()),
          optimizer_state_(optimizer.state_dict()),
          epoch_(loader.epoch()),
          training_(model.is_training()) {}
    ~Snapshot() {
        model_.load_state_dict(model_state_);
        optimizer_.load_state_dict(optimizer_state_);
        loader_.set_epoch(epoch_);
        model_.train(training_);
    }
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;

private:
    Module& model_;
    optim::Optimizer& optimizer_;
    DataLoader& loader_;
    StateDict model_state_;
    optim::OptimizerState optimizer_state_;
    std::size_t epoch_;
    bool training_;
};

}  // namespace

LrFindResult lr_find(Module& model, optim::Optimizer& optimizer, DataLoader& loader,
                     const LossFn& loss, const LrFindOptions& options) {
    check(options);
    wengert::detail::require(static_cast<bool>(loss), "lr_find: no loss function was given");

    wengert::detail::require(loader.size() > 0, "lr_find: the loader yields no batches");

    LrFindResult result;
    const double growth = std::pow(options.end_lr / options.start_lr,
                                   1.0 / static_cast<double>(options.num_iter - 1));
    double lr = options.start_lr;
    double average = 0.0;
    double best = 0.0;
    {
        const Snapshot restore_afterwards(model, optimizer, loader);
        model.train(true);
        while (result.lrs.size() < options.num_iter && !result.diverged) {
            for (const Batch& batch : loader) {
                optimizer.set_lr(lr);
                const Tensor value = loss(model(batch.inputs), batch.targets);
                optimizer.zero_grad();
                value.backward();
                optimizer.step();

                const std::size_t i = result.lrs.size();
                average = options.smoothing * average + (1.0 - options.smoothing) * value.item();
                const double smoothed =
                    average / (1.0 - std::pow(options.smoothing, static_cast<double>(i + 1)));
                result.lrs.push_back(lr);
                result.losses.push_back(smoothed);
                if (i == 0 || smoothed < best) {
                    best = smoothed;
                    result.min_loss_lr = lr;
                }
                if (!std::isfinite(smoothed) || smoothed > options.diverge_factor * best) {
                    result.diverged = true;
                    break;
                }
                lr *= growth;
                if (result.lrs.size() == options.num_iter) {
                    break;
                }
            }
        }
    }

    result.suggested_lr = result.lrs[steepest_descent(result.lrs, result.losses)];
    if (!options.plot_path.empty()) {
        PlotOptions plot_options;
        plot_options.title = "learning-rate range test";
        plot_options.xlabel = "learning rate";
        plot_options.ylabel = "smoothed loss";
        plot_options.log_x = true;
        // The suggestion as a vertical line across the curve's finite range (the last loss
        // of a diverged sweep may be infinite).
        double low = best, high = best;
        for (double value : result.losses) {
            if (std::isfinite(value)) {
                high = std::max(high, value);
            }
        }
        const double lr_at = result.suggested_lr;
        plot(options.plot_path,
             {{"smoothed loss", result.lrs, result.losses},
              {fmt::format("suggested lr {:.2g}", lr_at), {lr_at, lr_at}, {low, high}}},
             plot_options);
    }
    return result;
}

}  // namespace wengert::train
