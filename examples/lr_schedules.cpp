// The Fashion-MNIST MLP of fashion_mlp trained once under each learning-rate schedule:
// constant, exponential (x0.8 per epoch), step (x0.1 every epochs/3 epochs), cosine (to 0)
// and onecycle (warm up to --lr, then anneal, stepped per batch).
//
//   build/examples/lr_schedules --output out/lr_schedules
//
// The default run is short (3 epochs per schedule, 15 epochs in all) so that it ends in a
// few minutes on 2 cores; the ranking of the schedules is the point, not the last 0.5% of
// accuracy (fashion_mlp trains the same model for 10 epochs). Prints a table of final test
// accuracy and time on stderr, plots the test-accuracy curves into --output, and ends with
// one JSON line holding every run's figures.
#include <common/common.hpp>
#include <limits>

using namespace wengert;

int main(int argc, char** argv) {
    return examples::run_main([&] {
        CLI::App app("Trains the Fashion-MNIST MLP under several learning-rate schedules");
        examples::Flags flags;
        flags.epochs = 3;
        flags.batch_size = 128;
        flags.lr = 1e-3;
        flags.optimizer = "adam";
        double dropout = 0.2;
        std::vector<std::string> schedules = {"constant", "exponential", "step", "cosine",
                                              "onecycle"};
        examples::add_common_flags(app, flags);
        app.get_option("--scheduler")->description("ignored: see --schedules");
        app.add_option("--schedules", schedules, "the schedules to compare")->capture_default_str();
        app.add_option("--dropout", dropout, "dropout probability after each hidden layer")
            ->capture_default_str();
        CLI11_PARSE(app, argc, argv);
        examples::apply(flags);

        const examples::FashionData data = examples::load_fashion(flags.data_dir, true);
        examples::Json runs = examples::Json::object();
        std::vector<train::Curve> curves;
        std::vector<std::vector<std::string>> rows;
        double total_seconds = 0.0;
        std::string best;
        double best_accuracy = -1.0;
        double best_loss = std::numeric_limits<double>::infinity();
        for (const std::string& name : schedules) {
            // The same initial weights, dropout masks and batch order for every schedule.
            Generator generator(flags.seed);
            auto model = examples::make_mlp(dropout, &generator);
            DataLoader train_loader(
                data.train, {.batch_size = flags.batch_size, .shuffle = true, .seed = flags.seed});
            DataLoader test_loader(data.test, {.batch_size = 1000});
            auto optimizer =
                examples::make_optimizer(flags.optimizer, model->parameters(), flags.lr);
            train::FitOptions options = examples::fit_options(flags, name + "_");
            examples::Schedule schedule =
                examples::make_schedule(name, *optimizer, flags.epochs, train_loader.size());
            schedule.attach(options);
            if (!flags.quiet) {
                fmt::print(stderr, "schedule {}\n", name);
            }
            const train::History history =
                train::fit(*model, *optimizer, train_loader, &test_loader, options);

            const train::EpochRecord& last = history.epochs.back();
            total_seconds += history.seconds;
            if (last.test_accuracy > best_accuracy) {
                best_accuracy = last.test_accuracy;
                best_loss = last.test_loss;
                best = name;
            }
            curves.push_back(
                examples::epoch_curve(name, history, &train::EpochRecord::test_accuracy));
            rows.push_back({name, fmt::format("{:.4f}", last.test_accuracy),
                            fmt::format("{:.4f}", last.test_loss),
                            fmt::format("{:.4f}", last.train_loss), fmt::format("{:.2e}", last.lr),
                            fmt::format("{:.1f}", history.seconds)});
            runs[name] = {{"test_accuracy", last.test_accuracy},
                          {"test_loss", last.test_loss},
                          {"train_loss", last.train_loss},
                          {"final_lr", last.lr},
                          {"seconds", history.seconds}};
        }

        fmt::print(stderr, "\n{} epochs per schedule, {} {} at lr {}, batch {}\n", flags.epochs,
                   flags.optimizer, "MLP", flags.lr, flags.batch_size);
        examples::print_table(
            {"schedule", "test acc", "test loss", "train loss", "last-epoch lr", "s"}, rows);
        const std::string plot =
            examples::save_plot(flags.output, "schedules_test_accuracy.png", curves,
                                {.title = "Fashion-MNIST MLP: test accuracy under each lr schedule",
                                 .ylabel = "test accuracy"});

        examples::Json metrics;
        metrics["example"] = "lr_schedules";
        metrics["test_accuracy"] = best_accuracy;
        metrics["test_loss"] = best_loss;
        metrics["best_schedule"] = best;
        metrics["runs"] = runs;
        metrics["epochs"] = flags.epochs;
        metrics["seconds"] = total_seconds;
        metrics["optimizer"] = flags.optimizer;
        metrics["batch_size"] = flags.batch_size;
        metrics["lr"] = flags.lr;
        metrics["seed"] = flags.seed;
        if (!plot.empty()) {
            metrics["plot"] = plot;
        }
        examples::print_json(metrics);
        return 0;
    });
}
