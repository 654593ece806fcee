#pragma once
// What every example shares: its command line, the optimizer and scheduler named on it,
// Fashion-MNIST loading, and the JSON line each example ends with.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
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

/// The Fashion-MNIST MLP of fashion_mlp (784-512-256-10, ReLU, dropout after each hidden
/// layer), shared by the examples that compare ways of training it.
std::shared_ptr<wengert::Sequential> make_mlp(double dropout, wengert::Generator* generator);

/// Cross-entropy of (N, 10) logits against int64 labels: every classifier's loss.
wengert::Tensor classification_loss(const wengert::Tensor& logits, const wengert::Tensor& labels);

/// fit()'s options from the flags: epochs, the classification loss, --output (with
/// `run_name` as the prefix of that run's files) and --quiet.
wengert::train::FitOptions fit_options(const Flags& flags, const std::string& run_name = "");

/// Prints a table on stderr: `header`, then `rows`, each column as wide as its widest cell.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

/// One curve of a per-epoch quantity (test_accuracy, train_loss, ...) of a run, against the
/// epoch number.
wengert::train::Curve epoch_curve(const std::string& title, const wengert::train::History& history,
                                  double wengert::train::EpochRecord::*value);

/// Renders `curves` to `<output>/<file>` when --output is set and says where on stderr;
/// returns the path, or "" when nothing was written (no --output, or no gnuplot).
std::string save_plot(const std::string& output, const std::string& file,
                      const std::vector<wengert::train::Curve>& curves,
                      const wengert::train::PlotOptions& options);

/// Prints `metrics` as one JSON line on stdout: the last line every example prints.
void print_json(const Json& metrics);

/// Runs `body` and turns an exception into a message on stderr and exit code 1, so that
/// bad flags or data give a sentence rather than an abort.
int run_main(const std::function<int()>& body);

}  // namespace examples
