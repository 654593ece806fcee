#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace examples {

using namespace wengert;

void add_common_flags(CLI::App& app, Flags& flags) {
    app.add_option("--epochs", flags.epochs, "passes over the training set")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--batch-size", flags.batch_size, "samples per mini-batch")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--lr", flags.lr, "learning rate")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--optimizer", flags.optimizer,
                   "sgd, adam, adamw, rmsprop, nadam, radam, lamb, lion or adagrad")
        ->capture_default_str();
    app.add_option("--scheduler", flags.scheduler,
                   "constant, exponential, step, cosine or onecycle")
        ->capture_default_str();
    app.add_option("--seed", flags.seed, "seed of every random choice")->capture_default_str();
    app.add_option("--threads", flags.threads, "threads for kernels and BLAS")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--output", flags.output,
                   "folder for metrics.csv, plots and other files (none when empty)");
    app.add_option("--data-dir", flags.data_dir, "folder of the Fashion-MNIST IDX files")
        ->capture_default_str();
    app.add_flag("--quiet", flags.quiet, "no progress bar and no per-epoch lines");
}

void apply(const Flags& flags) {
    manual_seed(flags.seed);
    set_num_threads(flags.threads);
}

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, TensorList params,
                                                 double lr) {
    using namespace wengert::optim;
    if (name == "sgd") {
        return std::make_unique<SGD>(std::move(params),
                                     SGDOptions(lr).momentum(0.9).nesterov(true));
    }
    if (name == "adam") {
        return std::make_unique<Adam>(std::move(params), AdamOptions(lr));
    }
    if (name == "adamw") {
        return std::make_unique<AdamW>(std::move(params), AdamWOptions(lr).weight_decay(0.01));
    }
    if (name == "rmsprop") {
        return std::make_unique<RMSprop>(std::move(params), RMSpropOptions(lr));
    }
    if (name == "nadam") {
        return std::make_unique<NAdam>(std::move(params), NAdamOptions(lr));
    }
    if (name == "radam") {
        return std::make_unique<RAdam>(std::move(params), RAdamOptions(lr));
    }
    if (name == "lamb") {
        return std::make_unique<LAMB>(std::move(params), LAMBOptions(lr));
    }
    if (name == "lion") {
        return std::make_unique<Lion>(std::move(params), LionOptions(lr));
    }
    if (name == "adagrad") {
        return std::make_unique<Adagrad>(std::move(params), AdagradOptions(lr));
    }
    throw std::invalid_argument(fmt::format(
        "--optimizer: unknown optimizer '{}'; expected sgd, adam, adamw, rmsprop, nadam, "
        "radam, lamb, lion or adagrad",
        name));
}

void Schedule::attach(train::FitOptions& options) {
    if (!scheduler) {
        return;
    }
    optim::LRScheduler* stepped = scheduler.get();
    auto chain = [stepped](std::function<void()> previous) {
        return [stepped, previous] {
            if (previous) {
                previous();
            }
            stepped->step();
        };
    };
    if (per_batch) {
        options.after_step = chain(options.after_step);
        return;
    }
    auto previous = options.after_epoch;
    options.after_epoch = [stepped, previous](const train::EpochRecord& record) {
        if (previous) {
            previous(record);
        }
        stepped->step();
    };
}

Schedule make_schedule(const std::string& name, optim::Optimizer& optimizer, std::size_t epochs,
                       std::size_t batches_per_epoch) {
    using namespace wengert::optim;
    const auto run_epochs = static_cast<std::int64_t>(epochs);
    Schedule schedule;
    if (name == "constant") {
        return schedule;
    }
    if (name == "exponential") {
        schedule.scheduler = std::make_unique<ExponentialLR>(optimizer, 0.8);
    } else if (name == "step") {
        schedule.scheduler =
            std::make_unique<StepLR>(optimizer, std::max<std::int64_t>(1, run_epochs / 3), 0.1);
    } else if (name == "cosine") {
        schedule.scheduler = std::make_unique<CosineAnnealingLR>(optimizer, run_epochs);
    } else if (name == "onecycle") {
        OneCycleLROptions options;
        options.max_lr = {optimizer.lr()};
        options.total_steps = static_cast<std::int64_t>(epochs * batches_per_epoch);
        schedule.scheduler = std::make_unique<OneCycleLR>(optimizer, options);
        schedule.per_batch = true;
    } else {
        throw std::invalid_argument(fmt::format(
            "--scheduler: unknown schedule '{}'; expected constant, exponential, step, cosine "
            "or onecycle",
            name));
    }
    return schedule;
}

