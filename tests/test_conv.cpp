#include <doctest/doctest.h>

#include <wengert/wengert.hpp>

#include "golden/golden_check.hpp"

using namespace wengert;

namespace {

std::vector<double> iota_values(std::size_t n, double start = 1.0) {
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i) {
        values[i] = start + static_cast<double>(i);
    }
    return values;
}

// Direct evaluation of the conv2d formula, for comparison with the im2col kernels.
std::vector<double> naive_conv2d(const Tensor& x, const Tensor& w, const std::vector<double>& b,
                                 IntPair s, IntPair p, IntPair d, std::int64_t groups) {
    const auto xv = x.to_vector();
    const auto wv = w.to_vector();
    const auto n_ = static_cast<std::int64_t>(x.size(0)), c_ = static_cast<std::int64_t>(x.size(1));
    const auto h_ = static_cast<std::int64_t>(x.size(2)), w_ = static_cast<std::int64_t>(x.size(3));
    const auto o_ = static_cast<std::int64_t>(w.size(0)), cg = static_cast<std::int64_t>(w.size(1));
    const auto kh = static_cast<std::int64_t>(w.size(2)), kw = static_cast<std::int64_t>(w.size(3));
    const std::int64_t oh_ = (h_ + 2 * p.h - d.h * (kh - 1) - 1) / s.h + 1;
    const std::int64_t ow_ = (w_ + 2 * p.w - d.w * (kw - 1) - 1) / s.w + 1;
    const std::int64_t og = o_ / groups;
    std::vector<double> out;
    for (std::int64_t n = 0; n < n_; ++n) {
        for (std::int64_t o = 0; o < o_; ++o) {
            for (std::int64_t i = 0; i < oh_; ++i) {
                for (std::int64_t j = 0; j < ow_; ++j) {
                    double total = b.empty() ? 0.0 : b[static_cast<std::size_t>(o)];
                    for (std::int64_t c = 0; c < cg; ++c) {
                        const std::int64_t ci = o / og * cg + c;
                        for (std::int64_t u = 0; u < kh; ++u) {
                            for (std::int64_t v = 0; v < kw; ++v) {
                                const std::int64_t y = i * s.h - p.h + u * d.h;
                                const std::int64_t z = j * s.w - p.w + v * d.w;
                                if (y < 0 || y >= h_ || z < 0 || z >= w_) {
                                    continue;
                                }
                                total +=
                                    wv[static_cast<std::size_t>(((o * cg + c) * kh + u) * kw + v)] *
                                    xv[static_cast<std::size_t>(((n * c_ + ci) * h_ + y) * w_ + z)];
                            }
                        }
                    }
                    out.push_back(total);
                }
            }
        }
    }
    return out;
}

void check_close(const std::vector<double>& actual, const std::vector<double>& expected,
                 double tolerance) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        INFO("element ", i);
        CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(tolerance));
    }
}

}  // namespace

