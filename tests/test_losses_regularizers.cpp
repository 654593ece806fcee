// Weight penalties: values, gradients, schedules, and the sparsity L1 gives and L2 does not.
#include <cmath>

#include "golden/losses_check.hpp"

using namespace wengert;

namespace {

// Fits y = X w with plain subgradient descent on mse + penalty(w); returns the weights.
std::vector<double> fit(const Regularizer& penalty, std::size_t steps) {
    Generator g(11);
    const std::size_t n = 20;
    const std::size_t d = 40;  // more weights than samples: many exact fits exist
    Tensor x = randn({n, d}, kFloat64, &g);
    std::vector<double> truth(d, 0.0);
    truth[3] = 2.0;
    truth[17] = -3.0;
    truth[29] = 1.5;
    Tensor y = matmul(x, tensor(truth, {d, 1}, kFloat64));
    Tensor w = zeros({d, 1}, kFloat64).requires_grad_();
    const double lr = 0.05;  // below 2 / L for this X (L ~ 12)
    for (std::size_t step = 0; step < steps; ++step) {
        Tensor loss = add(mse_loss(matmul(x, w), y), penalty({w}));
        w.zero_grad(true);
        loss.backward();
        NoGradGuard guard;
        w = sub(w, mul(w.grad(), lr)).requires_grad_();
    }
    return w.to_vector();
}

std::size_t count_near_zero(const std::vector<double>& w, double tolerance) {
    std::size_t count = 0;
    for (double v : w) {
        count += std::abs(v) < tolerance ? 1 : 0;
    }
    return count;
}

}  // namespace

TEST_SUITE("losses: regularizers") {
    TEST_CASE("penalties have their textbook values and gradients") {
        Tensor a = tensor({1, -2}, {2}, kFloat64).requires_grad_();
        Tensor b = tensor({0, 3, -0.5}, {3}, kFloat64).requires_grad_();
        CHECK(l2_penalty({a, b}, 0.1).item() == doctest::Approx(0.5 * 0.1 * (1 + 4 + 9 + 0.25)));
        CHECK(l1_penalty({a, b}, 0.1).item() == doctest::Approx(0.1 * 6.5));
        CHECK(elastic_net({a, b}, 0.1, 0.2).item() ==
              doctest::Approx(0.1 * 6.5 + 0.5 * 0.2 * 14.25));
        CHECK(l1_penalty({a}, 1.0).dim() == 0);

        l1_penalty({a, b}, 2.0).backward();
        CHECK(b.grad().to_vector() == std::vector<double>{0, 2, -2});  // 0 at w = 0
        a.zero_grad(true);
        l2_penalty({a}, 3.0).backward();
        CHECK(a.grad().to_vector() == std::vector<double>{3, -6});
    }

    TEST_CASE("a Regularizer's strength can change between steps") {
        Tensor w = tensor({1, -2}, {2}, kFloat64);
        Regularizer l1 = Regularizer::l1(0.5);
        CHECK(l1({w}).item() == doctest::Approx(1.5));
        l1.set_strength(0.1);
        CHECK(l1.strength() == 0.1);
        CHECK(l1({w}).item() == doctest::Approx(0.3));
        Regularizer l2 = Regularizer::l2(1.0);
        CHECK(l2({w}).item() == doctest::Approx(2.5));
        Regularizer both = Regularizer::elastic_net(0.1, 0.2);
        CHECK(both({w}).item() == doctest::Approx(elastic_net({w}, 0.1, 0.2).item()));
        both.set_strength(2.0);
        CHECK(both({w}).item() == doctest::Approx(2 * elastic_net({w}, 0.1, 0.2).item()));
        CHECK_THROWS_WITH_AS(l1.set_strength(-1), doctest::Contains("-1"), std::invalid_argument);
    }

    TEST_CASE("gradcheck and float32") {
        Tensor a = tensor({0.7, -1.2}, {2}, kFloat64).requires_grad_();
        Tensor b = tensor({0.4, 2.0, -0.5}, {3}, kFloat64).requires_grad_();
        CHECK(gradcheck([](const TensorList& in) { return elastic_net(in, 0.3, 0.7); }, {a, b}));
        CHECK(gradgradcheck([](const TensorList& in) { return l2_penalty(in, 0.3); }, {a, b}));
        CHECK(l2_penalty({ones({3})}, 2.0).dtype() == kFloat32);
    }

    TEST_CASE("bad arguments are rejected") {
        CHECK_THROWS_WITH_AS(l2_penalty({}, 0.1), doctest::Contains("empty"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(l1_penalty({ones({2})}, -0.5), doctest::Contains("-0.5"),
                             std::invalid_argument);
        CHECK_THROWS_AS(l1_penalty({ones({2}), ones({2}, kFloat64)}, 0.5), DtypeError);
        CHECK_THROWS_AS(l1_penalty({tensor({1}, {1}, kInt64)}, 0.5), DtypeError);
    }

    TEST_CASE("an L1 penalty drives an over-parameterised linear model to sparsity; L2 does not") {
        const std::size_t steps = 3000;
        std::vector<double> sparse = fit(Regularizer::l1(0.1), steps);
        std::vector<double> dense = fit(Regularizer::l2(0.1), steps);
        const std::size_t l1_zeros = count_near_zero(sparse, 1e-2);
        const std::size_t l2_zeros = count_near_zero(dense, 1e-2);
        MESSAGE("near-zero weights of 40: L1 ", l1_zeros, ", L2 ", l2_zeros);
        CHECK(l1_zeros >= 35);  // 37 of the 40 true zeros
        CHECK(l2_zeros <= 5);
        // L1 keeps the true support.
        CHECK(std::abs(sparse[17]) > 1.0);
        CHECK(std::abs(sparse[3]) > 0.5);
    }
}