FashionData load_fashion(const std::string& dir, bool flatten) {
    FashionMnist train_split = load_fashion_mnist(dir, Split::train);
    FashionMnist test_split = load_fashion_mnist(dir, Split::test);
    normalize_(train_split.images, kFashionMnistMean, kFashionMnistStd);
    normalize_(test_split.images, kFashionMnistMean, kFashionMnistStd);
    if (flatten) {
        train_split.images = reshape(train_split.images, {-1, 784});
        test_split.images = reshape(test_split.images, {-1, 784});
    }
    return {TensorDataset(train_split.images, train_split.labels),
            TensorDataset(test_split.images, test_split.labels)};
}

std::shared_ptr<Sequential> make_mlp(double dropout, Generator* generator) {
    auto model = std::make_shared<Sequential>();
    model->push_back(std::make_shared<Linear>(784, 512, true, generator));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<Dropout>(dropout, generator));
    model->push_back(std::make_shared<Linear>(512, 256, true, generator));
    model->push_back(std::make_shared<ReLU>());
    model->push_back(std::make_shared<Dropout>(dropout, generator));
    model->push_back(std::make_shared<Linear>(256, 10, true, generator));
    return model;
}

Tensor classification_loss(const Tensor& logits, const Tensor& labels) {
    return cross_entropy(logits, labels);
}

train::FitOptions fit_options(const Flags& flags, const std::string& run_name) {
    train::FitOptions options;
    options.epochs = flags.epochs;
    options.loss = classification_loss;
    options.output_dir = flags.output;
    options.run_name = run_name;
    options.progress = !flags.quiet;
    options.log_epochs = !flags.quiet;
    return options;
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(header.size());
    for (std::size_t column = 0; column < header.size(); ++column) {
        widths[column] = header[column].size();
        for (const auto& row : rows) {
            widths[column] = std::max(widths[column], row.at(column).size());
        }
    }

    auto print_row = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t column = 0; column < row.size(); ++column) {
            // The first column (the run's name) reads best left-aligned, numbers right-aligned.
            line += column == 0 ? fmt::format("{:<{}}", row[column], widths[column])
                                : fmt::format("  {:>{}}", row[column], widths[column]);
        }
        fmt::print(stderr, "{}\n", line);
    };
    print_row(header);
    std::size_t total = 0;
    for (std::size_t width : widths) {
        total += width + 2;
    }
    fmt::print(stderr, "{}\n", std::string(total - 2, '-'));
    for (const auto& row : rows) {
        print_row(row);
    }
}

train::Curve epoch_curve(const std::string& title, const train::History& history,
                         double train::EpochRecord::*value) {
    train::Curve curve{title, {}, {}};
    for (const train::EpochRecord& record : history.epochs) {
        curve.x.push_back(static_cast<double>(record.epoch));
        curve.y.push_back(record.*value);
    }
    return curve;
}

std::string save_plot(const std::string& output, const std::string& file,
                      const std::vector<train::Curve>& curves, const train::PlotOptions& options) {
    if (output.empty()) {
        return "";
    }
    std::filesystem::create_directories(output);
    const std::string path = output + "/" + file;
    if (!train::plot(path, curves, options)) {
        fmt::print(stderr, "no plot: gnuplot is not installed (apt-get install gnuplot-nox)\n");
        return "";
    }
    fmt::print(stderr, "plot: {}\n", path);
    return path;
}

void print_json(const Json& metrics) {
    std::cout << metrics.dump() << std::endl;
}

int run_main(const std::function<int()>& body) {
    try {
        return body();
    } catch (const std::exception& error) {
        fmt::print(stderr, "error: {}\n", error.what());
        return 1;
    }
}

}  // namespace examples
