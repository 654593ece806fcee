#include "loop.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <utility>

#include "../autograd/error.hpp"
#include "../autograd/grad_mode.hpp"
#include "../autograd/tensor_impl.hpp"
#include "metrics.hpp"
#include "progress.hpp"

namespace wengert::train {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Row-wise argmax compared with the targets, in the logits' own element type.
template <class T>
std::size_t count_matches(const T* logits, const std::int64_t* targets, std::size_t rows,
                          std::size_t classes) {
    std::size_t correct = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* row = logits + r * classes;
        std::size_t best = 0;
        for (std::size_t c = 1; c < classes; ++c) {
            if (row[c] > row[best]) {
                best = c;
            }
        }
        correct += static_cast<std::int64_t>(best) == targets[r] ? 1 : 0;
    }
    return correct;
}

// Restores a module's training mode when it goes out of scope.
class ModeScope {
public:
    ModeScope(Module& model, bool training) : model_(model), previous_(model.is_training()) {
        model_.train(training);
    }
    ~ModeScope() { model_.train(previous_); }
    ModeScope(const ModeScope&) = delete;
    ModeScope& operator=(const ModeScope&) = delete;

private:
    Module& model_;
    bool previous_;
};

void plot_history(const MetricsLog& log, const std::string& prefix) {
    const std::vector<double> epochs = log.column("epoch");
    auto curve = [&](const char* title, const char* column) {
        return Curve{title, epochs, log.column(column)};
    };
    PlotOptions loss_plot{.title = "loss", .ylabel = "loss"};
    plot(prefix + "loss.png", {curve("train", "train_loss"), curve("test", "test_loss")},
         loss_plot);
    PlotOptions accuracy_plot{.title = "accuracy", .ylabel = "accuracy"};
    plot(prefix + "accuracy.png",
         {curve("train", "train_accuracy"), curve("test", "test_accuracy")}, accuracy_plot);
    PlotOptions lr_plot{.title = "learning rate", .ylabel = "lr"};
    plot(prefix + "lr.png", {curve("lr", "lr")}, lr_plot);
    PlotOptions batch_plot{.title = "batch size", .ylabel = "batch size"};
    plot(prefix + "batch_size.png", {curve("batch size", "batch_size")}, batch_plot);
}

}  // namespace

std::size_t count_correct(const Tensor& logits, const Tensor& targets) {
    wengert::detail::require_floating("accuracy", logits, "logits");
    wengert::detail::require_int64("accuracy", targets, "targets");
    wengert::detail::require<ShapeError>(
        logits.dim() == 2 && targets.dim() == 1 && targets.shape()[0] == logits.shape()[0],
        "accuracy: expected logits (N, C) and targets (N); got logits {} and targets {}",
        shape_string(logits.shape()), shape_string(targets.shape()));
    const std::size_t rows = logits.shape()[0];
    const std::size_t classes = logits.shape()[1];
    const std::int64_t* labels = targets.data_ptr<std::int64_t>();
    if (logits.dtype() == kFloat32) {
        return count_matches(logits.data_ptr<float>(), labels, rows, classes);
    }
    return count_matches(logits.data_ptr<double>(), labels, rows, classes);
}

double accuracy(const Tensor& logits, const Tensor& targets) {
    const std::size_t correct = count_correct(logits, targets);
    return logits.shape()[0] == 0
               ? 0.0
               : static_cast<double>(correct) / static_cast<double>(logits.shape()[0]);
}

Evaluation evaluate(Module& model, DataLoader& loader, const LossFn& loss, bool classify) {
    wengert::detail::require(static_cast<bool>(loss), "evaluate: no loss function was given");
    ModeScope eval(model, false);
    NoGradGuard no_grad;
    double total_loss = 0.0;
    std::size_t correct = 0;
    Evaluation result;
    for (const Batch& batch : loader) {
        const Tensor output = model(batch.inputs);
        const std::size_t n = batch.inputs.shape()[0];
        total_loss += loss(output, batch.targets).item() * static_cast<double>(n);
        if (classify) {
            correct += count_correct(output, batch.targets);
        }
        result.samples += n;
    }
    if (result.samples > 0) {
        result.loss = total_loss / static_cast<double>(result.samples);
        result.accuracy = static_cast<double>(correct) / static_cast<double>(result.samples);
    }
    return result;
}

