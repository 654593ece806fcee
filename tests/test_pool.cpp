#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <wengert/wengert.hpp>

#include "golden/golden_check.hpp"

using namespace wengert;

namespace {

template <class T>
Dtype dtype_for() {
    return std::is_same_v<T, float> ? kFloat32 : kFloat64;
}

Shape shape_of(const Tensor& t) {
    return Shape(t.shape().begin(), t.shape().end());
}

}  // namespace

TEST_SUITE("pool") {
    TEST_CASE_TEMPLATE("max_pool2d sends the gradient to the first maximum on ties", T, float,
                       double) {
        Tensor x = tensor({1, 1, 2, 0,    //
                           1, 0, 2, 2,    //
                           3, 3, -1, -1,  //
                           3, 3, -1, -2},
                          {1, 1, 4, 4}, dtype_for<T>())
                       .requires_grad_();
        Tensor y = max_pool2d(x, 2);
        CHECK(shape_of(y) == Shape{1, 1, 2, 2});
        CHECK(y.to_vector() == std::vector<double>{1, 2, 3, -1});
        y.backward(tensor({10, 20, 30, 40}, {1, 1, 2, 2}, dtype_for<T>()));
        CHECK(x.grad().to_vector() ==
              std::vector<double>{10, 0, 20, 0, 0, 0, 0, 0, 30, 0, 40, 0, 0, 0, 0, 0});
    }

    TEST_CASE("max_pool2d: overlapping windows add, padding is -inf, ceil_mode adds a window") {
        Tensor x = tensor({1, 5, 2}, {1, 1, 3}, kFloat64).requires_grad_();
        Tensor y = max_pool2d(x, {1, 2}, IntPair{1, 1});
        CHECK(y.to_vector() == std::vector<double>{5, 5});
        sum(y).backward();
        CHECK(x.grad().to_vector() == std::vector<double>{0, 2, 0});

        Tensor negative = tensor({-5, -3, -4, -6}, {1, 1, 2, 2}, kFloat64);
        CHECK(max_pool2d(negative, 2, 1, 1).to_vector() ==
              std::vector<double>{-5, -3, -3, -4, -3, -3, -4, -4, -6});

        Tensor five = arange(25, kFloat64);
        five = reshape(five, {1, 1, 5, 5});
        CHECK(shape_of(max_pool2d(five, 2)) == Shape{1, 1, 2, 2});
        Tensor ceil = max_pool2d(five, 2, std::nullopt, 0, 1, true);
        CHECK(shape_of(ceil) == Shape{1, 1, 3, 3});
        CHECK(ceil.to_vector() == std::vector<double>{6, 8, 9, 16, 18, 19, 21, 23, 24});
        // Dilation 2: the window {0, 2} x {0, 2} of each start.
        CHECK(max_pool2d(five, 2, 1, 0, 2).to_vector() ==
              std::vector<double>{12, 13, 14, 17, 18, 19, 22, 23, 24});
    }

    TEST_CASE("max_pool2d_with_indices: flat positions within each input plane") {
        Tensor negative = tensor({-5, -3, -4, -6}, {1, 1, 2, 2}, kFloat64).requires_grad_();
        auto [values, indices] = max_pool2d_with_indices(negative, 2, 1, 1);
        CHECK(values.to_vector() == std::vector<double>{-5, -3, -3, -4, -3, -3, -4, -4, -6});
        CHECK(indices.dtype() == kInt64);
        CHECK(!indices.requires_grad());
        CHECK(shape_of(indices) == Shape{1, 1, 3, 3});
        CHECK(indices.to_vector() == std::vector<double>{0, 1, 1, 2, 1, 1, 2, 2, 3});
        CHECK(values.requires_grad());

        // Two planes: positions restart in each, as PyTorch's.
        Tensor planes = reshape(arange(32, kFloat32), {1, 2, 4, 4});
        auto [pooled, where] = max_pool2d_with_indices(planes, 2);
        CHECK(pooled.to_vector() == std::vector<double>{5, 7, 13, 15, 21, 23, 29, 31});
        CHECK(where.to_vector() == std::vector<double>{5, 7, 13, 15, 5, 7, 13, 15});
    }

    TEST_CASE("max_pool2d 3x3 inside the input: first maximum on ties, NaN propagates") {
        Tensor x = tensor({0, 5, 5, 0, 0, 0, 0, 0, 5, 0, 0, 5, 0, 0, 0, 0}, {1, 1, 4, 4}, kFloat64)
                       .requires_grad_();
        Tensor y = max_pool2d(x, 3, 1);
        CHECK(y.to_vector() == std::vector<double>{5, 5, 5, 5});
        sum(y).backward();
        CHECK(x.grad().to_vector() ==
              std::vector<double>{0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0});
        const double nan = std::numeric_limits<double>::quiet_NaN();
        Tensor with_nan = tensor({1, nan, 2, 3}, {1, 1, 2, 2}, kFloat64);
        CHECK(std::isnan(max_pool2d(with_nan, 2).item()));
        CHECK(std::isnan(max_pool2d(with_nan, 2, 1, 1).to_vector()[1]));
    }

    TEST_CASE("max_pool2d's backward is differentiable") {
        Generator g(2);
        Tensor x = randn({1, 2, 4, 4}, kFloat64, &g).requires_grad_();
        auto f = [](const TensorList& in) { return max_pool2d(in[0], 3, 1, 1); };
        CHECK(gradgradcheck(f, {x}));
    }

    TEST_CASE_TEMPLATE("avg_pool2d by hand: padding, count_include_pad, divisor_override", T, float,
                       double) {
        Tensor x = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, dtype_for<T>());
        CHECK(avg_pool2d(x, 2, 1).to_vector() == std::vector<double>{3, 4, 6, 7});
        CHECK(avg_pool2d(x, 2, 2, 1).to_vector() == std::vector<double>{0.25, 1.25, 2.75, 7});
        CHECK(avg_pool2d(x, 2, 2, 1, false, false).to_vector() ==
              std::vector<double>{1, 2.5, 5.5, 7});
        CHECK(avg_pool2d(x, 2, 2, 1, false, true, 2).to_vector() ==
              std::vector<double>{0.5, 2.5, 5.5, 14});
        // ceil_mode: the last window is cut at the input's end and divides by its size.
        Tensor row = tensor({1, 2, 3, 4}, {1, 1, 4}, dtype_for<T>());
        CHECK(avg_pool2d(row, {1, 3}, IntPair{1, 2}, 0, true).to_vector() ==
              std::vector<double>{2, 3.5});
    }

    TEST_CASE("avg_pool2d gradient spreads grad / divisor over each window") {
        Tensor x = ones({1, 1, 3, 3}, kFloat64).requires_grad_();
        sum(avg_pool2d(x, 2, 1)).backward();
        CHECK(x.grad().to_vector() ==
              std::vector<double>{0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25});
    }

    TEST_CASE_TEMPLATE("adaptive_avg_pool2d of 5 to 3 uses PyTorch's start/end windows", T, float,
                       double) {
        // Windows [0, 2), [1, 4), [3, 5).
        Tensor row = tensor({1, 2, 3, 4, 5}, {1, 1, 5}, dtype_for<T>());
        CHECK(adaptive_avg_pool2d(row, {1, 3}).to_vector() == std::vector<double>{1.5, 3, 4.5});
        Tensor x = reshape(arange(25, dtype_for<T>()), {1, 1, 5, 5});
        // Rows and columns use the same windows; row means 0.5, 2, 3.5 (in units of 5).
        const std::vector<double> means{0.5, 2, 3.5};
        std::vector<double> expected;
        for (double r : means) {
            for (double c : means) {
                expected.push_back(5 * r + c);
            }
        }
        CHECK(adaptive_avg_pool2d(x, 3).to_vector() == expected);
        CHECK(shape_of(adaptive_avg_pool2d(zeros({2, 3, 7, 7}), 1)) == Shape{2, 3, 1, 1});
    }

    TEST_CASE_TEMPLATE("pooling matches PyTorch", T, float, double) {
        const Dtype dt = dtype_for<T>();
        const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
        using golden::x_of;
        SUBCASE("max_pool2d 3 stride 2 padding 1 dilation (1, 2) ceil_mode") {
            golden::check_case(
                [](const TensorList& x) {
                    return max_pool2d(x[0], 3, 2, 1, {1, 2}, true);
                },
                {x_of({1, 2, 7, 8}, dt)}, {&kMaxPool2dOut, &kMaxPool2dGradX}, tol);
        }
        SUBCASE("avg_pool2d (3, 2) stride (2, 3) padding 1 ceil_mode, pad not counted") {
            golden::check_case(
                [](const TensorList& x) {
                    return avg_pool2d(x[0], {3, 2}, IntPair{2, 3}, 1, true, false);
                },
                {x_of({1, 2, 7, 6}, dt)}, {&kAvgPool2dOut, &kAvgPool2dGradX}, tol);
        }
        SUBCASE("avg_pool2d 3 stride 2 padding 1 ceil_mode divisor_override 5") {
            golden::check_case(
                [](const TensorList& x) { return avg_pool2d(x[0], 3, 2, 1, true, true, 5); },
                {x_of({1, 2, 6, 6}, dt)}, {&kAvgPool2dDivisorOut, &kAvgPool2dDivisorGradX}, tol);
        }
        SUBCASE("adaptive_avg_pool2d 7x5 to 3x4") {
            golden::check_case(
                [](const TensorList& x) {
                    return adaptive_avg_pool2d(x[0], {3, 4});
                },
                {x_of({1, 2, 7, 5}, dt)}, {&kAdaptiveAvgPool2dOut, &kAdaptiveAvgPool2dGradX}, tol);
        }
    }

    TEST_CASE("pooling errors name the op, the input shape and the values") {
        CHECK_THROWS_WITH_AS(max_pool2d(zeros({2, 4}), 2),
                             "max_pool2d: input must be 3-D (C, H, W) or 4-D (N, C, H, W) but is "
                             "(2, 4)",
                             ShapeError);
        CHECK_THROWS_WITH_AS(
            max_pool2d(zeros({1, 1, 2, 2}), 3),
            "max_pool2d: the output size (0, 0) is too small; input is (1, 1, 2, 2)", ShapeError);
        CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 5, 5}), 3, 1, 2),
                             doctest::Contains("padding (2, 2) must be non-negative and at most "
                                               "half the kernel (3, 3); input is (1, 1, 5, 5)"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 5, 5}), 2, IntPair{0, 1}),
                             doctest::Contains("stride must be positive; got (0, 1)"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 5, 5}), 2, 1, 0, 0),
                             doctest::Contains("dilation must be positive"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(avg_pool2d(zeros({1, 5, 5}), {0, 2}),
                             doctest::Contains("avg_pool2d: kernel_size must be positive; got (0, "
                                               "2); input is (1, 5, 5)"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(avg_pool2d(zeros({1, 5, 5}), 2, std::nullopt, 0, false, true, 0),
                             doctest::Contains("divisor_override must be positive; got 0"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(adaptive_avg_pool2d(zeros({1, 5, 5}), {0, 2}),
                             doctest::Contains("output_size must be positive; got (0, 2); input "
                                               "is (1, 5, 5)"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(adaptive_avg_pool2d(zeros({5}), 2),
                             doctest::Contains("adaptive_avg_pool2d: input must be 3-D"),
                             ShapeError);
    }
}
