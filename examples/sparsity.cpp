// L1 against L2 regularization on Fashion-MNIST: the same classifier trained with no
// penalty, with 0.5 * --l2 * sum(w^2) and with --l1 * sum(|w|) added to the loss (the
// penalties of losses/regularizers.hpp are graph nodes, so they are differentiated with the
// loss). Reports test accuracy and the share of near-zero weights (|w| < --threshold,
// biases excluded): L1 drives the weights of uninformative inputs to zero, L2 only shrinks
// them.
//
//   build/examples/sparsity --output out/sparsity
//
// The default model is a linear softmax classifier (784 -> 10, 3 epochs per penalty, about
// a minute); --model mlp trains the MLP of fashion_mlp instead. The cosine schedule takes
// the lr to 0, so Adam's steps around zero (about lr in size) shrink below the threshold.
#include <cmath>
#include <common/common.hpp>

using namespace wengert;

namespace {

std::shared_ptr<Module> make_model(const std::string& kind, Generator* generator) {
    if (kind == "mlp") {
        return examples::make_mlp(0.0, generator);
    }
    if (kind == "linear") {
        auto model = std::make_shared<Sequential>();
        model->push_back(std::make_shared<Linear>(784, 10, true, generator));
        return model;
    }
    throw std::invalid_argument(
        fmt::format("--model: unknown model '{}'; expected linear or mlp", kind));
}

/// The weights the penalty acts on: every parameter called "...weight" (biases stay free,
/// as is usual).
TensorList penalized_weights(const Module& model) {
    TensorList weights;
    for (const auto& [name, parameter] : model.named_parameters()) {
        if (name.ends_with("weight")) {
            weights.push_back(parameter);
        }
    }
    return weights;
}

struct Sparsity {
    std::size_t near_zero = 0;
    std::size_t total = 0;
    double share() const { return static_cast<double>(near_zero) / static_cast<double>(total); }
};

Sparsity count_near_zero(const TensorList& weights, double threshold) {
    NoGradGuard no_grad;
    Sparsity result;
    for (const Tensor& weight : weights) {
        result.near_zero +=
            static_cast<std::size_t>(sum(lt(abs(weight), threshold).to(kFloat64)).item());
        result.total += weight.numel();
    }
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    return examples::run_main([&] {
        CLI::App app("L1 versus L2 regularization: accuracy and the share of near-zero weights");
        examples::Flags flags;
        flags.epochs = 3;
        flags.batch_size = 128;
        flags.lr = 1e-3;
        flags.optimizer = "adam";
        flags.scheduler = "cosine";
        std::string model_kind = "linear";
        double l1 = 1e-3;
        double l2 = 1e-2;
        double threshold = 1e-3;
        examples::add_common_flags(app, flags);
        app.add_option("--model", model_kind, "linear (softmax regression) or mlp")
            ->capture_default_str();
        app.add_option("--l1", l1, "strength of the L1 penalty")
            ->capture_default_str()
            ->check(CLI::NonNegativeNumber);
        app.add_option("--l2", l2, "strength of the L2 penalty")
            ->capture_default_str()
            ->check(CLI::NonNegativeNumber);
        app.add_option("--threshold", threshold, "a weight counts as zero when |w| is below it")
            ->capture_default_str()
            ->check(CLI::PositiveNumber);
        CLI11_PARSE(app, argc, argv);
        examples::apply(flags);

        const examples::FashionData data = examples::load_fashion(flags.data_dir, true);
        struct Penalty {
            std::string name;
            double strength;
        };
        const std::vector<Penalty> penalties = {{"none", 0.0}, {"l2", l2}, {"l1", l1}};
        examples::Json runs = examples::Json::object();
        std::vector<std::vector<std::string>> rows;
        double total_seconds = 0.0;
        for (const Penalty& penalty : penalties) {
            // The same initial weights and batch order under every penalty.
            Generator generator(flags.seed);
            auto model = make_model(model_kind, &generator);
            const TensorList weights = penalized_weights(*model);
            DataLoader train_loader(
                data.train, {.batch_size = flags.batch_size, .shuffle = true, .seed = flags.seed});
            DataLoader test_loader(data.test, {.batch_size = 1000});
            auto optimizer =
                examples::make_optimizer(flags.optimizer, model->parameters(), flags.lr);

            train::FitOptions options = examples::fit_options(flags, penalty.name + "_");
            // The penalty joins the training objective only: the test loss stays the plain
            // cross-entropy, comparable across runs.
            options.batch_loss = [&](Module& trained, const Batch& batch) {
                const Tensor logits = trained(batch.inputs);
                Tensor loss = examples::classification_loss(logits, batch.targets);
                if (penalty.name == "l1") {
                    loss = loss + l1_penalty(weights, penalty.strength);
                } else if (penalty.name == "l2") {
                    loss = loss + l2_penalty(weights, penalty.strength);
                }
                return train::BatchOutput{loss, logits};
            };
            examples::Schedule schedule = examples::make_schedule(
                flags.scheduler, *optimizer, flags.epochs, train_loader.size());
            schedule.attach(options);
            if (!flags.quiet) {
                fmt::print(stderr, "penalty {} ({})\n", penalty.name, penalty.strength);
            }
            const train::History history =
                train::fit(*model, *optimizer, train_loader, &test_loader, options);

            const train::EpochRecord& last = history.epochs.back();
            const Sparsity sparsity = count_near_zero(weights, threshold);
            total_seconds += history.seconds;
            rows.push_back({penalty.name, fmt::format("{:g}", penalty.strength),
                            fmt::format("{:.4f}", last.test_accuracy),
                            fmt::format("{:.4f}", last.test_loss),
                            fmt::format("{:.1f}%", 100.0 * sparsity.share()),
                            fmt::format("{}/{}", sparsity.near_zero, sparsity.total),
                            fmt::format("{:.1f}", history.seconds)});
            runs[penalty.name] = {{"strength", penalty.strength},
                                  {"test_accuracy", last.test_accuracy},
                                  {"test_loss", last.test_loss},
                                  {"near_zero_share", sparsity.share()},
                                  {"near_zero_weights", sparsity.near_zero},
                                  {"weights", sparsity.total},
                                  {"seconds", history.seconds}};
        }

        fmt::print(stderr, "\n{} model, {} epochs per penalty, zero means |w| < {:g}\n", model_kind,
                   flags.epochs, threshold);
        examples::print_table(
            {"penalty", "strength", "test acc", "test loss", "near zero", "weights", "s"}, rows);

        examples::Json metrics;
        metrics["example"] = "sparsity";
        metrics["test_accuracy"] = runs["l1"]["test_accuracy"];
        metrics["test_loss"] = runs["l1"]["test_loss"];
        metrics["near_zero_share_none"] = runs["none"]["near_zero_share"];
        metrics["near_zero_share_l2"] = runs["l2"]["near_zero_share"];
        metrics["near_zero_share_l1"] = runs["l1"]["near_zero_share"];
        metrics["runs"] = runs;
        metrics["model"] = model_kind;
        metrics["threshold"] = threshold;
        metrics["epochs"] = flags.epochs;
        metrics["seconds"] = total_seconds;
        metrics["optimizer"] = flags.optimizer;
        metrics["scheduler"] = flags.scheduler;
        metrics["batch_size"] = flags.batch_size;
        metrics["lr"] = flags.lr;
        metrics["seed"] = flags.seed;
        examples::print_json(metrics);
        return 0;
    });
}
