#pragma once
// The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
// Networks", section 3.3; popularised by fastai's lr_find).
//
// Starting from the model's current state, it trains for up to `num_iter` batches while the
// learning rate grows exponentially from start_lr to end_lr, records the loss smoothed by an
// exponential moving average, stops early once the smoothed loss exceeds `diverge_factor`
// times its best value, and then puts the model's parameters and buffers, the optimizer's
// state and learning rates, and the loader's epoch back exactly as they were. The suggested
// learning rate is where the smoothed loss falls fastest (the steepest negative slope
// against log lr), a point still well inside the range where training makes progress.

#include <cstddef>
#include <string>
#include <vector>

#include "loop.hpp"

namespace wengert::train {

struct LrFindOptions {
    double start_lr = 1e-7;
    double end_lr = 10.0;
    std::size_t num_iter = 200;
    /// Weight of the past in the moving average of the loss.
    double smoothing = 0.98;
    /// Stop once the smoothed loss exceeds this multiple of the best smoothed loss.
    double diverge_factor = 4.0;
    /// When not empty, a PNG of smoothed loss against lr (log scale) is written here.
    std::string plot_path;
};

struct LrFindResult {
    std::vector<double> lrs;
    /// Smoothed (bias-corrected) loss at each lr.
    std::vector<double> losses;
    /// The lr at the steepest descent of the smoothed loss.
    double suggested_lr = 0.0;
    /// The lr of the lowest smoothed loss.
    double min_loss_lr = 0.0;
    bool diverged = false;
};

/// Runs the range test; throws std::invalid_argument naming a bad option (start_lr <= 0,
/// end_lr <= start_lr, num_iter < 2, smoothing outside [0, 1)). The loader is iterated for
/// as many epochs as num_iter needs.
LrFindResult lr_find(Module& model, optim::Optimizer& optimizer, DataLoader& loader,
                     const LossFn& loss, const LrFindOptions& options = {});

}  // namespace wengert::train
