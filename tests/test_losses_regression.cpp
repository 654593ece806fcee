// Regression losses against PyTorch 1.13 (tests/golden/losses.py), and their errors.
#include <cmath>

#include "golden/losses_check.hpp"

using namespace wengert;
using namespace golden;

TEST_SUITE("losses: regression") {
    TEST_CASE("mse and l1 match PyTorch for every reduction, float32 and float64") {
        for (Dtype dtype : {kFloat64, kFloat32}) {
            const double eps = dtype == kFloat64 ? 1e-12 : 1e-5;
            Tensor x = as_tensor(kPred, dtype);
            Tensor t = as_tensor(kTarget, dtype);
            check_values(mse_loss(x, t, Reduction::none), kMse_none, eps);
            check_values(mse_loss(x, t), kMse_mean, eps);
            check_values(mse_loss(x, t, "sum"), kMse_sum, eps);
            check_values(l1_loss(x, t, "none"), kL1_none, eps);
            check_values(l1_loss(x, t, Reduction::mean), kL1_mean, eps);
            check_values(l1_loss(x, t, Reduction::sum), kL1_sum, eps);
            CHECK(mse_loss(x, t).dtype() == dtype);
        }
    }

    TEST_CASE("smooth_l1 and huber at beta = delta = 0.5 and 2") {
        Tensor x = as_tensor(kPred);
        Tensor t = as_tensor(kTarget);
        check_values(smooth_l1_loss(x, t, Reduction::none, 0.5), kSmoothL1_b05_none);
        check_values(smooth_l1_loss(x, t, "none", 2.0), kSmoothL1_b2_none);
        check_values(huber_loss(x, t, Reduction::none, 0.5), kHuber_d05_none);
        check_values(huber_loss(x, t, "none", 2.0), kHuber_d2_none);
        // huber(delta) = delta * smooth_l1(beta = delta): below 1 huber is the smaller, above
        // 1 the larger.
        for (double b : {0.5, 2.0}) {
            std::vector<double> h = huber_loss(x, t, Reduction::none, b).to_vector();
            std::vector<double> s = smooth_l1_loss(x, t, Reduction::none, b).to_vector();
            for (std::size_t i = 0; i < h.size(); ++i) {
                CHECK(h[i] == doctest::Approx(b * s[i]).epsilon(1e-12));
            }
        }
        // beta = 0 is l1.
        CHECK(smooth_l1_loss(x, t, Reduction::sum, 0.0).item() ==
              doctest::Approx(l1_loss(x, t, Reduction::sum).item()));
    }

    TEST_CASE("log_cosh matches log(cosh(d)) and stays finite where cosh overflows") {
        Tensor x = as_tensor(kPred);
        Tensor t = as_tensor(kTarget);
        check_values(log_cosh_loss(x, t, Reduction::none), kLogCosh_none, 1e-12);
        for (Dtype dtype : {kFloat32, kFloat64}) {
            Tensor big = tensor({1000, -1000, 0, 1e-4}, {4}, dtype);
            std::vector<double> v = log_cosh(big).to_vector();
            CHECK(v[0] == doctest::Approx(1000 - std::log(2.0)));
            CHECK(v[1] == doctest::Approx(1000 - std::log(2.0)));
            CHECK(v[2] == 0.0);
            CHECK(v[3] == doctest::Approx(0.5e-8).epsilon(1e-3));
        }
        // Its gradient is tanh(d).
        Tensor d = tensor({-3, 0.5, 40}, {3}, kFloat64).requires_grad_();
        sum(log_cosh(d)).backward();
        std::vector<double> g = d.grad().to_vector();
        CHECK(g[0] == doctest::Approx(std::tanh(-3.0)));
        CHECK(g[2] == doctest::Approx(1.0));
    }

    TEST_CASE("gradgradcheck of mse in both arguments") {
        Tensor x = as_tensor(kPred).requires_grad_();
        Tensor t = as_tensor(kTarget).requires_grad_();
        for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
            auto f = [r](const TensorList& in) { return mse_loss(in[0], in[1], r); };
            CHECK(gradcheck(f, {x, t}));
            CHECK(gradgradcheck(f, {x, t}));
        }
    }

    TEST_CASE("bad arguments are rejected with the shapes or values named") {
        Tensor x = zeros({2, 3});
        CHECK_THROWS_WITH_AS(mse_loss(x, zeros({3, 2})), doctest::Contains("(2, 3)"), ShapeError);
        CHECK_THROWS_WITH_AS(l1_loss(x, zeros({3})), doctest::Contains("(3)"), ShapeError);
        CHECK_THROWS_WITH_AS(mse_loss(x, x, "avg"), doctest::Contains("\"avg\""),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(mse_loss(x, x, Reduction::batchmean), doctest::Contains("batchmean"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(smooth_l1_loss(x, x, Reduction::mean, -1.0), doctest::Contains("-1"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(huber_loss(x, x, Reduction::mean, 0.0), doctest::Contains("delta"),
                             std::invalid_argument);
        CHECK_THROWS_AS(mse_loss(x, zeros({2, 3}, kFloat64)), DtypeError);
        CHECK(reduction_from_string("batchmean") == Reduction::batchmean);
        CHECK_THROWS_WITH_AS(reduction_from_string("Mean"), doctest::Contains("\"Mean\""),
                             std::invalid_argument);
    }
}