TEST_SUITE("conv") {
    TEST_CASE_TEMPLATE("conv2d of a 3x3 input with a 2x2 kernel, by hand", T, float, double) {
        const Dtype dtype = std::is_same_v<T, float> ? kFloat32 : kFloat64;
        Tensor x = tensor(iota_values(9), {1, 1, 3, 3}, dtype);
        Tensor w = tensor({1, 2, 3, 4}, {1, 1, 2, 2}, dtype);
        Tensor b = tensor({0.5}, {1}, dtype);
        // [1 2 3; 4 5 6; 7 8 9] correlated with [1 2; 3 4]: 1+4+12+20 = 37, and so on.
        Tensor y = conv2d(x, w, b);
        CHECK(y.dtype() == dtype);
        CHECK(std::vector<std::size_t>(y.shape().begin(), y.shape().end()) ==
              std::vector<std::size_t>{1, 1, 2, 2});
        CHECK(y.to_vector() == std::vector<double>{37.5, 47.5, 67.5, 77.5});
        // Padding 1, stride 2: the corners see one, two or four input values.
        Tensor z = conv2d(x, w, Tensor(), 2, 1);
        CHECK(z.to_vector() == std::vector<double>{4, 6 + 12, 8 + 28, 5 + 12 + 24 + 36});
    }

    TEST_CASE("conv2d gradients by hand") {
        Tensor x = tensor(iota_values(9), {1, 1, 3, 3}, kFloat64).requires_grad_();
        Tensor w = tensor({1, 2, 3, 4}, {1, 1, 2, 2}, kFloat64).requires_grad_();
        Tensor b = tensor({0.5}, {1}, kFloat64).requires_grad_();
        sum(conv2d(x, w, b)).backward();
        // Each input element is counted once per window that covers it.
        CHECK(x.grad().to_vector() == std::vector<double>{1, 3, 2, 4, 10, 6, 3, 7, 4});
        // Each weight sees the sum of the 2x2 block of inputs it multiplies.
        CHECK(w.grad().to_vector() == std::vector<double>{12, 16, 24, 28});
        CHECK(b.grad().to_vector() == std::vector<double>{4});
    }

    TEST_CASE("conv1d by hand") {
        Tensor x = tensor({1, 2, 3, 4, 5}, {1, 1, 5}, kFloat64);
        Tensor w = tensor({1, 0, -1}, {1, 1, 3}, kFloat64);
        CHECK(conv1d(x, w).to_vector() == std::vector<double>{-2, -2, -2});
        CHECK(conv1d(x, w, Tensor(), 2, 1).to_vector() == std::vector<double>{-2, -2, 4});
        CHECK(conv1d(x, w, Tensor(), 1, 0, 2).to_vector() == std::vector<double>{-4});
    }

    TEST_CASE_TEMPLATE("conv2d matches the direct formula", T, float, double) {
        const Dtype dtype = std::is_same_v<T, float> ? kFloat32 : kFloat64;
        struct Case {
            Shape x, w;
            IntPair s, p, d;
            std::int64_t groups;
        };
        const std::vector<Case> cases = {
            {{3, 4, 7, 6}, {6, 2, 3, 2}, {2, 1}, {1, 2}, {1, 2}, 2},
            {{2, 3, 5, 5}, {4, 3, 3, 3}, 1, 1, 1, 1},
            {{2, 4, 6, 6}, {4, 1, 3, 3}, 2, 0, 1, 4},
            {{1, 2, 9, 4}, {3, 2, 2, 1}, {3, 1}, 0, {3, 1}, 1},
            {{2, 4, 3, 5}, {6, 2, 1, 1}, 1, 0, 1, 2},
            {{2, 3, 4, 4}, {2, 3, 1, 1}, 2, 1, 1, 1},
        };
        Generator g(3);
        for (const Case& c : cases) {
            Tensor x = randn(c.x, dtype, &g);
            Tensor w = randn(c.w, dtype, &g);
            Tensor b = randn({c.w[0]}, dtype, &g);
            const auto expected = naive_conv2d(x, w, b.to_vector(), c.s, c.p, c.d, c.groups);
            check_close(conv2d(x, w, b, c.s, c.p, c.d, c.groups).to_vector(), expected,
                        std::is_same_v<T, float> ? 1e-4 : 1e-12);
        }
    }

    TEST_CASE("each sample of a batch gives the values it gives alone") {
        Generator g(9);
        Tensor x = randn({5, 32, 14, 14}, kFloat32, &g);
        Tensor w = randn({4, 32, 3, 3}, kFloat32, &g).requires_grad_();
        Tensor y = conv2d(x, w, Tensor(), 1, 1);
        const auto all = y.to_vector();
        // The last sample alone must equal the last slice of the batched result.
        std::vector<double> x_values = x.to_vector();
        const std::size_t per = 32 * 14 * 14;
        Tensor x_last = tensor(std::vector<double>(x_values.end() - per, x_values.end()),
                               {1, 32, 14, 14}, kFloat32);
        const auto alone = conv2d(x_last, w, Tensor(), 1, 1).to_vector();
        const std::size_t out_per = 4 * 14 * 14;
        check_close(alone, std::vector<double>(all.end() - out_per, all.end()), 1e-5);
    }

    TEST_CASE("conv_transpose2d is the input gradient of conv2d") {
        Generator g(4);
        Tensor x = randn({2, 4, 5, 5}, kFloat64, &g).requires_grad_();
        Tensor w = randn({6, 2, 3, 3}, kFloat64, &g);
        Tensor y = conv2d(x, w, Tensor(), 2, 1, 1, 2);
        Tensor seed = randn({2, 6, 3, 3}, kFloat64, &g);
        y.backward(seed);
        // Output size (3 - 1) * 2 - 2 + 3 + 0 = 5: no output_padding needed.
        Tensor t = conv_transpose2d(seed, w, Tensor(), 2, 1, 0, 2);
        check_close(t.to_vector(), x.grad().to_vector(), 1e-12);
        CHECK(conv_transpose2d(seed, w, Tensor(), 2, 1, 1, 2).size(2) == 6);
    }

    TEST_CASE("conv2d gradgradcheck with stride, padding and groups") {
        Generator g(5);
        Tensor x = randn({1, 2, 4, 4}, kFloat64, &g).requires_grad_();
        Tensor w = randn({2, 1, 2, 3}, kFloat64, &g).requires_grad_();
        Tensor b = randn({2}, kFloat64, &g).requires_grad_();
        auto f = [](const TensorList& in) { return conv2d(in[0], in[1], in[2], {2, 1}, 1, 1, 2); };
        CHECK(gradcheck(f, {x, w, b}));
        CHECK(gradgradcheck(f, {x, w, b}));
    }

    TEST_CASE_TEMPLATE("conv2d, conv1d and conv_transpose2d match PyTorch", T, float, double) {
        const Dtype dt = std::is_same_v<T, float> ? kFloat32 : kFloat64;
        const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-12;
        using golden::w_of;
        using golden::x_of;
        SUBCASE("conv2d stride (2, 1) padding (1, 2) dilation (1, 2) groups 2") {
            golden::check_case(
                [](const TensorList& x) {
                    return conv2d(x[0], x[1], x[2], {2, 1}, {1, 2}, {1, 2}, 2);
                },
                {x_of({2, 4, 6, 5}, dt), w_of({6, 2, 3, 2}, dt), w_of({6}, dt)},
                {&kConv2dOut, &kConv2dGradX, &kConv2dGradW, &kConv2dGradB}, tol);
        }
        SUBCASE("conv1d stride 2 padding 1 dilation 2 groups 2") {
            golden::check_case(
                [](const TensorList& x) { return conv1d(x[0], x[1], x[2], 2, 1, 2, 2); },
                {x_of({2, 2, 9}, dt), w_of({4, 1, 3}, dt), w_of({4}, dt)},
                {&kConv1dOut, &kConv1dGradX, &kConv1dGradW, &kConv1dGradB}, tol);
        }
        SUBCASE("conv_transpose2d stride 2 padding 1 output_padding 1 groups 2") {
            golden::check_case(
                [](const TensorList& x) { return conv_transpose2d(x[0], x[1], x[2], 2, 1, 1, 2); },
                {x_of({1, 4, 3, 3}, dt), w_of({4, 3, 3, 3}, dt), w_of({6}, dt)},
                {&kConvTranspose2dOut, &kConvTranspose2dGradX, &kConvTranspose2dGradW,
                 &kConvTranspose2dGradB},
                tol);
        }
    }

    TEST_CASE("conv errors name the op and the shapes") {
        Tensor x = zeros({1, 3, 5, 5});
        CHECK_THROWS_WITH_AS(conv2d(x, zeros({8, 2, 3, 3}), Tensor(), 1, 0, 1, 2),
                             "conv2d: input has 3 channels but weight expects 4 (weight (8, 2, 3, "
                             "3), groups 2); input is (1, 3, 5, 5)",
                             ShapeError);
        CHECK_THROWS_WITH_AS(conv2d(zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3}), Tensor(), 1, 0, 1, 2),
                             doctest::Contains("groups 2 does not divide the weight's 3 output"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(conv2d(zeros({3, 5, 5}), zeros({8, 3, 3, 3})),
                             doctest::Contains("input must be 4-D (N, C, H, W) but is (3, 5, 5)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(conv2d(x, zeros({8, 3, 3})), doctest::Contains("weight must be 4-D"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(conv2d(x, zeros({2, 3, 4, 4}), Tensor(), 1, 0, 2),
                             doctest::Contains("(7, 7) with dilation) is larger than the padded "
                                               "input (5, 5); input is (1, 3, 5, 5)"),
                             ShapeError);
        CHECK_NOTHROW(conv2d(x, zeros({2, 3, 7, 7}), Tensor(), 1, 1));
        CHECK_THROWS_WITH_AS(conv2d(x, zeros({2, 3, 3, 3}), Tensor(), {1, 0}),
                             "conv2d: stride must be positive; got (1, 0)", std::invalid_argument);
        CHECK_THROWS_WITH_AS(conv2d(x, zeros({2, 3, 3, 3}), Tensor(), 1, -1),
                             doctest::Contains("padding must be non-negative"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(conv2d(x, zeros({2, 3, 3, 3}), Tensor(), 1, 0, 1, 0),
                             doctest::Contains("groups must be positive; got 0"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(conv2d(x, zeros({2, 3, 3, 3}), zeros({3})),
                             "conv2d: bias must have shape (2) but is (3); weight is (2, 3, 3, 3)",
                             ShapeError);
        CHECK_THROWS_AS(conv2d(x, zeros({2, 3, 3, 3}, kFloat64)), DtypeError);
        CHECK_THROWS_WITH_AS(conv1d(zeros({1, 2, 4}), zeros({1, 3, 2})),
                             "conv1d: input has 2 channels but weight expects 3 (weight (1, 3, 2), "
                             "groups 1); input is (1, 2, 4)",
                             ShapeError);
        CHECK_THROWS_WITH_AS(conv1d(zeros({1, 2, 4}), zeros({1, 2, 6})),
                             doctest::Contains("spanning 6 with dilation) is larger than the "
                                               "padded input 4"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(conv1d(zeros({1, 2, 4}), zeros({1, 2, 2}), Tensor(), 0),
                             "conv1d: stride must be positive; got 0", std::invalid_argument);
        CHECK_THROWS_WITH_AS(conv_transpose2d(x, zeros({2, 3, 3, 3})),
                             doctest::Contains("input has 3 channels but weight expects 2"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(conv_transpose2d(x, zeros({3, 3, 3, 3}), Tensor(), 1, 0, 1),
                             doctest::Contains("output_padding (1, 1)"), std::invalid_argument);
    }
}
