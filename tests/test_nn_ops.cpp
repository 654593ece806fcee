#include <doctest/doctest.h>

#include <cmath>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

void check_close(const std::vector<double>& actual, const std::vector<double>& expected,
                 double tolerance = 1e-6) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        INFO("element ", i);
        CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(tolerance));
    }
}

}  // namespace

TEST_SUITE("linear") {
    TEST_CASE_TEMPLATE("linear: x W^T + b on hand-computed values", T, float, double) {
        const Dtype dtype = std::is_same_v<T, float> ? kFloat32 : kFloat64;
        Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, dtype);
        Tensor w = tensor({1, 0, -1, 2, 1, 0}, {2, 3}, dtype);
        Tensor b = tensor({0.5, -1}, {2}, dtype);
        Tensor y = linear(x, w, b);
        CHECK(std::ranges::equal(y.shape(), Shape{2, 2}));
        check_close(y.to_vector(), {1 - 3 + 0.5, 2 + 2 - 1, 4 - 6 + 0.5, 8 + 5 - 1});
        check_close(linear(x, w).to_vector(), {-2, 4, -2, 13});
        check_close(linear_relu(x, w, b).to_vector(), {0, 3, 0, 12});
    }

    TEST_CASE("linear: 1-D and batched inputs keep their leading axes") {
        Tensor w = tensor({1, 2, 3, 4, 5, 6}, {3, 2}, kFloat64);
        Tensor v = tensor({1, -1}, {2}, kFloat64);
        Tensor y = linear(v, w);
        CHECK(std::ranges::equal(y.shape(), Shape{3}));
        check_close(y.to_vector(), {-1, -1, -1});
        Tensor batch = ones({2, 4, 2}, kFloat64);
        CHECK(std::ranges::equal(linear(batch, w).shape(), Shape{2, 4, 3}));
    }

    TEST_CASE("linear: gradients are W, x and ones") {
        Tensor x = tensor({1, 2}, {1, 2}, kFloat64).requires_grad_();
        Tensor w = tensor({3, 4, 5, 6}, {2, 2}, kFloat64).requires_grad_();
        Tensor b = tensor({0, 0}, {2}, kFloat64).requires_grad_();
        sum(linear(x, w, b)).backward();
        check_close(x.grad().to_vector(), {8, 10});
        check_close(w.grad().to_vector(), {1, 2, 1, 2});
        check_close(b.grad().to_vector(), {1, 1});
        CHECK(gradgradcheck(
            [](const TensorList& t) { return linear(t[0], t[1], t[2]); },
            {randn({3, 2}, kFloat64).requires_grad_(), randn({4, 2}, kFloat64).requires_grad_(),
             randn({4}, kFloat64).requires_grad_()}));
    }

    TEST_CASE("linear: errors name both shapes") {
        Tensor x = zeros({2, 3});
        CHECK_THROWS_WITH_AS(linear(x, zeros({4, 5})), doctest::Contains("(2, 3)"), ShapeError);
        CHECK_THROWS_WITH_AS(linear(x, zeros({4, 5})), doctest::Contains("(4, 5)"), ShapeError);
        CHECK_THROWS_WITH_AS(linear(x, zeros({3})), doctest::Contains("(3)"), ShapeError);
        CHECK_THROWS_WITH_AS(linear(x, zeros({4, 3}), zeros({3})), doctest::Contains("bias is (3)"),
                             ShapeError);
        CHECK_THROWS_AS(linear(x, zeros({4, 3}, kFloat64)), DtypeError);
    }
}

TEST_SUITE("dropout") {
    TEST_CASE("dropout: survivors are scaled by 1 / (1 - p), the rest are zero") {
        Generator g(3);
        Tensor x = full({1000}, 2.0, kFloat64);
        Tensor y = dropout(x, 0.25, true, &g);
        std::size_t kept = 0;
        for (double v : y.to_vector()) {
            CHECK((v == 0.0 || v == doctest::Approx(2.0 / 0.75)));
            kept += v != 0.0;
        }
        CHECK(kept > 700);
        CHECK(kept < 800);
    }

    TEST_CASE("dropout: the seeded mask repeats and is the gradient") {
        Generator g1(11), g2(11);
        Tensor x = ones({4, 5}, kFloat64).requires_grad_();
        Tensor a = dropout(x, 0.5, true, &g1);
        Tensor b = dropout(x, 0.5, true, &g2);
        CHECK(a.to_vector() == b.to_vector());
        sum(a).backward();
        CHECK(x.grad().to_vector() == a.to_vector());
        // The mask is the draw u < 1 - p per element, in row-major order.
        Generator g3(11);
        std::vector<double> expected;
        for (int i = 0; i < 20; ++i) {
            expected.push_back(g3.uniform() < 0.5 ? 2.0 : 0.0);
        }
        CHECK(a.to_vector() == expected);
    }

    TEST_CASE("dropout: evaluation is the identity, p = 1 gives zeros, bad p throws") {
        Tensor x = tensor({1, 2, 3}, {3});
        CHECK(dropout(x, 0.5, false).is_same(x));
        CHECK(dropout(x, 1.0, true).to_vector() == std::vector<double>{0, 0, 0});
        CHECK(dropout(x, 0.0, true).to_vector() == x.to_vector());
        CHECK_THROWS_WITH_AS(dropout(x, 1.5), doctest::Contains("1.5"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(dropout(x, -0.1, false), doctest::Contains("-0.1"),
                             std::invalid_argument);
    }
}
