// Which batch size? The Fashion-MNIST MLP of fashion_mlp trained at several batch sizes,
// each with its lr set by the linear scaling rule (lr = --lr * batch / --batch-size, Goyal et
// al. 2017), and two runs that compare "decay the lr" with "increase the batch size instead"
// (Smith, Kindermans, Ying and Le 2018): both start at --batch-size and --lr; every
// epochs/3 epochs the first multiplies the lr by --gamma, the second multiplies the batch
// size by 1 / --gamma instead (through loader.set_batch_size in the after_epoch hook), up
// to --max-batch-size.
//
//   build/examples/batch_size --output out/batch_size
//
// The default run is short (3 epochs per run, 5 runs) so that it ends in a few minutes on 2
// cores. Prints a table of final test accuracy, time and optimizer steps on stderr, plots the
// test-accuracy curves into --output, and ends with one JSON line holding every run.
#include <algorithm>
#include <common/common.hpp>
#include <limits>

using namespace wengert;

namespace {

struct RunSpec {
    std::string name;
    std::size_t batch_size = 0;
    double lr = 0.0;
    /// "constant", "lr_decay" (StepLR) or "batch_increase" (BatchSizeInsteadOfLRDecay).
    std::string mode;
};

}  // namespace

int main(int argc, char** argv) {
    return examples::run_main([&] {
        CLI::App app("Trains the Fashion-MNIST MLP at several batch sizes");
        examples::Flags flags;
        flags.epochs = 3;
        flags.batch_size = 128;
        flags.lr = 1e-3;
        flags.optimizer = "adam";
        double dropout = 0.2;
        double gamma = 0.25;
        std::size_t max_batch_size = 2048;
        std::vector<std::size_t> batch_sizes = {32, 128, 512};
        examples::add_common_flags(app, flags);
        app.get_option("--batch-size")
            ->description(
                "base batch size: the lr of the scaling rule and the start of the "
                "decay and increase runs");
        app.get_option("--scheduler")->description("ignored: every run has its own schedule");
        app.add_option("--batch-sizes", batch_sizes, "fixed batch sizes to compare")
            ->capture_default_str();
        app.add_option("--gamma", gamma, "lr decay factor (its inverse grows the batch size)")
            ->capture_default_str()
            ->check(CLI::Range(0.01, 0.99));
        app.add_option("--max-batch-size", max_batch_size,
                       "largest batch of the increase run (then the lr decays instead)")
            ->capture_default_str();
        app.add_option("--dropout", dropout, "dropout probability after each hidden layer")
            ->capture_default_str();
        CLI11_PARSE(app, argc, argv);
        examples::apply(flags);

        std::vector<RunSpec> specs;
        for (std::size_t batch : batch_sizes) {
            specs.push_back({fmt::format("batch {}", batch), batch,
                             optim::linear_scaling_lr(flags.lr, flags.batch_size, batch),
                             "constant"});
        }
        specs.push_back({fmt::format("batch {}, lr decay", flags.batch_size), flags.batch_size,
                         flags.lr, "lr_decay"});
        specs.push_back({fmt::format("batch {}, batch increase", flags.batch_size),
                         flags.batch_size, flags.lr, "batch_increase"});
        const auto step_size =
            std::max<std::int64_t>(1, static_cast<std::int64_t>(flags.epochs) / 3);
        const optim::BatchSizeInsteadOfLRDecay increase(flags.batch_size, step_size, gamma,
                                                        max_batch_size);

        const examples::FashionData data = examples::load_fashion(flags.data_dir, true);
        examples::Json runs = examples::Json::object();
        std::vector<train::Curve> curves;
        std::vector<std::vector<std::string>> rows;
        double total_seconds = 0.0;
        std::string best;
        double best_accuracy = -1.0;
        double best_loss = std::numeric_limits<double>::infinity();
        for (const RunSpec& spec : specs) {
            // The same initial weights and dropout masks for every run.
            Generator generator(flags.seed);
            auto model = examples::make_mlp(dropout, &generator);
            DataLoader train_loader(
                data.train, {.batch_size = spec.batch_size, .shuffle = true, .seed = flags.seed});
            DataLoader test_loader(data.test, {.batch_size = 1000});
            auto optimizer =
                examples::make_optimizer(flags.optimizer, model->parameters(), spec.lr);

            std::string file_prefix = spec.name;
            std::replace(file_prefix.begin(), file_prefix.end(), ' ', '_');
            std::erase(file_prefix, ',');
            train::FitOptions options = examples::fit_options(flags, file_prefix + "_");
            std::size_t steps = 0;
            options.after_step = [&steps] { ++steps; };
            std::unique_ptr<optim::LRScheduler> scheduler;
            if (spec.mode == "lr_decay") {
                scheduler = std::make_unique<optim::StepLR>(*optimizer, step_size, gamma);
            } else if (spec.mode == "batch_increase") {
                scheduler = std::make_unique<optim::LambdaLR>(
                    *optimizer,
                    [&increase](std::int64_t epoch) { return increase.lr_factor(epoch); });
            }
            options.after_epoch = [&](const train::EpochRecord& record) {
                if (scheduler) {
                    scheduler->step();
                }
                if (spec.mode == "batch_increase") {
                    // record.epoch is 1-based: the next epoch is record.epoch counting from 0.
                    train_loader.set_batch_size(
                        increase.batch_size(static_cast<std::int64_t>(record.epoch)));
                }
            };
            if (!flags.quiet) {
                fmt::print(stderr, "{} (lr {:.3g})\n", spec.name, spec.lr);
            }
            const train::History history =
                train::fit(*model, *optimizer, train_loader, &test_loader, options);

            const train::EpochRecord& last = history.epochs.back();
            total_seconds += history.seconds;
            if (last.test_accuracy > best_accuracy) {
                best_accuracy = last.test_accuracy;
                best_loss = last.test_loss;
                best = spec.name;
            }
            std::string batch_sizes_seen;
            examples::Json batch_list = examples::Json::array();
            for (const train::EpochRecord& record : history.epochs) {
                batch_list.push_back(record.batch_size);
                batch_sizes_seen +=
                    (batch_sizes_seen.empty() ? "" : ",") + std::to_string(record.batch_size);
            }
            curves.push_back(
                examples::epoch_curve(spec.name, history, &train::EpochRecord::test_accuracy));
            rows.push_back({spec.name, batch_sizes_seen, fmt::format("{:.2e}", spec.lr),
                            fmt::format("{:.4f}", last.test_accuracy),
                            fmt::format("{:.4f}", last.test_loss), std::to_string(steps),
                            fmt::format("{:.1f}", history.seconds)});
            runs[spec.name] = {{"batch_sizes", batch_list},   {"lr", spec.lr},
                               {"final_lr", last.lr},         {"test_accuracy", last.test_accuracy},
                               {"test_loss", last.test_loss}, {"steps", steps},
                               {"seconds", history.seconds}};
        }

        fmt::print(stderr, "\n{} epochs per run, {} MLP, lr {} at batch {} (linear scaling)\n",
                   flags.epochs, flags.optimizer, flags.lr, flags.batch_size);
        examples::print_table(
            {"run", "batch per epoch", "lr", "test acc", "test loss", "steps", "s"}, rows);
        const std::string plot = examples::save_plot(
            flags.output, "batch_size_test_accuracy.png", curves,
            {.title = "Fashion-MNIST MLP: test accuracy by batch size", .ylabel = "test accuracy"});

        examples::Json metrics;
        metrics["example"] = "batch_size";
        metrics["test_accuracy"] = best_accuracy;
        metrics["test_loss"] = best_loss;
        metrics["best_run"] = best;
        metrics["runs"] = runs;
        metrics["epochs"] = flags.epochs;
        metrics["seconds"] = total_seconds;
        metrics["optimizer"] = flags.optimizer;
        metrics["base_batch_size"] = flags.batch_size;
        metrics["base_lr"] = flags.lr;
        metrics["gamma"] = gamma;
        metrics["seed"] = flags.seed;
        if (!plot.empty()) {
            metrics["plot"] = plot;
        }
        examples::print_json(metrics);
        return 0;
    });
}
