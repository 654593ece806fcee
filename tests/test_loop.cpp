#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

// logits = x W^T + b, with a dropout so that training and evaluation modes differ.
class SoftmaxRegression : public Module {
public:
    SoftmaxRegression(std::size_t features, std::size_t classes) : Module("SoftmaxRegression") {
        weight_ = register_parameter("weight", zeros({classes, features}));
        bias_ = register_parameter("bias", zeros({classes}));
    }
    Tensor forward(const Tensor& x) override {
        seen_training = is_training();
        return linear(x, weight_, bias_);
    }
    bool seen_training = false;

private:
    Tensor weight_, bias_;
};

// Two Gaussian blobs per class along separate axes: linearly separable.
TensorDataset blobs(std::size_t n, std::uint64_t seed) {
    Generator g(seed);
    std::vector<double> x, y;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t label = i % 3;
        for (std::size_t k = 0; k < 3; ++k) {
            x.push_back((k == label ? 2.0 : 0.0) + 0.5 * g.normal());
        }
        y.push_back(static_cast<double>(label));
    }
    return TensorDataset(tensor(x, {n, 3}), tensor(y, {n}, kInt64));
}

// A small MLP with dropout, its initial weights and dropout masks drawn from `generator`.
std::shared_ptr<Sequential> dropout_mlp(Generator* generator) {
    return std::make_shared<Sequential>(std::make_shared<Linear>(3, 16, true, generator), ReLU(),
                                        std::make_shared<Dropout>(0.25, generator),
                                        std::make_shared<Linear>(16, 3, true, generator));
}

Tensor cross_entropy_loss(const Tensor& logits, const Tensor& y) {
    return cross_entropy(logits, y);
}

}  // namespace

