#include <doctest/doctest.h>

#include <cmath>

#include <wengert/adversarial/adversarial.hpp>
#include <wengert/wengert.hpp>

using namespace wengert;
using namespace wengert::adversarial;

namespace {

// A linear classifier logits = x W^T + b, with W (classes, features).
struct LinearModel {
    Tensor weight;
    Tensor bias;
    bool training = true;

    ModelRef ref() {
        return {[this](const Tensor& x) { return add(matmul(x, transpose(weight, 0, 1)), bias); },
                [this] { return training; }, [this](bool mode) { training = mode; }};
    }
};

LinearModel make_linear(std::size_t classes, std::size_t features, std::uint64_t seed) {
    Generator g(seed);
    return {randn({classes, features}, kFloat64, &g).requires_grad_(),
            randn({classes}, kFloat64, &g).requires_grad_()};
}

// Mean cross-entropy of logits (N, C) against int64 labels, composed from basic ops so that
// these tests depend only on the attack code.
Tensor cross_entropy_reference(const Tensor& logits, const Tensor& labels) {
    const std::size_t n = logits.shape()[0];
    const std::size_t c = logits.shape()[1];
    std::vector<double> one_hot(n * c, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        one_hot[i * c + static_cast<std::size_t>(labels.data_ptr<std::int64_t>()[i])] = 1.0;
    }
    const Tensor picked = sum(mul(logits, tensor(one_hot, {n, c}, logits.dtype())), {1});
    const Tensor log_normaliser = log(sum(exp(logits), {1}));
    return mean(sub(log_normaliser, picked));
}

Tensor batch_in_unit_box(std::size_t n, std::size_t d, std::uint64_t seed) {
    Generator g(seed);
    return uniform({n, d}, 0.2, 0.8, kFloat64, &g);
}

double loss_value(LinearModel& model, const Tensor& x, const Tensor& y) {
    NoGradGuard no_grad;
    return cross_entropy_reference(model.ref().forward(x), y).item();
}

}  // namespace

