#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

std::vector<double> values(const Tensor& t) {
    return t.to_vector();
}

Shape shape_of(const Tensor& t) {
    return Shape(t.shape().begin(), t.shape().end());
}

const double kInf = std::numeric_limits<double>::infinity();

struct GoldenCase {
    const char* name;
    std::vector<double> values;
    std::vector<double> grad;
};

#include "golden/pointwise_reduce.inc"

// The first n elements of the vector x, differentiably (a selection matrix times x).
Tensor narrow_first(const Tensor& x, std::size_t n) {
    std::vector<double> selection(n * x.numel(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        selection[i * x.numel() + i] = 1.0;
    }
    return matmul(tensor(selection, {n, x.numel()}, x.dtype()), x);
}

Tensor golden_function(const std::string& name, const Tensor& x) {
    const Tensor rows = reshape(narrow_first(x, 6), {2, 3});
    if (name == "gelu") return gelu(x);
    if (name == "gelu_tanh") return gelu(x, "tanh");
    if (name == "silu") return silu(x);
    if (name == "softplus") return softplus(x);
    if (name == "softplus_beta2_threshold3") return softplus(x, 2.0, 3.0);
    if (name == "elu") return elu(x);
    if (name == "leaky_relu") return leaky_relu(x);
    if (name == "erf") return erf(x);
    if (name == "logsumexp_all") return logsumexp(x, {0});
    if (name == "var_all") return var(x);
    if (name == "std_correction0") return wengert::std(x, {}, 0.0);
    if (name == "norm_3") return norm(x, 3.0);
    if (name == "norm_half") return norm(x, 0.5);
    if (name == "prod_all") return prod(x);
    if (name == "logsumexp_rows") return logsumexp(rows, {1});
    if (name == "var_cols") return var(rows, {0});
    FAIL("no function for golden case ", name);
    return x;
}

}  // namespace