TEST_SUITE("training loop") {
    TEST_CASE("accuracy counts rows whose argmax is the target, first index on ties") {
        const Tensor logits = tensor({0.1, 0.9, 0.5, 0.5, 2.0, -1.0}, {3, 2});
        CHECK(train::count_correct(logits, tensor({1, 0, 0}, {3}, kInt64)) == 3);
        CHECK(train::accuracy(logits, tensor({0, 1, 0}, {3}, kInt64)) == doctest::Approx(1.0 / 3));
        CHECK_THROWS_WITH_AS(train::accuracy(logits, tensor({0, 1}, {2}, kInt64)),
                             doctest::Contains("logits (3, 2) and targets (2)"), ShapeError);
    }

    TEST_CASE("fit trains, records each epoch, calls its hooks and writes the CSV") {
        SoftmaxRegression model(3, 3);
        optim::SGD optimizer(model.parameters(), optim::SGDOptions(0.5));
        DataLoader train_loader(blobs(240, 1), {.batch_size = 16, .shuffle = true, .seed = 2});
        DataLoader test_loader(blobs(90, 3), {.batch_size = 45});
        const auto dir = std::filesystem::temp_directory_path() / "wengert_test_loop";
        std::filesystem::remove_all(dir);

        std::size_t steps = 0, epochs_seen = 0;
        train::FitOptions options;
        options.epochs = 3;
        options.loss = [](const Tensor& logits, const Tensor& y) {
            return cross_entropy(logits, y);
        };
        options.after_step = [&] { ++steps; };
        options.after_epoch = [&](const train::EpochRecord& record) {
            ++epochs_seen;
            CHECK(record.epoch == epochs_seen);
            train_loader.set_batch_size(32);  // a batch-size schedule's call
        };
        options.output_dir = dir.string();
        options.log_epochs = false;
        const train::History history =
            train::fit(model, optimizer, train_loader, &test_loader, options);

        REQUIRE(history.epochs.size() == 3);
        CHECK(steps == 15 + 8 + 8);
        CHECK(history.epochs[0].batch_size == 16);
        CHECK(history.epochs[1].batch_size == 32);
        CHECK(history.epochs[2].train_loss < history.epochs[0].train_loss);
        CHECK(history.epochs[2].test_accuracy > 0.9);
        CHECK(history.epochs[0].lr == doctest::Approx(0.5));
        CHECK(model.is_training());        // evaluation restored the mode
        CHECK_FALSE(model.seen_training);  // the last forward was the evaluation's

        std::ifstream csv(dir / "metrics.csv");
        std::string header, line;
        std::getline(csv, header);
        CHECK(header ==
              "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,batch_size,"
              "seconds");
        int rows = 0;
        while (std::getline(csv, line)) {
            ++rows;
        }
        CHECK(rows == 3);
    }

    TEST_CASE("the train accuracy is counted on the outputs a batch_loss hook hands back") {
        // The same run twice, once through the plain forward and once through a hook that
        // hands back the logits it computes: the records agree to the last bit.
        auto run = [](bool through_hook) {
            SoftmaxRegression model(3, 3);
            optim::SGD optimizer(model.parameters(), optim::SGDOptions(0.5));
            DataLoader loader(blobs(96, 1), {.batch_size = 16, .shuffle = true, .seed = 2});
            train::FitOptions options;
            options.epochs = 2;
            options.loss = cross_entropy_loss;
            options.log_epochs = false;
            if (through_hook) {
                options.batch_loss = [](Module& m, const Batch& batch) {
                    const Tensor logits = m(batch.inputs);
                    return train::BatchOutput{cross_entropy(logits, batch.targets), logits};
                };
            }
            return train::fit(model, optimizer, loader, nullptr, options);
        };
        const train::History plain = run(false);
        const train::History hooked = run(true);
        for (std::size_t e = 0; e < 2; ++e) {
            CHECK(std::isfinite(hooked.epochs[e].train_accuracy));
            CHECK(hooked.epochs[e].train_accuracy == plain.epochs[e].train_accuracy);
            CHECK(hooked.epochs[e].train_loss == plain.epochs[e].train_loss);
        }
        CHECK(hooked.epochs[1].train_accuracy > 0.9);

        // Hand-counted: all-zero logits predict class 0 (first on ties), the label of a third
        // of the blobs; a hook returning just the loss leaves the accuracy NaN.
        SoftmaxRegression model(3, 3);
        optim::SGD optimizer(model.parameters(), optim::SGDOptions(0.1));
        DataLoader loader(blobs(96, 3), {.batch_size = 10});
        train::FitOptions options;
        options.loss = cross_entropy_loss;
        options.log_epochs = false;
        options.batch_loss = [](Module& m, const Batch& batch) {
            const Tensor loss = cross_entropy(m(batch.inputs), batch.targets);
            return train::BatchOutput{loss, zeros({batch.targets.shape()[0], 3})};
        };
        CHECK(train::fit(model, optimizer, loader, nullptr, options).epochs[0].train_accuracy ==
              doctest::Approx(32.0 / 96));
        options.batch_loss = [](Module& m, const Batch& batch) {
            return cross_entropy(m(batch.inputs), batch.targets);  // a Tensor: no outputs
        };
        CHECK(std::isnan(
            train::fit(model, optimizer, loader, nullptr, options).epochs[0].train_accuracy));
    }

    TEST_CASE("the same seed gives bitwise identical losses and parameters") {
        // Seeded initialisation, dropout masks and shuffling, Adam, two threads: every
        // reduction must be in a fixed order for two runs to agree exactly.
        const int threads = get_num_threads();
        set_num_threads(2);
        auto run = [] {
            Generator generator(11);
            auto model = dropout_mlp(&generator);
            optim::Adam optimizer(model->parameters(), optim::AdamOptions(1e-2));
            DataLoader train_loader(blobs(120, 1), {.batch_size = 16, .shuffle = true, .seed = 4});
            DataLoader test_loader(blobs(45, 2), {.batch_size = 20});
            train::FitOptions options;
            options.epochs = 2;
            options.loss = cross_entropy_loss;
            options.log_epochs = false;
            const train::History history =
                train::fit(*model, optimizer, train_loader, &test_loader, options);
            std::vector<double> values;
            for (const train::EpochRecord& record : history.epochs) {
                values.insert(values.end(), {record.train_loss, record.train_accuracy,
                                             record.test_loss, record.test_accuracy});
            }
            for (const Tensor& p : model->parameters()) {
                const std::vector<double> data = p.to_vector();
                values.insert(values.end(), data.begin(), data.end());
            }
            return values;
        };
        const std::vector<double> first = run();
        const std::vector<double> second = run();
        set_num_threads(threads);
        CHECK(first.size() == 8 + 16 * 3 + 16 + 3 * 16 + 3);
        CHECK(first == second);
    }

    TEST_CASE("evaluate reports mean loss and accuracy in evaluation mode") {
        SoftmaxRegression model(3, 3);
        DataLoader loader(blobs(30, 4), {.batch_size = 7});
        auto loss = [](const Tensor& logits, const Tensor& y) { return cross_entropy(logits, y); };
        const train::Evaluation result = train::evaluate(model, loader, loss);
        CHECK(result.samples == 30);
        CHECK(result.loss == doctest::Approx(std::log(3.0)));  // zero weights: uniform logits
        CHECK_FALSE(model.seen_training);
        CHECK(model.is_training());
    }

    TEST_CASE("a diverging loss stops fit with the epoch and batch named") {
        SoftmaxRegression model(3, 3);
        optim::SGD optimizer(model.parameters(), optim::SGDOptions(0.1));
        DataLoader loader(blobs(64, 5), {.batch_size = 8});
        train::FitOptions options;
        options.epochs = 2;
        int calls = 0;
        // The third batch's loss is NaN, as a diverging run's would be.
        options.loss = [&calls](const Tensor& logits, const Tensor& y) {
            return mul(cross_entropy(logits, y), ++calls == 3 ? std::nan("") : 1.0);
        };
        options.log_epochs = false;
        CHECK_THROWS_WITH_AS(train::fit(model, optimizer, loader, nullptr, options),
                             doctest::Contains("nan at epoch 1, batch 3"), std::runtime_error);
        options.loss = nullptr;
        CHECK_THROWS_AS(train::fit(model, optimizer, loader, nullptr, options),
                        std::invalid_argument);
    }
}

