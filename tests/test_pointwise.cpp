#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

std::vector<double> values(const Tensor& t) {
    return t.to_vector();
}

// The gradient of sum(f(x)) with respect to x.
template <class F>
std::vector<double> grad_of_sum(F f, const Tensor& x) {
    Tensor leaf = x.detach().clone().requires_grad_();
    sum(f(leaf)).backward();
    return leaf.grad().to_vector();
}

void check_close(const std::vector<double>& actual, const std::vector<double>& expected,
                 double tolerance = 1e-12) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        INFO("element ", i);
        CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(tolerance));
    }
}

}  // namespace

TEST_SUITE("pointwise") {
    TEST_CASE("abs: values, and the gradient at 0 is 0") {
        Tensor x = tensor({-2, 0, 3}, {3}, kFloat64);
        CHECK(values(abs(x)) == std::vector<double>{2, 0, 3});
        CHECK(grad_of_sum([](const Tensor& t) { return abs(t); }, x) ==
              std::vector<double>{-1, 0, 1});
    }

    TEST_CASE("clamp: bounds included in the gradient, as PyTorch") {
        Tensor x = tensor({-2, -1, 0, 1, 2}, {5}, kFloat64);
        CHECK(values(clamp(x, -1.0, 1.0)) == std::vector<double>{-1, -1, 0, 1, 1});
        CHECK(grad_of_sum([](const Tensor& t) { return clamp(t, -1.0, 1.0); }, x) ==
              std::vector<double>{0, 1, 1, 1, 0});
        CHECK(values(clamp_min(x, 0.5)) == std::vector<double>{0.5, 0.5, 0.5, 1, 2});
        CHECK(values(clamp_max(x, -1.5)) == std::vector<double>{-2, -1.5, -1.5, -1.5, -1.5});
        // min > max gives max everywhere (PyTorch's rule).
        CHECK(values(clamp(x, 1.0, 0.0)) == std::vector<double>(5, 0.0));
        CHECK_THROWS_WITH_AS(clamp(x, std::nullopt, std::nullopt),
                             doctest::Contains("at least one of min and max"),
                             std::invalid_argument);
    }

    TEST_CASE("maximum and minimum broadcast and split the gradient on ties") {
        Tensor a = tensor({1, 5, 3, 2, 2, 7}, {2, 3}, kFloat64).requires_grad_();
        Tensor b = tensor({2, 5, 1}, {3}, kFloat64).requires_grad_();
        Tensor m = maximum(a, b);
        CHECK(values(m) == std::vector<double>{2, 5, 3, 2, 5, 7});
        sum(m).backward();
        CHECK(a.grad().to_vector() == std::vector<double>{0, 0.5, 1, 0.5, 0, 1});
        CHECK(b.grad().to_vector() == std::vector<double>{1.5, 1.5, 0});
        CHECK(values(minimum(a, b)) == std::vector<double>{1, 5, 1, 2, 2, 1});
        CHECK_THROWS_WITH_AS(maximum(ones({2, 3}), ones({4})), doctest::Contains("(2, 3) and (4)"),
                             ShapeError);
        CHECK_THROWS_AS(minimum(ones({2}), ones({2}, kFloat64)), DtypeError);
    }

    TEST_CASE("leaky_relu and elu: values, slopes, and no overflow for large inputs") {
        Tensor x = tensor({-2, 0, 3}, {3}, kFloat64);
        CHECK(values(leaky_relu(x)) == std::vector<double>{-0.02, 0, 3});
        check_close(grad_of_sum([](const Tensor& t) { return leaky_relu(t, 0.2); }, x),
                    {0.2, 0.2, 1});
        Tensor e = elu(x, 1.5);
        check_close(values(e), {1.5 * std::expm1(-2.0), 0, 3});
        check_close(grad_of_sum([](const Tensor& t) { return elu(t, 1.5); }, x),
                    {1.5 * std::exp(-2.0), 1.5, 1});
        Tensor big = tensor({1000, -1000}, {2}, kFloat32);
        CHECK(grad_of_sum([](const Tensor& t) { return elu(t); }, big) ==
              std::vector<double>{1, 0});
    }

    TEST_CASE("gelu: the erf form and the tanh approximation") {
        const std::vector<double> xs{-3, -0.5, 0, 0.7, 2};
        Tensor x = tensor(xs, {5}, kFloat64);
        std::vector<double> exact, approx, slope;
        for (double v : xs) {
            const double cdf = 0.5 * (1 + std::erf(v / std::sqrt(2.0)));
            exact.push_back(v * cdf);
            slope.push_back(cdf + v * std::exp(-v * v / 2) / std::sqrt(2 * M_PI));
            const double u = std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v);
            approx.push_back(0.5 * v * (1 + std::tanh(u)));
        }
        check_close(values(gelu(x)), exact);
        check_close(values(gelu(x, "tanh")), approx);
        check_close(grad_of_sum([](const Tensor& t) { return gelu(t); }, x), slope);
        // gelu(1) by PyTorch 1.13: 0.8413447460685429 (exact), 0.8411919906082768 (tanh).
        CHECK(gelu(scalar_tensor(1.0, kFloat64)).item() == doctest::Approx(0.8413447460685429));
        CHECK(gelu(scalar_tensor(1.0, kFloat64), "tanh").item() ==
              doctest::Approx(0.8411919906082768));
        CHECK_THROWS_WITH_AS(gelu(x, "fast"), doctest::Contains("\"fast\""), std::invalid_argument);
    }

    TEST_CASE("silu and softplus: values, and softplus is linear above the threshold") {
        Tensor x = tensor({-1, 0, 2}, {3}, kFloat64);
        check_close(values(silu(x)), {-1 / (1 + std::exp(1.0)), 0, 2 / (1 + std::exp(-2.0))});
        check_close(values(softplus(x)),
                    {std::log1p(std::exp(-1.0)), std::log(2.0), std::log1p(std::exp(2.0))});
        check_close(values(softplus(x, 2.0)), {std::log1p(std::exp(-2.0)) / 2, std::log(2.0) / 2,
                                               std::log1p(std::exp(4.0)) / 2});
        Tensor far = tensor({1000, -1000, 25}, {3}, kFloat32);
        CHECK(values(softplus(far)) == std::vector<double>{1000, 0, 25});
        CHECK(grad_of_sum([](const Tensor& t) { return softplus(t); }, far) ==
              std::vector<double>{1, 0, 1});
        CHECK_THROWS_WITH_AS(softplus(x, 0.0), doctest::Contains("beta"), std::invalid_argument);
    }

    TEST_CASE("log1p and expm1 keep their precision near zero") {
        Tensor tiny = tensor({1e-10, -1e-12}, {2}, kFloat64);
        check_close(values(log1p(tiny)), {std::log1p(1e-10), std::log1p(-1e-12)}, 1e-15);
        check_close(values(expm1(tiny)), {std::expm1(1e-10), std::expm1(-1e-12)}, 1e-15);
        // The naive log(1 + x) loses most digits here; log1p keeps them.
        CHECK(values(log1p(tiny))[0] == doctest::Approx(1e-10 - 5e-21).epsilon(1e-15));
        Tensor x = tensor({0.5, 2}, {2}, kFloat64);
        check_close(grad_of_sum([](const Tensor& t) { return log1p(t); }, x), {1 / 1.5, 1 / 3.0});
        check_close(grad_of_sum([](const Tensor& t) { return expm1(t); }, x),
                    {std::exp(0.5), std::exp(2.0)});
    }

    TEST_CASE("sin, cos, rsqrt, reciprocal, square: values and gradients") {
        Tensor x = tensor({0.25, 4}, {2}, kFloat64);
        check_close(values(sin(x)), {std::sin(0.25), std::sin(4.0)});
        check_close(grad_of_sum([](const Tensor& t) { return cos(t); }, x),
                    {-std::sin(0.25), -std::sin(4.0)});
        check_close(values(rsqrt(x)), {2, 0.5});
        check_close(grad_of_sum([](const Tensor& t) { return rsqrt(t); }, x),
                    {-0.5 * std::pow(0.25, -1.5), -0.5 / 8});
        check_close(values(reciprocal(x)), {4, 0.25});
        check_close(grad_of_sum([](const Tensor& t) { return reciprocal(t); }, x),
                    {-16, -1 / 16.0});
        check_close(values(square(x)), {0.0625, 16});
        check_close(grad_of_sum([](const Tensor& t) { return square(t); }, x), {0.5, 8});
    }

    TEST_CASE("sign: values, and a zero gradient") {
        Tensor x = tensor({-3, 0, 2}, {3}, kFloat32);
        CHECK(values(sign(x)) == std::vector<double>{-1, 0, 1});
        CHECK(grad_of_sum([](const Tensor& t) { return sign(t); }, x) ==
              std::vector<double>{0, 0, 0});
    }

    TEST_CASE("comparisons give 0/1 tensors of the input dtype without gradient") {
        Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, kFloat64).requires_grad_();
        Tensor b = tensor({2, 2, 2}, {3}, kFloat64);
        CHECK(values(eq(a, b)) == std::vector<double>{0, 1, 0, 0, 0, 0});
        CHECK(values(ne(a, b)) == std::vector<double>{1, 0, 1, 1, 1, 1});
        CHECK(values(lt(a, b)) == std::vector<double>{1, 0, 0, 0, 0, 0});
        CHECK(values(le(a, b)) == std::vector<double>{1, 1, 0, 0, 0, 0});
        CHECK(values(gt(a, 4.0)) == std::vector<double>{0, 0, 0, 0, 1, 1});
        CHECK(values(ge(a, 4.0)) == std::vector<double>{0, 0, 0, 1, 1, 1});
        CHECK(values(eq(a, 3.0)) == std::vector<double>{0, 0, 1, 0, 0, 0});
        CHECK(values(ne(a, 3.0)) == std::vector<double>{1, 1, 0, 1, 1, 1});
        CHECK(values(lt(a, 2.0)) == std::vector<double>{1, 0, 0, 0, 0, 0});
        CHECK(values(le(a, 2.0)) == std::vector<double>{1, 1, 0, 0, 0, 0});
        CHECK(values(gt(a, b)) == std::vector<double>{0, 0, 1, 1, 1, 1});
        CHECK(values(ge(a, b)) == std::vector<double>{0, 1, 1, 1, 1, 1});
        CHECK(eq(a, b).dtype() == kFloat64);
        CHECK(eq(a, b).shape().size() == 2);
        CHECK_FALSE(gt(a, b).requires_grad());
        // Index tensors compare too, e.g. predictions against labels.
        Tensor predicted = tensor({0, 2, 1}, {3}, kInt64);
        Tensor labels = tensor({0, 1, 1}, {3}, kInt64);
        CHECK(eq(predicted, labels).dtype() == kInt64);
        CHECK(values(eq(predicted, labels)) == std::vector<double>{1, 0, 1});
        CHECK_THROWS_WITH_AS(lt(ones({2, 3}), ones({2})), doctest::Contains("(2, 3) and (2)"),
                             ShapeError);
        CHECK_THROWS_AS(eq(ones({2}), ones({2}, kFloat64)), DtypeError);
    }

    TEST_CASE("where: broadcasting, and gradients to each side only") {
        Tensor condition = tensor({1, 0, 1}, {3, 1}, kFloat64);
        Tensor a = tensor({1, 2}, {2}, kFloat64).requires_grad_();
        Tensor b = tensor({-5}, {}, kFloat64).requires_grad_();
        Tensor y = where(condition, a, b);
        CHECK(y.shape()[0] == 3);
        CHECK(y.shape()[1] == 2);
        CHECK(values(y) == std::vector<double>{1, 2, -5, -5, 1, 2});
        sum(y).backward();
        CHECK(a.grad().to_vector() == std::vector<double>{2, 2});
        CHECK(b.grad().to_vector() == std::vector<double>{2});
        // A comparison is the usual condition.
        Tensor x = tensor({-1, 4}, {2}, kFloat64).requires_grad_();
        Tensor r = where(gt(x, 0.0), sqrt(x), zeros({2}, kFloat64));
        CHECK(values(r) == std::vector<double>{0, 2});
        CHECK_THROWS_WITH_AS(where(ones({2}), ones({3}), ones({3})),
                             doctest::Contains("(2) (condition), (3) (a) and (3) (b)"), ShapeError);
        CHECK_THROWS_AS(where(ones({2}), ones({2}), ones({2}, kFloat64)), DtypeError);
    }

    TEST_CASE("lerp: scalar and tensor weights") {
        Tensor start = tensor({0, 10}, {2}, kFloat64).requires_grad_();
        Tensor end = tensor({4, 20}, {2}, kFloat64).requires_grad_();
        Tensor weight = tensor({0.25}, {1}, kFloat64).requires_grad_();
        Tensor y = lerp(start, end, weight);
        CHECK(values(y) == std::vector<double>{1, 12.5});
        sum(y).backward();
        CHECK(start.grad().to_vector() == std::vector<double>{0.75, 0.75});
        CHECK(end.grad().to_vector() == std::vector<double>{0.25, 0.25});
        CHECK(weight.grad().to_vector() == std::vector<double>{14});
        CHECK(values(lerp(start, end, 0.5)) == std::vector<double>{2, 15});
        CHECK_THROWS_WITH_AS(lerp(ones({2}), ones({3}), ones({1})),
                             doctest::Contains("(2) (start), (3) (end)"), ShapeError);
    }

    TEST_CASE("float32 inputs give float32 results") {
        Tensor x = tensor({-1, 0.5}, {2}, kFloat32).requires_grad_();
        for (const Tensor& y : {abs(x), gelu(x), silu(x), softplus(x), elu(x), leaky_relu(x),
                                sin(x), log1p(abs(x)), expm1(x), square(x), clamp(x, 0.0, 1.0)}) {
            CHECK(y.dtype() == kFloat32);
        }
        CHECK_THROWS_AS(abs(tensor({1}, {1}, kInt64)), DtypeError);
    }
}
