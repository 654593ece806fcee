#include <doctest/doctest.h>

#include <cmath>
#include <wengert/wengert.hpp>

#include "golden/batch_norm_running_stats.inc"

using namespace wengert;

namespace {

void check_close(const std::vector<double>& actual, const std::vector<double>& expected,
                 double tolerance = 1e-9) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        INFO("element ", i);
        CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(tolerance));
    }
}

// Gradients of y (seeded with g) with respect to `inputs`, once through the fused backward
// (grad mode off during backward) and once through the differentiable formula that
// create_graph uses; the two must agree.
void check_fused_backward(const Tensor& y, const TensorList& inputs, const Tensor& g,
                          double tolerance) {
    const TensorList fused = grad({y}, inputs, {g}, /*retain_graph=*/true);
    const TensorList composed = grad({y}, inputs, {g}, true, /*create_graph=*/true);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        INFO("input ", i);
        check_close(fused[i].to_vector(), composed[i].to_vector(), tolerance);
    }
}

Dtype dtype_for(bool is_float) {
    return is_float ? kFloat32 : kFloat64;
}

// Restores the thread count a test changes.
struct ThreadCountGuard {
    int saved = get_num_threads();
    ~ThreadCountGuard() { set_num_threads(saved); }
};

}  // namespace

TEST_SUITE("batch_norm") {
    TEST_CASE("batch_norm: running statistics after two training steps match PyTorch") {
        const Shape shape{3, 2, 2, 2};
        Tensor rm = zeros({2}, kFloat64);
        Tensor rv = ones({2}, kFloat64);
        Tensor w = tensor(kBnWeight, {2}, kFloat64);
        Tensor b = tensor(kBnBias, {2}, kFloat64);
        batch_norm(tensor(kBnX1, shape, kFloat64), rm, rv, w, b, true, 0.1, 1e-5);
        Tensor y2 = batch_norm(tensor(kBnX2, shape, kFloat64), rm, rv, w, b, true, 0.1, 1e-5);
        check_close(rm.to_vector(), kBnRunningMean);
        check_close(rv.to_vector(), kBnRunningVar);
        check_close(y2.to_vector(), kBnY2);
        check_close(batch_norm(tensor(kBnX1, shape, kFloat64), rm, rv, w, b, false).to_vector(),
                    kBnYEval);
    }

    TEST_CASE("batch_norm: float32 running statistics update in place") {
        Tensor rm = zeros({2});
        Tensor rv = ones({2});
        Tensor x = tensor({1, 10, 3, 20}, {2, 2});
        Tensor y = batch_norm(x, rm, rv, Tensor(), Tensor(), true, 0.5);
        CHECK(y.dtype() == kFloat32);
        check_close(rm.to_vector(), {1.0, 7.5}, 1e-6);
        // Unbiased variances of {1, 3} and {10, 20}: 2 and 50.
        check_close(rv.to_vector(), {1.5, 25.5}, 1e-6);
        check_close(y.to_vector(), {-1, -1, 1, 1}, 1e-4);
    }

    TEST_CASE("batch_norm: the running statistics take no part in the graph") {
        Tensor rm = zeros({2}, kFloat64);
        Tensor rv = ones({2}, kFloat64);
        Tensor x = randn({4, 2}, kFloat64).requires_grad_();
        Tensor y = batch_norm(x, rm, rv, Tensor(), Tensor(), true);
        CHECK_FALSE(rm.requires_grad());
        sum(mul(y, y)).backward();
        CHECK(x.grad().defined());
    }

    TEST_CASE_TEMPLATE("batch_norm: the fused backward matches the differentiable formula", T,
                       float, double) {
        const Dtype dt = dtype_for(std::is_same_v<T, float>);
        const double tolerance = std::is_same_v<T, float> ? 1e-3 : 1e-9;
        Generator gen(3);
        // Long runs (a channel at a time) and short ones (row by row, Note [Short runs] in
        // ops/norm.cpp), each large enough to split across threads, with tails.
        Shape shape;
        SUBCASE("(8, 4, 17, 130): runs of 2210 span several summation blocks") {
            shape = {8, 4, 17, 130};
        }
        SUBCASE("(40, 2000): one value per channel and row") {
            shape = {40, 2000};
        }
        SUBCASE("(30, 300, 7): runs of 7") {
            shape = {30, 300, 7};
        }
        const std::size_t c = shape[1];
        Tensor x = add(mul(randn(shape, dt, &gen), 3.0), 5.0).requires_grad_();
        Tensor w = randn({c}, dt, &gen).requires_grad_();
        Tensor b = randn({c}, dt, &gen).requires_grad_();
        Tensor g = randn(shape, dt, &gen);
        check_fused_backward(batch_norm(x, Tensor(), Tensor(), w, b, true), {x, w, b}, g,
                             tolerance);
        check_fused_backward(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true), {x}, g,
                             tolerance);

        Tensor rm = randn({c}, dt, &gen).requires_grad_();
        Tensor rv = add(abs(randn({c}, dt, &gen)), 0.5).requires_grad_();
        check_fused_backward(batch_norm(x, rm, rv, w, b, false), {x, rm, rv, w, b}, g, tolerance);
    }

    TEST_CASE("batch_norm: float32 statistics stay accurate for inputs with a large mean") {
        Generator gen(4);
        Tensor x = add(randn({16, 2, 9, 9}, kFloat32, &gen), 1000.0);
        Tensor rm = zeros({2});
        Tensor rv = ones({2});
        Tensor rm64 = zeros({2}, kFloat64);
        Tensor rv64 = ones({2}, kFloat64);
        const Tensor y = batch_norm(x, rm, rv, Tensor(), Tensor(), true);
        const Tensor y64 = batch_norm(x.to(kFloat64), rm64, rv64, Tensor(), Tensor(), true);
        check_close(y.to_vector(), y64.to_vector(), 1e-3);
        check_close(rm.to_vector(), rm64.to_vector(), 1e-6);
        check_close(rv.to_vector(), rv64.to_vector(), 1e-4);
    }

    TEST_CASE("batch_norm: errors name the shapes") {
        CHECK_THROWS_WITH_AS(batch_norm(zeros({3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                             doctest::Contains("(3)"), ShapeError);
        CHECK_THROWS_WITH_AS(batch_norm(zeros({2, 3}), zeros({2}), ones({2})),
                             doctest::Contains("running_mean is (2), input is (2, 3)"), ShapeError);
        CHECK_THROWS_WITH_AS(
            batch_norm(zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
            doctest::Contains("more than 1 value per channel"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(batch_norm(zeros({2, 3}), Tensor(), Tensor()),
                             doctest::Contains("evaluation"), std::invalid_argument);
        CHECK_THROWS_AS(batch_norm(zeros({2, 3}), zeros({3}, kFloat64), ones({3}, kFloat64)),
                        DtypeError);
    }
}

TEST_SUITE("layer_norm") {
    TEST_CASE("layer_norm: hand-computed values and gradgradcheck") {
        Tensor x = tensor({1, 2, 3, 2, 4, 6}, {2, 3}, kFloat64);
        const double s1 = 1.0 / std::sqrt(2.0 / 3.0 + 1e-5);
        const double s2 = 1.0 / std::sqrt(8.0 / 3.0 + 1e-5);
        check_close(layer_norm(x, {3}).to_vector(), {-s1, 0, s1, -2 * s2, 0, 2 * s2});
        Tensor w = tensor({1, 2, 3}, {3}, kFloat64);
        Tensor b = tensor({0, 1, 0}, {3}, kFloat64);
        check_close(layer_norm(x, {3}, w, b).to_vector(), {-s1, 1, 3 * s1, -2 * s2, 1, 6 * s2});
        Generator g(5);
        CHECK(gradgradcheck(
            [](const TensorList& t) {
                return layer_norm(t[0], {2, 3}, t[1], t[2]);
            },
            {randn({2, 2, 3}, kFloat64, &g).requires_grad_(),
             randn({2, 3}, kFloat64, &g).requires_grad_(),
             randn({2, 3}, kFloat64, &g).requires_grad_()}));
    }

    TEST_CASE_TEMPLATE("layer_norm: the fused backward matches the differentiable formula", T,
                       float, double) {
        const Dtype dt = dtype_for(std::is_same_v<T, float>);
        const double tolerance = std::is_same_v<T, float> ? 1e-3 : 1e-9;
        Generator gen(6);
        SUBCASE("2000 rows of 37: rows and weight-gradient blocks split across threads") {
            Tensor x = add(randn({2000, 37}, dt, &gen), 2.0).requires_grad_();
            Tensor w = randn({37}, dt, &gen).requires_grad_();
            Tensor b = randn({37}, dt, &gen).requires_grad_();
            Tensor g = randn({2000, 37}, dt, &gen);
            check_fused_backward(layer_norm(x, {37}, w, b), {x, w, b}, g, tolerance);
        }
        SUBCASE("rows of 2100 values over two axes span several summation blocks") {
            Tensor x = randn({4, 3, 700}, dt, &gen).requires_grad_();
            Tensor w = randn({3, 700}, dt, &gen).requires_grad_();
            Tensor g = randn({4, 3, 700}, dt, &gen);
            check_fused_backward(layer_norm(x, {3, 700}, w), {x, w}, g, tolerance);
        }
    }

    TEST_CASE("layer_norm: results do not depend on the thread count") {
        ThreadCountGuard guard;
        Generator gen(8);
        Tensor x = randn({3000, 24}, kFloat32, &gen).requires_grad_();
        Tensor w = randn({24}, kFloat32, &gen).requires_grad_();
        Tensor g = randn({3000, 24}, kFloat32, &gen);
        std::vector<std::vector<double>> runs;
        for (int threads : {1, 2}) {
            set_num_threads(threads);
            const TensorList grads = grad({layer_norm(x, {24}, w)}, {x, w}, {g});
            runs.push_back(grads[1].to_vector());
        }
        CHECK(runs[0] == runs[1]);
    }

    TEST_CASE("layer_norm: errors name the shapes") {
        CHECK_THROWS_WITH_AS(layer_norm(zeros({2, 3}), {2}),
                             doctest::Contains("normalized_shape (2)"), ShapeError);
        CHECK_THROWS_WITH_AS(layer_norm(zeros({2, 3}), {2}), doctest::Contains("(2, 3)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(layer_norm(zeros({2, 3}), {3}, zeros({4})),
                             doctest::Contains("it is (4)"), ShapeError);
    }
}

TEST_SUITE("group_norm") {
    TEST_CASE("group_norm: each group is normalised over its channels and positions") {
        // Two groups of two channels; group 0 holds {0, 2, 4, 6}, group 1 {1, 3, 5, 7} * 10.
        Tensor x = tensor({0, 2, 4, 6, 10, 30, 50, 70}, {1, 4, 2}, kFloat64);
        Tensor y = group_norm(x, 2);
        const double s0 = 1.0 / std::sqrt(5.0 + 1e-5);
        const double s1 = 1.0 / std::sqrt(500.0 + 1e-5);
        check_close(y.to_vector(),
                    {-3 * s0, -s0, s0, 3 * s0, -30 * s1, -10 * s1, 10 * s1, 30 * s1});
        Tensor w = tensor({1, 2, 3, 4}, {4}, kFloat64);
        check_close(group_norm(x, 2, w).to_vector(),
                    {-3 * s0, -s0, 2 * s0, 6 * s0, -90 * s1, -30 * s1, 40 * s1, 120 * s1});
    }

    TEST_CASE("group_norm: num_groups must divide the channels") {
        CHECK_THROWS_WITH_AS(group_norm(zeros({2, 6, 2}), 4), doctest::Contains("num_groups 4"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(group_norm(zeros({2, 6, 2}), 4), doctest::Contains("6 channels"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(group_norm(zeros({2, 4}), 2, zeros({3})),
                             doctest::Contains("weight is (3)"), ShapeError);
    }
}
