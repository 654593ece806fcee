#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <wengert/wengert.hpp>

using namespace wengert;
namespace init = wengert::nn::init;

namespace {

struct Stats {
    double min, max, mean, std;
};

Stats stats_of(const Tensor& t) {
    const std::vector<double> v = t.to_vector();
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double squares = 0.0;
    for (double x : v) {
        squares += (x - mean) * (x - mean);
    }
    return {*std::ranges::min_element(v), *std::ranges::max_element(v), mean,
            std::sqrt(squares / static_cast<double>(v.size()))};
}

}  // namespace

TEST_SUITE("init") {
    TEST_CASE("calculate_gain follows torch.nn.init") {
        CHECK(init::calculate_gain(init::Nonlinearity::linear) == 1.0);
        CHECK(init::calculate_gain(init::Nonlinearity::conv2d) == 1.0);
        CHECK(init::calculate_gain(init::Nonlinearity::sigmoid) == 1.0);
        CHECK(init::calculate_gain(init::Nonlinearity::tanh) == doctest::Approx(5.0 / 3.0));
        CHECK(init::calculate_gain(init::Nonlinearity::relu) == doctest::Approx(std::sqrt(2.0)));
        CHECK(init::calculate_gain(init::Nonlinearity::leaky_relu) ==
              doctest::Approx(std::sqrt(2.0 / (1.0 + 0.0001))));
        CHECK(init::calculate_gain(init::Nonlinearity::leaky_relu, std::sqrt(5.0)) ==
              doctest::Approx(std::sqrt(1.0 / 3.0)));
        CHECK(init::calculate_gain(init::Nonlinearity::selu) == 0.75);
    }

    TEST_CASE("fans count the receptive field of conv weights") {
        const init::Fans linear = init::calculate_fan_in_and_fan_out(zeros({10, 20}));
        CHECK(linear.fan_in == 20);
        CHECK(linear.fan_out == 10);
        const init::Fans conv = init::calculate_fan_in_and_fan_out(zeros({8, 3, 5, 5}));
        CHECK(conv.fan_in == 75);
        CHECK(conv.fan_out == 200);
        CHECK_THROWS_WITH_AS(init::calculate_fan_in_and_fan_out(zeros({5})),
                             doctest::Contains("(5)"), ShapeError);
    }

    TEST_CASE("xavier_uniform_ stays within gain * sqrt(6 / (fan_in + fan_out))") {
        Generator g(1);
        Tensor w = zeros({100, 200});
        const double bound = 2.0 * std::sqrt(6.0 / 300.0);
        Tensor same = init::xavier_uniform_(w, 2.0, &g);
        CHECK(same.is_same(w));
        const Stats s = stats_of(w);
        CHECK(s.min >= -bound);
        CHECK(s.max <= bound);
        CHECK(s.max > 0.99 * bound);
        CHECK(s.min < -0.99 * bound);
        CHECK(std::abs(s.mean) < 0.01);
        CHECK(s.std == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02));
    }

    TEST_CASE("xavier_normal_ and kaiming_normal_ have the documented std") {
        Generator g(2);
        Tensor w = zeros({200, 100}, kFloat64);
        init::xavier_normal_(w, 1.0, &g);
        CHECK(stats_of(w).std == doctest::Approx(std::sqrt(2.0 / 300.0)).epsilon(0.02));
        init::kaiming_normal_(w, 0.0, init::FanMode::fan_out, init::Nonlinearity::relu, &g);
        CHECK(stats_of(w).std == doctest::Approx(std::sqrt(2.0 / 200.0)).epsilon(0.02));
        CHECK(std::abs(stats_of(w).mean) < 0.005);
    }

    TEST_CASE("kaiming_uniform_ with a = sqrt(5) is PyTorch's Linear default, 1 / sqrt(fan_in)") {
        Generator g(3);
        Tensor w = zeros({64, 50});
        init::kaiming_uniform_(w, std::sqrt(5.0), init::FanMode::fan_in,
                               init::Nonlinearity::leaky_relu, &g);
        const double bound = 1.0 / std::sqrt(50.0);
        const Stats s = stats_of(w);
        CHECK(s.min >= -bound - 1e-7);
        CHECK(s.max <= bound + 1e-7);
        CHECK(s.max > 0.98 * bound);
        // A conv weight (O, I, kH, kW) uses fan_in = I * kH * kW; relu's gain is sqrt(2).
        Tensor c = zeros({16, 4, 3, 3}, kFloat64);
        init::kaiming_uniform_(c, 0.0, init::FanMode::fan_in, init::Nonlinearity::relu, &g);
        const double conv_bound = std::sqrt(2.0) * std::sqrt(3.0 / 36.0);
        CHECK(stats_of(c).max <= conv_bound);
        CHECK(stats_of(c).max > 0.95 * conv_bound);
    }

    TEST_CASE("uniform_ and normal_ are seeded and row-major") {
        Generator g1(9), g2(9);
        Tensor a = zeros({3, 2}, kFloat64);
        init::uniform_(a, -1.0, 3.0, &g1);
        std::vector<double> expected;
        for (int i = 0; i < 6; ++i) {
            expected.push_back(-1.0 + 4.0 * g2.uniform());
        }
        CHECK(a.to_vector() == expected);
        Generator g3(4), g4(4);
        Tensor n = zeros({5}, kFloat64);
        init::normal_(n, 2.0, 0.5, &g3);
        CHECK(n.to_vector()[0] == doctest::Approx(2.0 + 0.5 * g4.normal()));
    }

    TEST_CASE("constant_, zeros_ and ones_ fill in place, leaving requires_grad alone") {
        Tensor p = randn({2, 2}).requires_grad_();
        init::constant_(p, 0.25);
        CHECK(p.to_vector() == std::vector<double>(4, 0.25));
        CHECK(p.requires_grad());
        CHECK(p.grad_fn() == nullptr);
        CHECK(init::zeros_(p).to_vector() == std::vector<double>(4, 0.0));
        CHECK(init::ones_(p).to_vector() == std::vector<double>(4, 1.0));
    }

    TEST_CASE("initialisers reject bad arguments by name") {
        CHECK_THROWS_WITH_AS(init::uniform_(zeros({2}), 3.0, 1.0), doctest::Contains("a 3"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(init::normal_(zeros({2}), 0.0, -1.0), doctest::Contains("-1"),
                             std::invalid_argument);
        CHECK_THROWS_AS(init::ones_(zeros({2}, kInt64)), DtypeError);
        CHECK_THROWS_WITH_AS(init::xavier_uniform_(zeros({7})), doctest::Contains("(7)"),
                             ShapeError);
    }
}
