#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

void check_close(const std::vector<double>& actual, const std::vector<double>& expected,
                 double tol = 1e-12) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(tol));
    }
}

}  // namespace

TEST_SUITE("softmax") {
    TEST_CASE("softmax of a row matches exp(x) / sum(exp(x))") {
        Tensor x = tensor({1, 2, 3, 0, 0, 0}, {2, 3}, kFloat64);
        const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
        check_close(softmax(x, 1).to_vector(), {std::exp(1.0) / z, std::exp(2.0) / z,
                                                std::exp(3.0) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3});
        check_close(log_softmax(x, 1).to_vector(),
                    {1 - std::log(z), 2 - std::log(z), 3 - std::log(z), -std::log(3.0),
                     -std::log(3.0), -std::log(3.0)});
    }

    TEST_CASE("a negative axis counts from the end") {
        Tensor x = randn({2, 3, 4}, kFloat64);
        CHECK(softmax(x, -1).to_vector() == softmax(x, 2).to_vector());
        CHECK(log_softmax(x, -2).to_vector() == log_softmax(x, 1).to_vector());
        // Along axis 0 each column of the (2, 3, 4) result sums to one.
        std::vector<double> p = softmax(x, 0).to_vector();
        for (std::size_t i = 0; i < 12; ++i) {
            CHECK(p[i] + p[i + 12] == doctest::Approx(1.0));
        }
    }

    TEST_CASE("logits of 1000 give finite values") {
        for (Dtype dtype : {kFloat32, kFloat64}) {
            Tensor x = tensor({1000, 0, -1000, 1000, 1000, 999}, {2, 3}, dtype);
            std::vector<double> p = softmax(x, -1).to_vector();
            std::vector<double> lp = log_softmax(x, -1).to_vector();
            for (std::size_t i = 0; i < p.size(); ++i) {
                CHECK(std::isfinite(p[i]));
                CHECK(std::isfinite(lp[i]));
            }
            CHECK(p[0] == doctest::Approx(1.0));
            CHECK(lp[0] == doctest::Approx(0.0));
            CHECK(lp[1] == doctest::Approx(-1000.0));
            CHECK(lp[2] == doctest::Approx(-2000.0));
            const double log_z = std::log(2.0 + std::exp(-1.0));
            CHECK(lp[5] == doctest::Approx(-1.0 - log_z).epsilon(1e-5));
        }
    }

    TEST_CASE("float32 input gives float32 output") {
        Tensor x = tensor({0.5, -1, 2}, {3}, kFloat32);
        CHECK(softmax(x, 0).dtype() == kFloat32);
        CHECK(log_softmax(x, 0).dtype() == kFloat32);
    }

    TEST_CASE("gradients match the closed forms") {
        Tensor x = tensor({0.2, -0.4, 1.1}, {3}, kFloat64).requires_grad_();
        Tensor g = tensor({1, 0, 0}, {3}, kFloat64);
        Tensor y = softmax(x, 0);
        std::vector<double> p = y.to_vector();
        y.backward(g);
        // d y0 / d xj = p0 (delta_0j - pj).
        check_close(x.grad().to_vector(), {p[0] * (1 - p[0]), -p[0] * p[1], -p[0] * p[2]});

        x.zero_grad(true);
        log_softmax(x, 0).backward(g);
        check_close(x.grad().to_vector(), {1 - p[0], -p[1], -p[2]});
    }

    TEST_CASE("gradcheck and gradgradcheck in float64") {
        Tensor x = randn({3, 4}, kFloat64).requires_grad_();
        for (std::int64_t axis : {0, 1, -1}) {
            auto f = [axis](const TensorList& in) { return softmax(in[0], axis); };
            auto lf = [axis](const TensorList& in) { return log_softmax(in[0], axis); };
            CHECK(gradcheck(f, {x}));
            CHECK(gradgradcheck(f, {x}));
            CHECK(gradcheck(lf, {x}));
            CHECK(gradgradcheck(lf, {x}));
        }
    }

    TEST_CASE("bad axis and int64 input are rejected") {
        Tensor x = zeros({2, 3});
        CHECK_THROWS_WITH_AS(softmax(x, 2), doctest::Contains("axis 2"), std::out_of_range);
        CHECK_THROWS_WITH_AS(log_softmax(x, -3), doctest::Contains("axis -3"), std::out_of_range);
        Tensor labels = tensor({1, 2}, {2}, kInt64);
        CHECK_THROWS_WITH_AS(softmax(labels, 0), doctest::Contains("softmax"), DtypeError);
    }
}
