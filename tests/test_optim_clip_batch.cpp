// Gradient clipping (values hand-computed) and the batch-size schedules.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <wengert/wengert.hpp>

using namespace wengert;
using namespace wengert::optim;

namespace {

struct Grads {
    Tensor a = zeros({2}, kFloat64).requires_grad_();
    Tensor b = zeros({2, 1}, kFloat64).requires_grad_();
    Tensor none = zeros({3}, kFloat64).requires_grad_();  // never gets a gradient
    Grads(std::vector<double> ga, std::vector<double> gb) {
        a.set_grad(tensor(std::move(ga), {2}, kFloat64));
        b.set_grad(tensor(std::move(gb), {2, 1}, kFloat64));
    }
    TensorList list() const { return {a, b, none}; }
};

}  // namespace

TEST_SUITE("optim clipping and batch sizes") {
    TEST_CASE("clip_grad_norm_: returns the norm before clipping and scales by max/(norm+1e-6)") {
        Grads g({3, 0}, {0, 4});  // joint 2-norm 5
        const double norm = clip_grad_norm_(g.list(), 1.0);
        CHECK(norm == doctest::Approx(5.0).epsilon(1e-15));
        const double coef = 1.0 / (5.0 + 1e-6);
        CHECK(g.a.grad().to_vector()[0] == doctest::Approx(3 * coef).epsilon(1e-15));
        CHECK(g.b.grad().to_vector()[1] == doctest::Approx(4 * coef).epsilon(1e-15));
        CHECK_FALSE(g.none.grad().defined());
    }

    TEST_CASE("clip_grad_norm_: below max_norm the gradients stay (coefficient clamped to 1)") {
        Grads g({0.3, 0}, {0, 0.4});
        CHECK(clip_grad_norm_(g.list(), 1.0) == doctest::Approx(0.5));
        CHECK(g.a.grad().to_vector()[0] == 0.3);
    }

    TEST_CASE("clip_grad_norm_: 1-norm, 3-norm and the infinity norm") {
        Grads g1({3, -1}, {0, 4});
        CHECK(clip_grad_norm_(g1.list(), 100.0, 1.0) == doctest::Approx(8.0));
        Grads g3({3, -1}, {0, 4});
        CHECK(clip_grad_norm_(g3.list(), 100.0, 3.0) ==
              doctest::Approx(std::cbrt(27.0 + 1.0 + 64.0)));
        Grads ginf({3, -1}, {0, -4});
        CHECK(clip_grad_norm_(ginf.list(), 2.0, kInfNorm) == 4.0);
        CHECK(ginf.b.grad().to_vector()[1] == doctest::Approx(-4 * 2.0 / (4.0 + 1e-6)));
    }

    TEST_CASE("clip_grad_norm_: float32 gradients, and no gradients at all") {
        Tensor w = zeros({2}, kFloat32).requires_grad_();
        w.set_grad(tensor({6, 8}, {2}, kFloat32));
        CHECK(clip_grad_norm_({w}, 5.0) == doctest::Approx(10.0));
        CHECK(w.grad().to_vector()[1] == doctest::Approx(4.0).epsilon(1e-6));
        Tensor bare = zeros({2}, kFloat64).requires_grad_();
        CHECK(clip_grad_norm_({bare}, 1.0) == 0.0);
    }

    TEST_CASE("clip_grad_norm_: non-finite norms throw only with error_if_nonfinite") {
        const double inf = std::numeric_limits<double>::infinity();
        Grads g({inf, 1}, {0, 0});
        CHECK_THROWS_WITH_AS(clip_grad_norm_(g.list(), 1.0, 2.0, true),
                             doctest::Contains("non-finite (inf)"), std::runtime_error);
        CHECK(g.a.grad().to_vector()[1] == 1.0);
        Grads n({std::nan(""), 1}, {0, 0});
        CHECK_THROWS_AS(clip_grad_norm_(n.list(), 1.0, kInfNorm, true), std::runtime_error);
        CHECK(std::isinf(clip_grad_norm_(g.list(), 1.0)));
        CHECK_THROWS_WITH_AS(clip_grad_norm_(g.list(), -1.0), doctest::Contains("max_norm"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(clip_grad_norm_(g.list(), 1.0, 0.0),
                             doctest::Contains("norm_type must be > 0; it is 0"),
                             std::invalid_argument);
    }

    TEST_CASE("clip_grad_value_: clamps every element") {
        Grads g({3, -0.2}, {-5, 0.5});
        clip_grad_value_(g.list(), 1.0);
        CHECK(g.a.grad().to_vector() == std::vector<double>{1.0, -0.2});
        CHECK(g.b.grad().to_vector() == std::vector<double>{-1.0, 0.5});
        CHECK_THROWS_WITH_AS(clip_grad_value_(g.list(), -1.0),
                             doctest::Contains("clip_value must be >= 0; it is -1"),
                             std::invalid_argument);
    }

    TEST_CASE("FixedBatchSize and StepBatchSize") {
        const FixedBatchSize fixed(64);
        CHECK(fixed.batch_size(0) == 64);
        CHECK(fixed.batch_size(100) == 64);
        const StepBatchSize step(32, 10, 2.0, 200);
        const std::vector<std::size_t> expected = {32, 64, 128, 200, 200, 200, 200};
        for (std::int64_t e = 0; e < 70; ++e) {
            CAPTURE(e);
            CHECK(step.batch_size(e) == expected[static_cast<std::size_t>(e / 10)]);
        }
        CHECK_THROWS_WITH_AS(step.batch_size(-1), doctest::Contains("epoch is -1"),
                             std::out_of_range);
        CHECK_THROWS_WITH_AS(StepBatchSize(32, 10, 0.5, 100), doctest::Contains("factor is 0.5"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(StepBatchSize(32, 10, 2.0, 16),
                             doctest::Contains("max_batch_size is 16"), std::invalid_argument);
        CHECK_THROWS_AS(FixedBatchSize(0), std::invalid_argument);
    }

    TEST_CASE("BatchSizeInsteadOfLRDecay: batch grows where StepLR would decay, then lr decays") {
        // Smith et al. (2018): batch 128 -> 640 -> 3200 instead of lr / 5, / 25; cap 5000.
        const BatchSizeInsteadOfLRDecay s(128, 20, 0.2, 5000);
        CHECK(s.increases() == 2);
        for (std::int64_t e = 0; e < 100; ++e) {
            const std::int64_t k = e / 20;
            CAPTURE(e);
            CHECK(s.batch_size(e) == (k == 0 ? 128u : (k == 1 ? 640u : 3200u)));
            CHECK(s.lr_factor(e) ==
                  doctest::Approx(std::pow(0.2, std::max<std::int64_t>(0, k - 2))));
        }
        // The product lr * batch follows StepLR's decay as far as the batch can grow:
        // StepLR's lr is 0.2^k; here lr_factor / (batch growth) is 0.2^k too.
        for (std::int64_t e = 0; e < 100; e += 20) {
            const double equivalent = s.lr_factor(e) * 128.0 / static_cast<double>(s.batch_size(e));
            CHECK(equivalent == doctest::Approx(std::pow(0.2, e / 20)));
        }

        Tensor w = zeros({1}, kFloat64).requires_grad_();
        SGD sgd({w}, SGDOptions(0.1));
        LambdaLR lr(sgd, [&](std::int64_t e) { return s.lr_factor(e); });
        for (int e = 0; e < 60; ++e) {
            lr.step();
        }
        CHECK(sgd.lr() == doctest::Approx(0.1 * 0.2));
        CHECK_THROWS_WITH_AS(BatchSizeInsteadOfLRDecay(128, 20, 1.5, 5000),
                             doctest::Contains("gamma is 1.5"), std::invalid_argument);
    }

    TEST_CASE("linear scaling rule and gradual warmup (Goyal et al. 2017)") {
        CHECK(linear_scaling_lr(0.1, 256, 8192) == doctest::Approx(3.2));
        CHECK(linear_scaling_lr(0.1, 256, 128) == doctest::Approx(0.05));
        CHECK_THROWS_WITH_AS(linear_scaling_lr(0.1, 0, 128), doctest::Contains("base_batch is 0"),
                             std::invalid_argument);
        CHECK(linear_warmup_lr(0, 5, 0.1, 3.2) == 0.1);
        CHECK(linear_warmup_lr(2, 5, 0.1, 3.2) == doctest::Approx(0.1 + 3.1 * 0.4));
        CHECK(linear_warmup_lr(5, 5, 0.1, 3.2) == 3.2);
        CHECK(linear_warmup_lr(9, 5, 0.1, 3.2) == 3.2);
        CHECK(linear_warmup_lr(3, 0, 0.1, 3.2) == 3.2);
        CHECK_THROWS_WITH_AS(linear_warmup_lr(-1, 5, 0.1, 3.2), doctest::Contains("step is -1"),
                             std::invalid_argument);

        // The same schedule through LinearLR on an optimizer at the target lr.
        Tensor w = zeros({1}, kFloat64).requires_grad_();
        SGD sgd({w}, SGDOptions(3.2));
        LinearLR warmup(sgd, 0.1 / 3.2, 1.0, 5);
        for (int e = 0; e < 8; ++e) {
            CHECK(sgd.lr() == doctest::Approx(linear_warmup_lr(e, 5, 0.1, 3.2)).epsilon(1e-12));
            warmup.step();
        }
    }
}