TEST_SUITE("reduce") {
    TEST_CASE("values and gradients agree with PyTorch 1.13 (tests/golden/pointwise_reduce.py)") {
        for (const GoldenCase& golden : kGoldenCases) {
            INFO(golden.name);
            Tensor x = tensor(kGoldenInput, {kGoldenInput.size()}, kFloat64).requires_grad_();
            Tensor y = golden_function(golden.name, x);
            sum(y).backward();
            const std::vector<double> got = y.to_vector();
            const std::vector<double> g = x.grad().to_vector();
            REQUIRE(got.size() == golden.values.size());
            for (std::size_t i = 0; i < got.size(); ++i) {
                CHECK(got[i] == doctest::Approx(golden.values[i]).epsilon(1e-12));
            }
            for (std::size_t i = 0; i < g.size(); ++i) {
                CHECK(g[i] == doctest::Approx(golden.grad[i]).epsilon(1e-12));
            }
        }
    }

    TEST_CASE("sum and mean over axes") {
        Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, kFloat64);
        CHECK(sum(x).item() == 21);
        CHECK(values(sum(x, {0})) == std::vector<double>{5, 7, 9});
        CHECK(values(mean(x, {-1}, true)) == std::vector<double>{2, 5});
        CHECK(shape_of(mean(x, {-1}, true)) == Shape{2, 1});
    }

    TEST_CASE("max of all elements splits the gradient among ties") {
        Tensor x = tensor({1, 3, 3, -2}, {2, 2}, kFloat64).requires_grad_();
        Tensor m = max(x);
        CHECK(m.dim() == 0);
        CHECK(m.item() == 3);
        m.backward();
        CHECK(x.grad().to_vector() == std::vector<double>{0, 0.5, 0.5, 0});
        CHECK(min(x).item() == -2);
    }

    TEST_CASE("max over an axis returns values and the first index of ties") {
        Tensor x = tensor({1, 4, 4, 7, 0, 7}, {2, 3}, kFloat64).requires_grad_();
        ValuesIndices r = max(x, 1);
        CHECK(values(r.values) == std::vector<double>{4, 7});
        CHECK(r.indices.dtype() == kInt64);
        CHECK(values(r.indices) == std::vector<double>{1, 0});
        sum(r.values).backward();
        // The gradient goes to the index returned, as in PyTorch.
        CHECK(x.grad().to_vector() == std::vector<double>{0, 1, 0, 1, 0, 0});
        ValuesIndices k = max(x, 0, true);
        CHECK(shape_of(k.values) == Shape{1, 3});
        CHECK(values(k.values) == std::vector<double>{7, 4, 7});
        CHECK(values(k.indices) == std::vector<double>{1, 0, 1});
        ValuesIndices low = min(x, -1);
        CHECK(values(low.values) == std::vector<double>{1, 0});
        CHECK(values(low.indices) == std::vector<double>{0, 1});
    }

    TEST_CASE("amax and amin over several axes with keepdim") {
        Tensor x = arange(0, 24, 1, kFloat64);
        x = reshape(x, {2, 3, 4});
        Tensor m = amax(x, {0, 2}, true);
        CHECK(shape_of(m) == Shape{1, 3, 1});
        CHECK(values(m) == std::vector<double>{15, 19, 23});
        CHECK(values(amin(x, {-1})) == std::vector<double>{0, 4, 8, 12, 16, 20});
        Tensor t = tensor({2, 2, 1}, {3}, kFloat64).requires_grad_();
        amin(t, {0}).backward();
        CHECK(t.grad().to_vector() == std::vector<double>{0, 0, 1});
    }

    TEST_CASE("argmax and argmin take the first index on ties") {
        Tensor x = tensor({3, 1, 3, 0, 5, 5}, {2, 3}, kFloat64);
        CHECK(argmax(x).item() == 4);
        CHECK(argmax(x).dtype() == kInt64);
        CHECK(argmax(x).dim() == 0);
        CHECK(argmin(x).item() == 3);
        CHECK(values(argmax(x, 1)) == std::vector<double>{0, 1});
        CHECK(values(argmax(x, 0)) == std::vector<double>{0, 1, 1});
        CHECK(shape_of(argmax(x, -1, true)) == Shape{2, 1});
        CHECK(values(argmin(x, 1)) == std::vector<double>{1, 0});
        CHECK(values(argmax(tensor({2, 2, 2}, {3}, kFloat32))) == std::vector<double>{0});
    }

    TEST_CASE("logsumexp is stable for large inputs and its gradient is softmax") {
        Tensor x = tensor({1000, 1000}, {2}, kFloat64).requires_grad_();
        Tensor y = logsumexp(x, {0});
        CHECK(y.item() == doctest::Approx(1000 + std::log(2.0)).epsilon(1e-15));
        y.backward();
        CHECK(x.grad().to_vector()[0] == doctest::Approx(0.5).epsilon(1e-12));
        CHECK(x.grad().to_vector()[1] == doctest::Approx(0.5).epsilon(1e-12));
        Tensor f = tensor({1000, 1000, -1000, 0}, {2, 2}, kFloat32);
        std::vector<double> rows = values(logsumexp(f, {1}));
        CHECK(rows[0] == doctest::Approx(1000 + std::log(2.0)));
        CHECK(rows[1] == doctest::Approx(0.0).epsilon(1e-6));
        Tensor inf = tensor({-kInf, -kInf, kInf, 1}, {2, 2}, kFloat64);
        CHECK(values(logsumexp(inf, {1})) == std::vector<double>{-kInf, kInf});
        Tensor s = tensor({0, 1, 2}, {3}, kFloat64);
        CHECK(logsumexp(s, {-1}, true).item() ==
              doctest::Approx(std::log(1 + std::exp(1.0) + std::exp(2.0))));
    }

    TEST_CASE("var and std: correction 1 by default, 0 on request") {
        Tensor x = tensor({1, 2, 3, 4}, {4}, kFloat64);
        CHECK(var(x).item() == doctest::Approx(5.0 / 3.0));
        CHECK(var(x, {}, 0.0).item() == doctest::Approx(1.25));
        CHECK(wengert::std(x).item() == doctest::Approx(std::sqrt(5.0 / 3.0)));
        Tensor m = tensor({1, 2, 3, 2, 2, 2}, {2, 3}, kFloat64);
        CHECK(values(var(m, {1})) == std::vector<double>{1, 0});
        CHECK(shape_of(wengert::std(m, {-1}, 1.0, true)) == Shape{2, 1});
        // One element with correction 1: 0 / 0, nan as in PyTorch.
        CHECK(std::isnan(var(tensor({3}, {1}, kFloat64)).item()));
    }

    TEST_CASE("std's gradient at zero variance is 0, not nan") {
        Tensor x = tensor({2, 2, 2, 1, 2, 3}, {2, 3}, kFloat64).requires_grad_();
        sum(wengert::std(x, {1})).backward();
        std::vector<double> g = x.grad().to_vector();
        CHECK(g[0] == 0);
        CHECK(g[1] == 0);
        CHECK(g[2] == 0);
        // Row 2: d std / dx = (x - mean) / ((N - 1) std) with std = 1.
        CHECK(g[3] == doctest::Approx(-0.5));
        CHECK(g[4] == doctest::Approx(0.0));
        CHECK(g[5] == doctest::Approx(0.5));
    }

    TEST_CASE("prod: values, and exact gradients when elements are zero") {
        Tensor x = tensor({2, 0, 3}, {3}, kFloat64).requires_grad_();
        CHECK(prod(x).item() == 0);
        prod(x).backward();
        CHECK(x.grad().to_vector() == std::vector<double>{0, 6, 0});
        Tensor two = tensor({0, 4, 0}, {3}, kFloat64).requires_grad_();
        prod(two).backward();
        CHECK(two.grad().to_vector() == std::vector<double>{0, 0, 0});
        Tensor m = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, kFloat64);
        CHECK(values(prod(m, 1)) == std::vector<double>{6, 120});
        CHECK(values(prod(m, 0, true)) == std::vector<double>{4, 10, 18});
        CHECK(shape_of(prod(m, 0, true)) == Shape{1, 3});
        CHECK(prod(zeros({0}, kFloat64)).item() == 1);
        // Second order at a zero: d^2 prod / dx0 dx1 = x2 = 3.
        Tensor y = tensor({0, 5, 3}, {3}, kFloat64).requires_grad_();
        Tensor g = grad({prod(y)}, {y}, {}, true, true)[0];
        Tensor first = sum(mul(g, tensor({1, 0, 0}, {3}, kFloat64)));  // d prod / d y0
        Tensor h = grad({first}, {y})[0];
        CHECK(h.to_vector() == std::vector<double>{0, 3, 5});
    }

    TEST_CASE("norm: p = 2, 1, inf and other p, with the 2-norm's gradient 0 at 0") {
        Tensor x = tensor({3, -4}, {2}, kFloat64).requires_grad_();
        Tensor n = norm(x);
        CHECK(n.item() == doctest::Approx(5));
        n.backward();
        CHECK(x.grad().to_vector()[0] == doctest::Approx(0.6));
        CHECK(x.grad().to_vector()[1] == doctest::Approx(-0.8));
        CHECK(norm(x, 1.0).item() == 7);
        CHECK(norm(x, kInf).item() == 4);
        CHECK(norm(x, 3.0).item() == doctest::Approx(std::cbrt(27.0 + 64.0)));
        Tensor z = zeros({3}, kFloat64).requires_grad_();
        norm(z).backward();
        CHECK(z.grad().to_vector() == std::vector<double>{0, 0, 0});
        Tensor m = tensor({3, 4, 0, 0, 6, 8}, {3, 2}, kFloat64);
        CHECK(values(norm(m, 2.0, {1})) == std::vector<double>{5, 0, 10});
        CHECK(shape_of(norm(m, 2.0, {-1}, true)) == Shape{3, 1});
        Tensor t = tensor({-2, 2, 1}, {3}, kFloat64).requires_grad_();
        norm(t, kInf).backward();
        CHECK(t.grad().to_vector() == std::vector<double>{-0.5, 0.5, 0});
        CHECK_THROWS_WITH_AS(norm(x, 0.0), doctest::Contains("got 0"), std::invalid_argument);
        CHECK_THROWS_AS(norm(x, -1.0), std::invalid_argument);
    }

    TEST_CASE("cumsum: values and a reversed running sum as gradient") {
        Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, kFloat64).requires_grad_();
        CHECK(values(cumsum(x, 1)) == std::vector<double>{1, 3, 6, 4, 9, 15});
        CHECK(values(cumsum(x, 0)) == std::vector<double>{1, 2, 3, 5, 7, 9});
        sum(cumsum(x, -1)).backward();
        CHECK(x.grad().to_vector() == std::vector<double>{3, 2, 1, 3, 2, 1});
    }

    TEST_CASE("errors name the axis and rank, or the empty shape") {
        Tensor x = ones({2, 3}, kFloat64);
        CHECK_THROWS_WITH_AS(max(x, 2),
                             doctest::Contains("axis 2 is out of range for a tensor of rank 2"),
                             std::out_of_range);
        CHECK_THROWS_WITH_AS(amax(x, {-3}), doctest::Contains("axis -3"), std::out_of_range);
        CHECK_THROWS_WITH_AS(var(x, {5}), doctest::Contains("rank 2"), std::out_of_range);
        CHECK_THROWS_WITH_AS(cumsum(x, 3), doctest::Contains("axis 3"), std::out_of_range);
        CHECK_THROWS_WITH_AS(prod(x, -4), doctest::Contains("axis -4"), std::out_of_range);
        CHECK_THROWS_WITH_AS(argmax(x, 2), doctest::Contains("rank 2"), std::out_of_range);
        Tensor empty = zeros({0, 3}, kFloat64);
        CHECK_THROWS_WITH_AS(max(empty), doctest::Contains("(0, 3)"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(max(empty, 0), doctest::Contains("(0, 3)"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(argmin(empty), doctest::Contains("(0, 3)"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(amin(empty, {0}), doctest::Contains("axis 0 of size 0"),
                             std::invalid_argument);
        // Reducing the non-empty axis of an empty tensor is fine: the result is empty.
        CHECK(amax(empty, {1}).numel() == 0);
        CHECK(logsumexp(empty, {0}).to_vector() == std::vector<double>(3, -kInf));
        CHECK_THROWS_AS(argmax(tensor({1, 2}, {2}, kInt64)), DtypeError);
    }
}