TEST_SUITE("lr_find") {
    TEST_CASE("lr_find sweeps exponentially, suggests an lr and restores the model exactly") {
        SoftmaxRegression model(3, 3);
        {
            NoGradGuard no_grad;
            Generator g(6);
            for (Tensor p : model.parameters()) {
                nn::init::normal_(p, 0.0, 0.1, &g);
            }
        }
        optim::SGD optimizer(model.parameters(), optim::SGDOptions(0.1).momentum(0.9));
        DataLoader loader(blobs(120, 7), {.batch_size = 8, .shuffle = true, .seed = 8});
        const StateDict before = model.state_dict();
        auto loss = [](const Tensor& logits, const Tensor& y) { return cross_entropy(logits, y); };

        train::LrFindOptions options;
        options.start_lr = 1e-4;
        options.end_lr = 1e3;
        options.num_iter = 60;
        const train::LrFindResult result = train::lr_find(model, optimizer, loader, loss, options);

        REQUIRE(result.lrs.size() >= 10);
        CHECK(result.lrs.front() == doctest::Approx(1e-4));
        CHECK(result.lrs[1] / result.lrs[0] == doctest::Approx(std::pow(1e7, 1.0 / 59)));
        CHECK(result.suggested_lr > 1e-4);
        CHECK(result.suggested_lr < 1e3);
        CHECK(result.losses.size() == result.lrs.size());
        // Every parameter, the optimizer's lr and momentum state, and the loader's epoch.
        const StateDict after = model.state_dict();
        REQUIRE(after.size() == before.size());
        for (std::size_t i = 0; i < after.size(); ++i) {
            CHECK(after[i].second.to_vector() == before[i].second.to_vector());
        }
        CHECK(optimizer.lr() == doctest::Approx(0.1));
        CHECK(optimizer.state_dict().state[0].buffers.empty());
        CHECK(loader.epoch() == 0);

        options.start_lr = -1;
        CHECK_THROWS_WITH_AS(train::lr_find(model, optimizer, loader, loss, options),
                             doctest::Contains("start_lr must be positive; got -1"),
                             std::invalid_argument);
    }
}