TEST_SUITE("adversarial attacks") {
    TEST_CASE("fgsm on a linear model equals the closed form x + eps * sign(W^T (p - onehot))") {
        LinearModel model = make_linear(3, 4, 1);
        const Tensor x = batch_in_unit_box(5, 4, 2);
        const Tensor y = tensor({0, 2, 1, 1, 0}, {5}, kInt64);
        AttackOptions options;
        options.eps = 0.05;
        const Tensor adversarial = fgsm(model.ref(), cross_entropy_reference, x, y, options);

        const std::vector<double> w = model.weight.to_vector();
        const std::vector<double> b = model.bias.to_vector();
        const std::vector<double> xs = x.to_vector();
        const std::vector<double> result = adversarial.to_vector();
        for (std::size_t i = 0; i < 5; ++i) {
            double logits[3];
            double largest = -1e300;
            for (std::size_t c = 0; c < 3; ++c) {
                logits[c] = b[c];
                for (std::size_t k = 0; k < 4; ++k) {
                    logits[c] += xs[i * 4 + k] * w[c * 4 + k];
                }
                largest = std::max(largest, logits[c]);
            }
            double total = 0;
            for (double logit : logits) {
                total += std::exp(logit - largest);
            }
            const auto label = static_cast<std::size_t>(y.data_ptr<std::int64_t>()[i]);
            for (std::size_t k = 0; k < 4; ++k) {
                double g = 0;
                for (std::size_t c = 0; c < 3; ++c) {
                    const double p = std::exp(logits[c] - largest) / total;
                    g += (p - (c == label ? 1.0 : 0.0)) * w[c * 4 + k];
                }
                const double expected = xs[i * 4 + k] + 0.05 * ((g > 0) - (g < 0));
                CHECK(result[i * 4 + k] == doctest::Approx(expected).epsilon(1e-12));
            }
        }
    }

    TEST_CASE("pgd stays within the eps-ball and the valid range, and raises the loss") {
        LinearModel model = make_linear(3, 6, 3);
        const Tensor x = batch_in_unit_box(8, 6, 4);
        const Tensor y = tensor({0, 1, 2, 0, 1, 2, 0, 1}, {8}, kInt64);
        for (Norm norm : {Norm::linf, Norm::l2}) {
            PgdOptions options;
            options.norm = norm;
            options.eps = 0.3;
            options.steps = 7;
            options.clip_min = 0.1;
            options.clip_max = 0.9;
            Generator g(5);
            options.generator = &g;
            const Tensor adversarial = pgd(model.ref(), cross_entropy_reference, x, y, options);
            const std::vector<double> clean = x.to_vector();
            const std::vector<double> result = adversarial.to_vector();
            for (std::size_t i = 0; i < 8; ++i) {
                double squared = 0;
                for (std::size_t k = 0; k < 6; ++k) {
                    const double value = result[i * 6 + k];
                    const double delta = value - clean[i * 6 + k];
                    CHECK(value >= 0.1 - 1e-12);
                    CHECK(value <= 0.9 + 1e-12);
                    if (norm == Norm::linf) {
                        CHECK(std::abs(delta) <= 0.3 + 1e-12);
                    }
                    squared += delta * delta;
                }
                if (norm == Norm::l2) {
                    CHECK(std::sqrt(squared) <= 0.3 + 1e-9);
                }
            }
            CHECK(loss_value(model, adversarial, y) >= loss_value(model, x, y));
        }
        AttackOptions fgsm_options;
        fgsm_options.eps = 0.1;
        const Tensor fast = fgsm(model.ref(), cross_entropy_reference, x, y, fgsm_options);
        CHECK(loss_value(model, fast, y) >= loss_value(model, x, y));
    }

    TEST_CASE("a targeted attack lowers the loss toward the target classes") {
        LinearModel model = make_linear(4, 5, 6);
        const Tensor x = batch_in_unit_box(6, 5, 7);
        const Tensor target = tensor({3, 3, 2, 2, 1, 1}, {6}, kInt64);
        PgdOptions options;
        options.eps = 0.2;
        options.targeted = true;
        options.random_start = false;
        const Tensor adversarial = pgd(model.ref(), cross_entropy_reference, x, target, options);
        CHECK(loss_value(model, adversarial, target) < loss_value(model, x, target));
    }

    TEST_CASE("attacks leave parameter gradients alone and restore the training mode") {
        LinearModel model = make_linear(3, 4, 8);
        const Tensor x = batch_in_unit_box(4, 4, 9);
        const Tensor y = tensor({0, 1, 2, 0}, {4}, kInt64);
        cross_entropy_reference(model.ref().forward(x), y).backward();
        const std::vector<double> weight_grad = model.weight.grad().to_vector();
        const std::vector<double> bias_grad = model.bias.grad().to_vector();

        bool seen_training = true;
        ModelRef ref = model.ref();
        ref.forward = [&](const Tensor& input) {
            seen_training = model.training;
            return model.ref().forward(input);
        };
        PgdOptions options;
        options.steps = 3;
        pgd(ref, cross_entropy_reference, x, y, options);
        CHECK_FALSE(seen_training);  // the model ran in evaluation mode
        CHECK(model.training);       // and is back in training mode
        CHECK(model.weight.grad().to_vector() == weight_grad);
        CHECK(model.bias.grad().to_vector() == bias_grad);

        // The mode is restored when the loss throws, too.
        auto failing = [](const Tensor&, const Tensor&) -> Tensor {
            throw std::runtime_error("loss failed");
        };
        CHECK_THROWS_AS(fgsm(model.ref(), failing, x, y, AttackOptions{}), std::runtime_error);
        CHECK(model.training);
    }

    TEST_CASE("the attack direction matches finite differences on a tiny float64 model") {
        // A nonlinear model: logits = W2 tanh(W1 x).
        Generator g(10);
        const Tensor w1 = randn({3, 2}, kFloat64, &g);
        const Tensor w2 = randn({2, 3}, kFloat64, &g);
        ModelRef model;
        model.forward = [&](const Tensor& input) {
            return matmul(tanh(matmul(input, transpose(w1, 0, 1))), transpose(w2, 0, 1));
        };
        const Tensor x = tensor({0.3, -0.4, 0.8, 0.1}, {2, 2}, kFloat64);
        const Tensor y = tensor({1, 0}, {2}, kInt64);
        const std::vector<double> analytic =
            input_gradient(model, cross_entropy_reference, x, y).to_vector();
        const double h = 1e-6;
        std::vector<double> values = x.to_vector();
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::vector<double> up = values, down = values;
            up[i] += h;
            down[i] -= h;
            const double numeric =
                (cross_entropy_reference(model.forward(tensor(up, {2, 2}, kFloat64)), y).item() -
                 cross_entropy_reference(model.forward(tensor(down, {2, 2}, kFloat64)), y)
                     .item()) /
                (2 * h);
            CHECK(analytic[i] == doctest::Approx(numeric).epsilon(1e-6));
        }
        AttackOptions options;
        options.eps = 0.01;
        options.clip_min = -10;
        options.clip_max = 10;
        const std::vector<double> moved =
            fgsm(model, cross_entropy_reference, x, y, options).to_vector();
        for (std::size_t i = 0; i < values.size(); ++i) {
            CHECK((moved[i] - values[i]) * analytic[i] > 0);
        }
    }

    TEST_CASE("bad attack options are rejected with the value named") {
        LinearModel model = make_linear(2, 2, 11);
        const Tensor x = batch_in_unit_box(2, 2, 12);
        const Tensor y = tensor({0, 1}, {2}, kInt64);
        AttackOptions negative;
        negative.eps = -0.1;
        CHECK_THROWS_WITH_AS(fgsm(model.ref(), cross_entropy_reference, x, y, negative),
                             doctest::Contains("-0.1"), std::invalid_argument);
        AttackOptions reversed;
        reversed.clip_min = 1;
        reversed.clip_max = 0;
        CHECK_THROWS_WITH_AS(fgsm(model.ref(), cross_entropy_reference, x, y, reversed),
                             doctest::Contains("clip_min 1"), std::invalid_argument);
        PgdOptions no_steps;
        no_steps.steps = 0;
        CHECK_THROWS_WITH_AS(pgd(model.ref(), cross_entropy_reference, x, y, no_steps),
                             doctest::Contains("steps"), std::invalid_argument);
        CHECK_THROWS_AS(fgsm(model.ref(), cross_entropy_reference, y, y, AttackOptions{}),
                        DtypeError);
    }
}
