// The monotone schedulers: each lr sequence over 60 epochs against its closed form.
#include <algorithm>

#include "test_scheduler_common.hpp"

using namespace scheduler_test;

TEST_SUITE("schedulers basic") {
    TEST_CASE("StepLR: base * gamma^floor(e / step_size); constructor sets initial_lr") {
        TwoGroups t;
        StepLR s(t.sgd, 7, 0.5);
        CHECK(s.last_epoch() == 0);
        CHECK(t.sgd.param_groups()[1].initial_lr == 0.05);
        check_closed_form(record(s), [](int e, double b) { return b * std::pow(0.5, e / 7); });
        CHECK(s.last_epoch() == 59);
        CHECK(t.sgd.lr(0) == s.last_lr()[0]);
    }

    TEST_CASE("MultiStepLR: a repeated milestone decays twice") {
        TwoGroups t;
        MultiStepLR s(t.sgd, {25, 10, 40, 25}, 0.3);
        check_closed_form(record(s), [](int e, double b) {
            const int passed = (e >= 10) + 2 * (e >= 25) + (e >= 40);
            return b * std::pow(0.3, passed);
        });
    }

    TEST_CASE("ConstantLR: factor until total_iters, then the base lr") {
        TwoGroups t;
        ConstantLR s(t.sgd, 0.25, 8);
        check_closed_form(record(s), [](int e, double b) { return e < 8 ? 0.25 * b : b; });
    }

    TEST_CASE("LinearLR: warmup from start_factor to end_factor over total_iters") {
        TwoGroups t;
        LinearLR s(t.sgd, 0.2, 0.9, 15);
        check_closed_form(record(s),
                          [](int e, double b) { return b * (0.2 + 0.7 * std::min(e, 15) / 15.0); });
    }

    TEST_CASE("ExponentialLR: base * gamma^e") {
        TwoGroups t;
        ExponentialLR s(t.sgd, 0.95);
        check_closed_form(record(s), [](int e, double b) { return b * std::pow(0.95, e); });
    }

    TEST_CASE("PolynomialLR: base * (1 - min(e, T) / T)^power, then 0") {
        TwoGroups t;
        PolynomialLR s(t.sgd, 40, 2.0);
        check_closed_form(record(s), [](int e, double b) {
            return b * std::pow(1.0 - std::min(e, 40) / 40.0, 2.0);
        });
    }

    TEST_CASE("CosineAnnealingLR: the recursive form follows the cosine, and back up") {
        TwoGroups t;
        CosineAnnealingLR s(t.sgd, 20, 0.001);
        check_closed_form(
            record(s),
            [](int e, double b) {
                return 0.001 + (b - 0.001) * (1 + std::cos(kPi * e / 20.0)) / 2;
            },
            1e-10);
    }

    TEST_CASE("LambdaLR: one lambda per group") {
        TwoGroups t;
        LambdaLR s(t.sgd, std::vector<LambdaLR::Lambda>{
                              [](std::int64_t e) { return 1.0 / (1.0 + 0.1 * e); },
                              [](std::int64_t e) { return 1.0 / (1.0 + 0.1 * e); }});
        check_closed_form(record(s), [](int e, double b) { return b / (1.0 + 0.1 * e); });
        CHECK_THROWS_WITH_AS(
            LambdaLR(t.sgd, std::vector<LambdaLR::Lambda>{[](std::int64_t) { return 1.0; }}),
            doctest::Contains("expected 2 lr_lambdas"), std::invalid_argument);
    }

    TEST_CASE("MultiplicativeLR: lr multiplied by lambda(e) after epoch 0") {
        TwoGroups t;
        MultiplicativeLR s(t.sgd, [](std::int64_t) { return 0.97; });
        check_closed_form(record(s), [](int e, double b) { return b * std::pow(0.97, e); });
    }

    TEST_CASE("the three classic schedules are one line each") {
        TwoGroups constant;  // constant: no scheduler at all
        TwoGroups exp_decay;
        ExponentialLR exponential(exp_decay.sgd, 0.9);
        TwoGroups step_decay;
        StepLR step(step_decay.sgd, 30, 0.1);
        for (int e = 0; e < 45; ++e) {
            exponential.step();
            step.step();
        }
        CHECK(constant.sgd.lr() == 0.1);
        CHECK(exp_decay.sgd.lr() == doctest::Approx(0.1 * std::pow(0.9, 45)));
        CHECK(step_decay.sgd.lr() == doctest::Approx(0.01));
    }

    TEST_CASE("schedulers: state save and restore continues the identical lr sequence") {
        TwoGroups a;
        CosineAnnealingLR s(a.sgd, 13, 0.002);
        for (int e = 0; e < 17; ++e) {
            s.step();
        }
        const SchedulerState saved = s.state_dict();
        const OptimizerState saved_optimizer = a.sgd.state_dict();
        const auto rest = record(s, 30);

        TwoGroups b;
        CosineAnnealingLR r(b.sgd, 5);  // other hyper-parameters, restored from the state
        b.sgd.load_state_dict(saved_optimizer);
        r.load_state_dict(saved);
        CHECK(r.last_epoch() == 17);
        CHECK(record(r, 30) == rest);

        StepLR other(b.sgd, 3);
        CHECK_THROWS_WITH_AS(other.load_state_dict(saved), doctest::Contains("CosineAnnealingLR"),
                             std::invalid_argument);
    }

    TEST_CASE("schedulers: resuming needs initial_lr; bad arguments name the value") {
        Tensor w = zeros({1}, kFloat64).requires_grad_();
        SGD sgd({w}, SGDOptions(0.1));
        CHECK_THROWS_WITH_AS(StepLR(sgd, 5, 0.1, 10), doctest::Contains("initial_lr"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(StepLR(sgd, 0), doctest::Contains("step_size is 0"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(ConstantLR(sgd, 1.5), doctest::Contains("factor is 1.5"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(LinearLR(sgd, 0.0), doctest::Contains("start_factor is 0"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(CosineAnnealingLR(sgd, 0), doctest::Contains("T_max is 0"),
                             std::invalid_argument);
    }

    TEST_CASE("StepLR: resuming at last_epoch uses the group's initial_lr") {
        Tensor w = zeros({1}, kFloat64).requires_grad_();
        SGD sgd({w}, SGDOptions(0.1));
        { StepLR first(sgd, 5, 0.5); }
        sgd.set_lr(0.05);  // as after epochs 5 to 9
        StepLR resumed(sgd, 5, 0.5, 9);
        CHECK(resumed.base_lrs()[0] == 0.1);
        CHECK(resumed.last_epoch() == 10);
        CHECK(sgd.lr() == doctest::Approx(0.025));
    }
}
