#include "common.hpp"

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

namespace examples {

using namespace wengert;

void add_common_flags(CLI::App& app, Flags& flags) {
    app.add_option("--epochs", flags.epochs, "passes over the training set")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--batch-size", flags.batch_size, "samples per mini-batch")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--lr", flags.lr, "learning rate")->capture_default_str()->check(
        CLI::PositiveNumber);
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