History fit(Module& model, optim::Optimizer& optimizer, DataLoader& train, DataLoader* test,
            const FitOptions& options) {
    wengert::detail::require(static_cast<bool>(options.loss),
                             "fit: no loss function was given (set FitOptions::loss)");
    wengert::detail::require(options.epochs >= 1, "fit: epochs must be at least 1; got {}",
                             options.epochs);
    std::optional<MetricsLog> log;
    std::string prefix;
    if (!options.output_dir.empty()) {
        prefix = (std::filesystem::path(options.output_dir) / options.run_name).string();
        log.emplace(prefix + "metrics.csv",
                    std::vector<std::string>{"epoch", "train_loss", "train_accuracy", "test_loss",
                                             "test_accuracy", "lr", "batch_size", "seconds"});
    }

    History history;
    const auto run_start = std::chrono::steady_clock::now();
    for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
        EpochRecord record;
        record.epoch = epoch;
        record.batch_size = train.batch_size();
        const auto epoch_start = std::chrono::steady_clock::now();
        {
            ModeScope training(model, true);
            ProgressBar bar(epoch, options.epochs, train.size(), stderr, !options.progress);
            double total_loss = 0.0;
            std::size_t correct = 0, samples = 0, batch_number = 0;
            bool all_outputs = true;  // false once a batch_loss hook hands back no outputs
            for (const Batch& batch : train) {
                ++batch_number;
                Tensor output;
                Tensor loss;
                if (options.batch_loss) {
                    BatchOutput hooked = options.batch_loss(model, batch);
                    loss = std::move(hooked.loss);
                    output = std::move(hooked.output);
                    all_outputs = all_outputs && output.defined();
                } else {
                    output = model(batch.inputs);
                    loss = options.loss(output, batch.targets);
                }
                const double value = loss.item();
                if (!std::isfinite(value)) {
                    bar.finish();
                    throw std::runtime_error(fmt::format(
                        "fit: the loss is {} at epoch {}, batch {} (lr {}); the learning rate "
                        "is probably too high",
                        value, epoch, batch_number, optimizer.lr()));
                }
                optimizer.zero_grad();
                loss.backward();
                if (options.after_backward) {
                    options.after_backward();
                }
                optimizer.step();
                if (options.after_step) {
                    options.after_step();
                }

                const std::size_t n = batch.inputs.shape()[0];
                total_loss += value * static_cast<double>(n);
                if (options.classify && output.defined()) {
                    correct += count_correct(output, batch.targets);
                }
                samples += n;
                bar.update(batch_number, value, n);
            }
            bar.finish();
            record.seconds = seconds_since(epoch_start);
            if (samples > 0) {
                record.train_loss = total_loss / static_cast<double>(samples);
                // A batch_loss hook that hides the outputs leaves no training accuracy to
                // report: NaN says so, where 0 would read as a measured value.
                record.train_accuracy =
                    all_outputs ? static_cast<double>(correct) / static_cast<double>(samples)
                                : std::nan("");
            }
        }
        if (test != nullptr) {
            const Evaluation evaluation = evaluate(model, *test, options.loss, options.classify);
            record.test_loss = evaluation.loss;
            record.test_accuracy = evaluation.accuracy;
        }
        record.lr = optimizer.lr();
        if (options.log_epochs) {
            fmt::print(stderr,
                       "epoch {}/{}: train loss {:.4f} acc {:.4f} | test loss {:.4f} acc {:.4f}"
                       " | lr {:.3g} batch {} | {:.1f} s\n",
                       epoch, options.epochs, record.train_loss, record.train_accuracy,
                       record.test_loss, record.test_accuracy, record.lr, record.batch_size,
                       record.seconds);
        }
        if (log) {
            log->add({{"epoch", static_cast<double>(record.epoch)},
                      {"train_loss", record.train_loss},
                      {"train_accuracy", record.train_accuracy},
                      {"test_loss", record.test_loss},
                      {"test_accuracy", record.test_accuracy},
                      {"lr", record.lr},
                      {"batch_size", static_cast<double>(record.batch_size)},
                      {"seconds", record.seconds}});
        }
        history.epochs.push_back(record);
        if (options.after_epoch) {
            options.after_epoch(record);
        }
    }
    history.seconds = seconds_since(run_start);
    if (log) {
        plot_history(*log, prefix);
    }
    return history;
}

}  // namespace wengert::train
