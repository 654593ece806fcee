// The main example: an MLP (784-512-256-10, ReLU, dropout) trained on Fashion-MNIST.
//
//   build/examples/fashion_mlp --epochs 10 --output out/fashion_mlp
//
// Prints one line per epoch on stderr (and a progress bar on a terminal), writes
// metrics.csv and plots into --output when given, and ends with one JSON line of the final
// metrics on stdout. --lr-find runs the learning-rate range test first and prints its
// suggestion.
#include <common/common.hpp>

using namespace wengert;

int main(int argc, char** argv) {
    return examples::run_main([&] {
        CLI::App app("Trains an MLP on Fashion-MNIST");
        examples::Flags flags;
        flags.epochs = 10;
        flags.batch_size = 128;
        flags.lr = 1e-3;
        flags.optimizer = "adam";
        flags.scheduler = "cosine";
        double dropout = 0.2;
        bool run_lr_find = false;
        examples::add_common_flags(app, flags);
        app.add_option("--dropout", dropout, "dropout probability after each hidden layer")
            ->capture_default_str();
        app.add_flag("--lr-find", run_lr_find, "run the learning-rate range test first");
        CLI11_PARSE(app, argc, argv);
        examples::apply(flags);

        Generator generator(flags.seed);
        const examples::FashionData data = examples::load_fashion(flags.data_dir, true);
        DataLoader train_loader(
            data.train, {.batch_size = flags.batch_size, .shuffle = true, .seed = flags.seed});
        DataLoader test_loader(data.test, {.batch_size = 1000});
        auto model = examples::make_mlp(dropout, &generator);
        auto optimizer = examples::make_optimizer(flags.optimizer, model->parameters(), flags.lr);

        examples::Json metrics;
        if (run_lr_find) {
            train::LrFindOptions find;
            find.num_iter = 300;
            if (!flags.output.empty()) {
                find.plot_path = flags.output + "/lr_find.png";
            }
            // lr_find restores the model, the optimizer and the loader; the dropout masks'
            // generator is outside them, so it is put back here, and the training below is
            // the same as without --lr-find.
            const std::vector<std::uint64_t> dropout_state = generator.state();
            const train::LrFindResult found = train::lr_find(*model, *optimizer, train_loader,
                                                             examples::classification_loss, find);
            generator.set_state(dropout_state);
            fmt::print(stderr, "lr_find: suggested lr {:.3g} (lowest loss at {:.3g}){}\n",
                       found.suggested_lr, found.min_loss_lr,
                       find.plot_path.empty() ? "" : ", curve in " + find.plot_path);
            metrics["lr_find_suggested_lr"] = found.suggested_lr;
            metrics["lr_find_min_loss_lr"] = found.min_loss_lr;
        }

        train::FitOptions options;
        options.epochs = flags.epochs;
        options.loss = examples::classification_loss;
        options.output_dir = flags.output;
        options.progress = !flags.quiet;
        options.log_epochs = !flags.quiet;
        examples::Schedule schedule =
            examples::make_schedule(flags.scheduler, *optimizer, flags.epochs, train_loader.size());
        schedule.attach(options);
        const train::History history =
            train::fit(*model, *optimizer, train_loader, &test_loader, options);

        const train::EpochRecord& last = history.epochs.back();
        metrics["example"] = "fashion_mlp";
        metrics["test_accuracy"] = last.test_accuracy;
        metrics["test_loss"] = last.test_loss;
        metrics["train_loss"] = last.train_loss;
        metrics["epochs"] = flags.epochs;
        metrics["seconds"] = history.seconds;
        metrics["seconds_per_epoch"] = history.seconds / static_cast<double>(flags.epochs);
        metrics["parameters"] = model->parameter_count();
        metrics["optimizer"] = flags.optimizer;
        metrics["scheduler"] = flags.scheduler;
        metrics["batch_size"] = flags.batch_size;
        metrics["lr"] = flags.lr;
        metrics["seed"] = flags.seed;
        examples::print_json(metrics);
        return 0;
    });
}
