#pragma once
// What every example shares: its command line, the optimizer and scheduler named on it,
// Fashion-MNIST loading, and the JSON line each example ends with.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <wengert/wengert.hpp>

namespace examples {

using Json = nlohmann::ordered_json;

/// The flags every example takes; each example sets its own defaults before parsing.
struct Flags {
    std::size_t epochs = 10;
    std::size_t batch_size = 128;
    double lr = 1e-3;
    std::string optimizer = "adam";
    std::string scheduler = "constant";
    std::uint64_t seed = 0;
    int threads = 2;
    std::string output;
    std::string data_dir = wengert::kFashionMnistDir;
    bool quiet = false;
};

/// Adds --epochs, --batch-size, --lr, --optimizer, --scheduler, --seed, --threads, --output,
/// --data-dir and --quiet to `app`, bound to `flags`.
void add_common_flags(CLI::App& app, Flags& flags);

/// Seeds the default generator and sets the thread count: call once after parsing.
void apply(const Flags& flags);

/// "sgd" (momentum 0.9, nesterov), "adam", "adamw" (weight decay 0.01), "rmsprop",
/// "nadam", "radam", "lamb", "lion", "adagrad"; std::invalid_argument lists the names for
/// anything else.
std::unique_ptr<wengert::optim::Optimizer> make_optimizer(const std::string& name,
                                                          wengert::TensorList params, double lr);

/// A learning-rate schedule driven from fit()'s hooks.
struct Schedule {
    std::unique_ptr<wengert::optim::LRScheduler> scheduler;
    /// Stepped after every batch (onecycle) rather than after every epoch.
    bool per_batch = false;
    /// Installs the stepping into fit's hooks (keeps any hook already set).
    void attach(wengert::train::FitOptions& options);
};

/// "constant" (no scheduler), "exponential" (gamma 0.8 per epoch), "step" (x0.1 every
/// epochs/3 epochs), "cosine" (to 0 over the run), "onecycle" (max lr = lr, per batch).
Schedule make_schedule(const std::string& name, wengert::optim::Optimizer& optimizer,
                       std::size_t epochs, std::size_t batches_per_epoch);

/// Fashion-MNIST standardised with its mean and std; `flatten` gives (N, 784) rows for an
/// MLP, otherwise (N, 1, 28, 28). Exits with the install hint when the data is missing.
struct FashionData {
    wengert::TensorDataset train;
    wengert::TensorDataset test;
};
FashionData load_fashion(const std::string& dir, bool flatten);

/// Prints `metrics` as one JSON line on stdout: the last line every example prints.
void print_json(const Json& metrics);

/// Runs `body` and turns an exception into a message on stderr and exit code 1, so that
/// bad flags or data give a sentence rather than an abort.
int run_main(const std::function<int()>& body);

}  // namespace examples
