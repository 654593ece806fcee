// Linear regression by mini-batch SGD on synthetic data, under the three classic
// learning-rate schedules: constant, exponential decay and step decay.
//
//   build/examples/linear_regression --output out/linear_regression
//
// The data are y = X w* + b* + noise with X, w* and the noise drawn from the seed, so the
// best any model can do is a test MSE of noise^2. A constant lr stalls above that floor (the
// gradient noise of each mini-batch keeps the weights moving); decaying the lr lets the
// weights settle near w*. Prints a table on stderr, plots the train-loss curves into
// --output, and ends with one JSON line holding the figures of all three runs.
#include <cmath>
#include <common/common.hpp>
#include <limits>

using namespace wengert;

namespace {

struct Problem {
    TensorDataset train;
    TensorDataset test;
    Tensor true_weight;  ///< (features,)
    double true_bias = 0.0;
};

Problem make_problem(std::size_t samples, std::size_t features, double noise,
                     Generator& generator) {
    const Tensor weight = randn({features, 1}, default_dtype(), &generator);
    const double bias = 0.5;
    auto draw = [&] {
        Tensor x = randn({samples, features}, default_dtype(), &generator);
        Tensor y = matmul(x, weight) + bias +
                   normal({samples, 1}, 0.0, noise, default_dtype(), &generator);
        return TensorDataset(x, y);
    };
    TensorDataset train = draw();
    TensorDataset test = draw();
    return {train, test, reshape(weight, {-1}), bias};
}

/// Euclidean distance between the fitted (weight, bias) and the true ones.
double distance_to_truth(const Linear& model, const Problem& problem) {
    NoGradGuard no_grad;
    const double weight_part =
        sum(square(reshape(model.weight, {-1}) - problem.true_weight)).item();
    const double bias_part = std::pow(model.bias.item() - problem.true_bias, 2);
    return std::sqrt(weight_part + bias_part);
}

Tensor regression_loss(const Tensor& output, const Tensor& target) {
    return mse_loss(output, target);
}

}  // namespace

int main(int argc, char** argv) {
    return examples::run_main([&] {
        CLI::App app("Linear regression by SGD under constant, exponential and step-decay lr");
        examples::Flags flags;
        flags.epochs = 30;
        flags.batch_size = 16;
        flags.lr = 0.01;
        flags.optimizer = "sgd";
        std::size_t samples = 2000;
        std::size_t features = 20;
        double noise = 0.5;
        examples::add_common_flags(app, flags);
        app.add_option("--samples", samples, "training samples (as many again for the test)")
            ->capture_default_str()
            ->check(CLI::PositiveNumber);
        app.add_option("--features", features, "input dimension")
            ->capture_default_str()
            ->check(CLI::PositiveNumber);
        app.add_option("--noise", noise, "standard deviation of the noise on y")
            ->capture_default_str()
            ->check(CLI::NonNegativeNumber);
        app.get_option("--scheduler")->description("ignored: all three schedules are run");
        CLI11_PARSE(app, argc, argv);
        examples::apply(flags);

        Generator data_generator(flags.seed);
        const Problem problem = make_problem(samples, features, noise, data_generator);

        examples::Json runs = examples::Json::object();
        std::vector<train::Curve> curves;
        std::vector<std::vector<std::string>> rows;
        double total_seconds = 0.0;
        std::string best;
        double best_test = std::numeric_limits<double>::infinity();
        for (const std::string name : {"constant", "exponential", "step"}) {
            // Every run starts from the same weights and sees the same batches.
            Generator generator(flags.seed + 1);
            Linear model(features, 1, true, &generator);
            DataLoader train_loader(
                problem.train,
                {.batch_size = flags.batch_size, .shuffle = true, .seed = flags.seed});
            DataLoader train_eval_loader(problem.train, {.batch_size = 1000});
            DataLoader test_loader(problem.test, {.batch_size = 1000});
            auto optimizer =
                examples::make_optimizer(flags.optimizer, model.parameters(), flags.lr);

            train::FitOptions options = examples::fit_options(flags, name + "_");
            options.loss = regression_loss;
            options.classify = false;
            examples::Schedule schedule =
                examples::make_schedule(name, *optimizer, flags.epochs, train_loader.size());
            schedule.attach(options);
            const train::History history =
                train::fit(model, *optimizer, train_loader, &test_loader, options);

            const double train_mse =
                train::evaluate(model, train_eval_loader, regression_loss, false).loss;
            const double test_mse = history.epochs.back().test_loss;
            const double distance = distance_to_truth(model, problem);
            total_seconds += history.seconds;
            if (test_mse < best_test) {
                best_test = test_mse;
                best = name;
            }
            curves.push_back(examples::epoch_curve(name, history, &train::EpochRecord::train_loss));
            rows.push_back({name, fmt::format("{:.4f}", train_mse), fmt::format("{:.4f}", test_mse),
                            fmt::format("{:.4f}", distance),
                            fmt::format("{:.2e}", history.epochs.back().lr),
                            fmt::format("{:.2f}", history.seconds)});
            runs[name] = {{"train_mse", train_mse},
                          {"test_mse", test_mse},
                          {"distance_to_true_weights", distance},
                          {"final_lr", history.epochs.back().lr},
                          {"seconds", history.seconds}};
        }

        fmt::print(stderr, "\nnoise floor (best possible MSE): {:.4f}\n", noise * noise);
        examples::print_table(
            {"schedule", "train MSE", "test MSE", "|w - w*|", "last-epoch lr", "s"}, rows);
        curves.push_back({"noise floor",
                          {1.0, static_cast<double>(flags.epochs)},
                          {noise * noise, noise * noise}});
        const std::string plot =
            examples::save_plot(flags.output, "schedules_train_loss.png", curves,
                                {.title = "Linear regression: train MSE per epoch",
                                 .ylabel = "mean train MSE over the epoch",
                                 .log_y = true});

        examples::Json metrics;
        metrics["example"] = "linear_regression";
        metrics["test_mse"] = best_test;
        metrics["test_loss"] = best_test;
        metrics["best_schedule"] = best;
        metrics["noise_floor"] = noise * noise;
        metrics["runs"] = runs;
        metrics["epochs"] = flags.epochs;
        metrics["seconds"] = total_seconds;
        metrics["optimizer"] = flags.optimizer;
        metrics["batch_size"] = flags.batch_size;
        metrics["lr"] = flags.lr;
        metrics["samples"] = samples;
        metrics["features"] = features;
        metrics["seed"] = flags.seed;
        if (!plot.empty()) {
            metrics["plot"] = plot;
        }
        examples::print_json(metrics);
        return 0;
    });
}
