#include <doctest/doctest.h>

#include <wengert/wengert.hpp>

using namespace wengert;
using namespace wengert::adversarial;

namespace {

struct Linear2 {
    Tensor weight;
    Tensor bias;
    bool training = true;

    ModelRef ref() {
        return {[this](const Tensor& x) { return linear(x, weight, bias); },
                [this] { return training; }, [this](bool mode) { training = mode; }};
    }
};

Linear2 make_model(std::uint64_t seed) {
    Generator g(seed);
    return {randn({3, 4}, kFloat64, &g).requires_grad_(),
            randn({3}, kFloat64, &g).requires_grad_()};
}

Tensor ce(const Tensor& logits, const Tensor& y) {
    return cross_entropy(logits, y);
}

double value_of(const Tensor& t) {
    return t.item();
}

}  // namespace

TEST_SUITE("adversarial training") {
    TEST_CASE("each defence's loss relates to the clean loss as its definition says") {
        Linear2 model = make_model(1);
        Generator g(2);
        const Tensor x = uniform({6, 4}, 0.2, 0.8, kFloat64, &g);
        const Tensor y = tensor({0, 1, 2, 0, 1, 2}, {6}, kInt64);
        const double clean = value_of(ce(model.ref().forward(x), y));

        AdversarialTrainingOptions options;
        options.attack.eps = 0.1;
        options.attack.steps = 5;
        options.attack.generator = &g;
        options.defence = Defence::none;
        CHECK(value_of(adversarial_loss(model.ref(), ce, x, y, options)) == doctest::Approx(clean));

        options.defence = Defence::pgd;
        options.clean_weight = 1.0;
        CHECK(value_of(adversarial_loss(model.ref(), ce, x, y, options)) == doctest::Approx(clean));
        options.clean_weight = 0.0;
        const double robust = value_of(adversarial_loss(model.ref(), ce, x, y, options));
        CHECK(robust > clean);
        options.clean_weight = 0.5;
        const double half = value_of(adversarial_loss(model.ref(), ce, x, y, options));
        CHECK(half > clean);
        CHECK(half < robust + 1e-9);

        options.defence = Defence::fast_fgsm;
        options.clean_weight = 0.0;
        CHECK(value_of(adversarial_loss(model.ref(), ce, x, y, options)) > 0.0);

        options.defence = Defence::trades;
        options.trades_beta = 0.0;
        CHECK(value_of(adversarial_loss(model.ref(), ce, x, y, options)) == doctest::Approx(clean));
        options.trades_beta = 6.0;
        CHECK(value_of(adversarial_loss(model.ref(), ce, x, y, options)) > clean);
        CHECK(model.training);
    }

    TEST_CASE("adversarial_batch hands back the logits on the adversarial batch") {
        Linear2 model = make_model(8);
        Generator g(9);
        const Tensor x = uniform({6, 4}, 0.2, 0.8, kFloat64, &g);
        const Tensor y = tensor({0, 1, 2, 0, 1, 2}, {6}, kInt64);
        AdversarialTrainingOptions options;
        options.attack.eps = 0.1;
        options.attack.steps = 3;
        options.attack.random_start = false;  // the same adversary on every call

        const Tensor adversarial = pgd(model.ref(), ce, x, y, options.attack);
        const std::vector<double> expected = model.ref().forward(adversarial).to_vector();
        options.clean_weight = 0.5;  // the clean forward does not count
        const train::BatchOutput mixed = adversarial_batch(model.ref(), ce, x, y, options);
        CHECK(mixed.output.to_vector() == expected);
        CHECK(value_of(mixed.loss) ==
              doctest::Approx(value_of(adversarial_loss(model.ref(), ce, x, y, options))));

        options.defence = Defence::trades;
        const train::BatchOutput trades = adversarial_batch(model.ref(), ce, x, y, options);
        CHECK(shape_string(trades.output.shape()) == "(6, 3)");
        options.defence = Defence::none;
        CHECK(adversarial_batch(model.ref(), ce, x, y, options).output.to_vector() ==
              model.ref().forward(x).to_vector());
    }

    TEST_CASE("the adversarial loss backpropagates into the parameters only") {
        Linear2 model = make_model(3);
        Generator g(4);
        const Tensor x = uniform({5, 4}, 0.2, 0.8, kFloat64, &g);
        const Tensor y = tensor({2, 1, 0, 1, 2}, {5}, kInt64);
        for (Defence defence : {Defence::pgd, Defence::fast_fgsm, Defence::trades}) {
            AdversarialTrainingOptions options;
            options.defence = defence;
            options.attack.generator = &g;
            model.weight.zero_grad(true);
            adversarial_loss(model.ref(), ce, x, y, options).backward();
            REQUIRE(model.weight.grad().defined());
            double total = 0;
            for (double v : model.weight.grad().to_vector()) {
                total += std::abs(v);
            }
            CHECK(total > 0);
            CHECK_FALSE(x.requires_grad());
        }
    }

    TEST_CASE("robust accuracy: clean equals eps 0, and attacks never raise it") {
        Linear2 model = make_model(5);
        Generator g(6);
        const Tensor x = uniform({40, 4}, 0.0, 1.0, kFloat64, &g);
        Tensor y;
        {
            NoGradGuard no_grad;
            y = argmax(model.ref().forward(x), 1);  // the model is right on every sample
        }
        PgdOptions attack;
        attack.steps = 5;
        attack.generator = &g;
        attack.clip_min = -5.0;  // room for a large eps to flip every prediction
        attack.clip_max = 5.0;
        const auto clean = robust_accuracy(model.ref(), ce, x, y, {}, Attack::none, attack, 16);
        REQUIRE(clean.size() == 1);
        CHECK(clean[0].accuracy == doctest::Approx(1.0));
        const auto fgsm_results =
            robust_accuracy(model.ref(), ce, x, y, {0.0, 0.2}, Attack::fgsm, attack, 16);
        CHECK(fgsm_results[0].accuracy == doctest::Approx(1.0));
        const auto pgd_results =
            robust_accuracy(model.ref(), ce, x, y, {0.05, 3.0}, Attack::pgd, attack, 16);
        REQUIRE(pgd_results.size() == 2);
        CHECK(pgd_results[0].eps == 0.05);
        CHECK(pgd_results[1].accuracy <= pgd_results[0].accuracy);
        CHECK(pgd_results[1].accuracy < 1.0);
        CHECK_THROWS_AS(robust_accuracy(model.ref(), ce, x, y, {0.1}, Attack::pgd, attack, 0),
                        std::invalid_argument);

        // Over a data loader, the same figures as over the tensors in batches.
        DataLoader loader(TensorDataset(x, y), {.batch_size = 16});
        attack.random_start = false;
        const auto from_tensors =
            robust_accuracy(model.ref(), ce, x, y, {0.05, 3.0}, Attack::pgd, attack, 16);
        const auto from_loader =
            robust_accuracy(model.ref(), ce, loader, {0.05, 3.0}, Attack::pgd, attack);
        REQUIRE(from_loader.size() == 2);
        CHECK(from_loader[0].accuracy == doctest::Approx(from_tensors[0].accuracy));
        CHECK(from_loader[1].accuracy == doctest::Approx(from_tensors[1].accuracy));
    }

    TEST_CASE("bad training options are rejected with the value named") {
        Linear2 model = make_model(7);
        const Tensor x = full({2, 4}, 0.5, kFloat64);
        const Tensor y = tensor({0, 1}, {2}, kInt64);
        AdversarialTrainingOptions options;
        options.clean_weight = 1.5;
        CHECK_THROWS_WITH_AS(adversarial_loss(model.ref(), ce, x, y, options),
                             doctest::Contains("clean_weight must be in [0, 1]; got 1.5"),
                             std::invalid_argument);
    }
}
