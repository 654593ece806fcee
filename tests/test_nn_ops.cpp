#include <doctest/doctest.h>

#include <cmath>
#include <limits>
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

TEST_SUITE("embedding") {
    TEST_CASE("embedding: rows are gathered and gradients accumulate per row") {
        Tensor w = tensor({0, 1, 10, 11, 20, 21}, {3, 2}, kFloat64).requires_grad_();
        Tensor idx = tensor({2, 0, 2, 1}, {2, 2}, kInt64);
        Tensor y = embedding(idx, w);
        CHECK(std::ranges::equal(y.shape(), Shape{2, 2, 2}));
        CHECK(y.to_vector() == std::vector<double>{20, 21, 0, 1, 20, 21, 10, 11});
        sum(y).backward();
        CHECK(w.grad().to_vector() == std::vector<double>{1, 1, 1, 1, 2, 2});
    }

    TEST_CASE("embedding: the padding row is returned but receives no gradient") {
        Tensor w = tensor({0, 1, 10, 11, 20, 21}, {3, 2}, kFloat64).requires_grad_();
        Tensor idx = tensor({2, 0, 2, 1}, {4}, kInt64);
        Tensor y = embedding(idx, w, -1);  // padding_idx -1 is row 2
        CHECK(y.to_vector()[0] == 20);
        sum(mul(y, 3.0)).backward();
        CHECK(w.grad().to_vector() == std::vector<double>{3, 3, 3, 3, 0, 0});
    }

    TEST_CASE("embedding: second order through the scatter-add") {
        Generator g(2);
        Tensor idx = tensor({1, 1, 0}, {3}, kInt64);
        CHECK(gradgradcheck([&](const TensorList& t) { return embedding(idx, t[0], 0); },
                            {randn({2, 3}, kFloat64, &g).requires_grad_()}));
    }

    TEST_CASE("embedding: errors name the index and num_embeddings") {
        Tensor w = zeros({5, 2});
        CHECK_THROWS_WITH_AS(embedding(tensor({1, 7}, {2}, kInt64), w),
                             doctest::Contains("index 7 is out of range for num_embeddings 5"),
                             std::out_of_range);
        CHECK_THROWS_WITH_AS(embedding(tensor({-1}, {1}, kInt64), w), doctest::Contains("-1"),
                             std::out_of_range);
        CHECK_THROWS_WITH_AS(embedding(tensor({1}, {1}, kInt64), w, 5),
                             doctest::Contains("padding_idx 5"), std::out_of_range);
        CHECK_THROWS_AS(embedding(tensor({1}, {1}), w), DtypeError);
        CHECK_THROWS_WITH_AS(embedding(tensor({1}, {1}, kInt64), zeros({5})),
                             doctest::Contains("(5)"), ShapeError);
    }
}

TEST_SUITE("scaled_dot_product_attention") {
    TEST_CASE("attention: equal scores average the values; causal sees only the past") {
        Tensor q = zeros({1, 2, 2}, kFloat64);
        Tensor k = tensor({1, 2, 3, 4, 5, 6}, {1, 3, 2}, kFloat64);
        Tensor v = tensor({1, 10, 2, 20, 6, 60}, {1, 3, 2}, kFloat64);
        check_close(scaled_dot_product_attention(q, k, v).to_vector(), {3, 30, 3, 30});
        Tensor causal = scaled_dot_product_attention(q, k, v, Tensor(), 0.0, true);
        check_close(causal.to_vector(), {1, 10, 1.5, 15});
    }

    TEST_CASE("attention: scores are q k^T / sqrt(E) unless scale is given") {
        Tensor q = tensor({1, 0}, {1, 2}, kFloat64);
        Tensor k = tensor({2, 0, 0, 0}, {2, 2}, kFloat64);
        Tensor v = tensor({1, 0}, {2, 1}, kFloat64);
        const double w = std::exp(2 / std::sqrt(2.0));
        check_close(scaled_dot_product_attention(q, k, v).to_vector(), {w / (w + 1)});
        const double w3 = std::exp(6.0);
        check_close(scaled_dot_product_attention(q, k, v, Tensor(), 0.0, false, 3.0).to_vector(),
                    {w3 / (w3 + 1)});
    }

    TEST_CASE("attention: an int64 mask equals the -inf additive mask") {
        Generator g(8);
        Tensor q = randn({2, 3, 4}, kFloat64, &g);
        Tensor k = randn({2, 5, 4}, kFloat64, &g);
        Tensor v = randn({2, 5, 2}, kFloat64, &g);
        const double inf = std::numeric_limits<double>::infinity();
        Tensor keep = tensor({1, 0, 1, 1, 0}, {5}, kInt64);
        Tensor additive = tensor({0, -inf, 0, 0, -inf}, {5}, kFloat64);
        check_close(scaled_dot_product_attention(q, k, v, keep).to_vector(),
                    scaled_dot_product_attention(q, k, v, additive).to_vector());
        // Dropping keys 1 and 4 is the same as not having them.
        std::vector<double> kv = k.to_vector(), vv = v.to_vector(), ks, vs;
        for (std::size_t b = 0; b < 2; ++b) {
            for (std::size_t j : {0, 2, 3}) {
                ks.insert(ks.end(), kv.begin() + (b * 5 + j) * 4, kv.begin() + (b * 5 + j + 1) * 4);
                vs.insert(vs.end(), vv.begin() + (b * 5 + j) * 2, vv.begin() + (b * 5 + j + 1) * 2);
            }
        }
        check_close(scaled_dot_product_attention(q, k, v, keep).to_vector(),
                    scaled_dot_product_attention(q, tensor(ks, {2, 3, 4}, kFloat64),
                                                 tensor(vs, {2, 3, 2}, kFloat64))
                        .to_vector());
    }

    TEST_CASE("attention: dropout on the weights is seeded") {
        Generator g1(4), g2(4);
        Tensor q = ones({3, 2});
        Tensor k = ones({4, 2});
        Tensor v = randn({4, 3});
        CHECK(scaled_dot_product_attention(q, k, v, Tensor(), 0.5, false, {}, &g1).to_vector() ==
              scaled_dot_product_attention(q, k, v, Tensor(), 0.5, false, {}, &g2).to_vector());
    }

    TEST_CASE("attention: errors name the shapes") {
        CHECK_THROWS_WITH_AS(
            scaled_dot_product_attention(zeros({2, 3, 4}), zeros({2, 5, 3}), zeros({2, 5, 2})),
            doctest::Contains("query is (2, 3, 4), key is (2, 5, 3)"), ShapeError);
        CHECK_THROWS_WITH_AS(
            scaled_dot_product_attention(zeros({3, 4}), zeros({5, 4}), zeros({6, 2})),
            doctest::Contains("value is (6, 2)"), ShapeError);
        CHECK_THROWS_WITH_AS(scaled_dot_product_attention(zeros({3, 4}), zeros({5, 4}),
                                                          zeros({5, 2}), zeros({3, 4})),
                             doctest::Contains("attn_mask (3, 4)"), ShapeError);
        CHECK_THROWS_WITH_AS(scaled_dot_product_attention(zeros({3, 4}), zeros({5, 4}),
                                                          zeros({5, 2}), zeros({3, 5}), 0.0, true),
                             doctest::Contains("is_causal"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(scaled_dot_product_attention(zeros({3, 4}), zeros({5, 4}),
                                                          zeros({5, 2}), Tensor(), 2.0),
                             doctest::Contains("2"), std::invalid_argument);
    }
}
