// Warm restarts, cyclical learning rates and the one-cycle policy against their closed forms.
#include <algorithm>

#include "test_scheduler_common.hpp"

using namespace scheduler_test;

namespace {

double cos_anneal(double start, double end, double pct) {
    return end + (start - end) / 2 * (1 + std::cos(kPi * pct));
}

double linear_anneal(double start, double end, double pct) {
    return start + (end - start) * pct;
}

}  // namespace

TEST_SUITE("schedulers cyclic") {
    TEST_CASE("CosineAnnealingWarmRestarts: restarts at 5, 15, 35 with T_mult = 2") {
        TwoGroups t;
        CosineAnnealingWarmRestarts s(t.sgd, 5, 2, 0.01);
        check_closed_form(record(s), [](int e, double b) {
            int start = 0;
            int period = 5;
            while (e >= start + period) {
                start += period;
                period *= 2;
            }
            return 0.01 + (b - 0.01) * (1 + std::cos(kPi * (e - start) / period)) / 2;
        });
        CHECK(s.T_i() == 40);
    }

    TEST_CASE("CosineAnnealingWarmRestarts: T_mult = 1 restarts every T_0 epochs") {
        TwoGroups t;
        CosineAnnealingWarmRestarts s(t.sgd, 7);
        check_closed_form(
            record(s), [](int e, double b) { return b * (1 + std::cos(kPi * (e % 7) / 7)) / 2; });
        s.step_to(23);
        CHECK(s.T_cur() == 2);
        CHECK_THROWS_WITH_AS(s.step_to(-1), doctest::Contains("epoch is -1"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(CosineAnnealingWarmRestarts(t.sgd, 0), doctest::Contains("T_0 is 0"),
                             std::invalid_argument);
    }

    TEST_CASE("CosineAnnealingWarmRestarts: step_to with T_mult > 1 finds the cycle") {
        TwoGroups t;
        CosineAnnealingWarmRestarts s(t.sgd, 5, 2, 0.0);
        s.step_to(20);  // cycles start at 0, 5, 15, 35: epoch 20 is T_cur 5 of T_i 20
        CHECK(s.T_i() == 20);
        CHECK(s.T_cur() == 5);
        CHECK(s.last_lr()[0] == doctest::Approx(0.1 * (1 + std::cos(kPi * 5 / 20)) / 2));
    }

    TEST_CASE("CyclicLR: triangular, triangular2 and exp_range, with momentum cycling") {
        struct Mode {
            const char* name;
            std::function<double(int)> scale;
        };
        for (const Mode& mode :
             {Mode{"triangular", [](int) { return 1.0; }},
              Mode{"triangular2", [](int e) { return 1.0 / std::pow(2.0, e / 10); }},
              Mode{"exp_range", [](int e) { return std::pow(0.97, e); }}}) {
            CAPTURE(mode.name);
            TwoGroups t;
            CyclicLR s(t.sgd, {.base_lr = {0.01, 0.005},
                               .max_lr = {0.1},
                               .step_size_up = 4,
                               .step_size_down = 6,
                               .mode = mode.name,
                               .gamma = 0.97});
            // Position in a cycle of 10: up over 4 iterations, down over 6.
            const auto height = [](int e) {
                const int pos = e % 10;
                return pos <= 4 ? pos / 4.0 : (10 - pos) / 6.0;
            };
            std::vector<std::vector<double>> lrs = {s.last_lr()};
            std::vector<double> momentum = {t.sgd.param_groups()[1].options->get("momentum")};
            for (int e = 1; e < 60; ++e) {
                s.step();
                lrs.push_back(s.last_lr());
                momentum.push_back(t.sgd.param_groups()[1].options->get("momentum"));
            }
            const std::vector<double> base = {0.01, 0.005};
            for (int e = 0; e < 60; ++e) {
                for (std::size_t g = 0; g < 2; ++g) {
                    const double expected = base[g] + (0.1 - base[g]) * height(e) * mode.scale(e);
                    CHECK(lrs[e][g] == doctest::Approx(expected).epsilon(1e-12));
                }
                CHECK(momentum[e] ==
                      doctest::Approx(0.9 - 0.1 * height(e) * mode.scale(e)).epsilon(1e-12));
            }
        }
    }

    TEST_CASE("CyclicLR: cycles beta1 of Adam; bad options name the value") {
        Tensor w = zeros({1}, kFloat64).requires_grad_();
        Adam adam({w}, AdamOptions(0.01));
        CyclicLR s(adam, {.base_lr = {0.001}, .max_lr = {0.01}, .step_size_up = 2});
        CHECK(adam.param_groups()[0].options->get("beta1") == doctest::Approx(0.9));
        s.step();
        CHECK(adam.param_groups()[0].options->get("beta1") == doctest::Approx(0.85));
        CHECK(adam.lr() == doctest::Approx(0.0055));
        CHECK_THROWS_WITH_AS(CyclicLR(adam, {.base_lr = {0.001}, .max_lr = {0.01}, .mode = "saw"}),
                             doctest::Contains("'saw'"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(CyclicLR(adam, {.base_lr = {0.001, 0.002}, .max_lr = {0.01}}),
                             doctest::Contains("got 2"), std::invalid_argument);
        Adagrad adagrad({w});
        CHECK_THROWS_WITH_AS(CyclicLR(adagrad, {.base_lr = {0.001}, .max_lr = {0.01}}),
                             doctest::Contains("Adagrad must support momentum"),
                             std::invalid_argument);
    }

    TEST_CASE("OneCycleLR: two cosine phases over 60 steps, beta1 cycling the other way") {
        Tensor w = zeros({1}, kFloat64).requires_grad_();
        Adam adam({w}, AdamOptions(0.5));
        OneCycleLR s(adam, {.max_lr = {0.1}, .total_steps = 60, .pct_start = 0.25});
        const double initial = 0.1 / 25;
        const double min = initial / 1e4;
        CHECK(adam.param_groups()[0].initial_lr == doctest::Approx(initial));
        for (int e = 0; e < 60; ++e) {
            if (e > 0) {
                s.step();
            }
            // Phase 1 ends at step 0.25 * 60 - 1 = 14, phase 2 at 59.
            const bool up = e <= 14;
            const double pct = up ? e / 14.0 : (e - 14) / 45.0;
            const double lr = up ? cos_anneal(initial, 0.1, pct) : cos_anneal(0.1, min, pct);
            const double beta1 = up ? cos_anneal(0.95, 0.85, pct) : cos_anneal(0.85, 0.95, pct);
            CAPTURE(e);
            CHECK(s.last_lr()[0] == doctest::Approx(lr).epsilon(1e-12));
            CHECK(adam.param_groups()[0].options->get("beta1") ==
                  doctest::Approx(beta1).epsilon(1e-12));
        }
        CHECK(s.last_lr()[0] == doctest::Approx(min));
        s.step();  // step 60 is still allowed, as in PyTorch
        CHECK_THROWS_WITH_AS(s.step(), doctest::Contains("total steps is 60"), std::logic_error);
    }

    TEST_CASE("OneCycleLR: three linear phases on SGD momentum") {
        TwoGroups t;
        OneCycleLR s(t.sgd, {.max_lr = {0.2, 0.1},
                             .epochs = 6,
                             .steps_per_epoch = 10,
                             .pct_start = 0.25,
                             .anneal_strategy = "linear",
                             .three_phase = true});
        CHECK(s.total_steps() == 60);
        const std::vector<double> max = {0.2, 0.1};
        for (int e = 0; e < 60; ++e) {
            if (e > 0) {
                s.step();
            }
            for (std::size_t g = 0; g < 2; ++g) {
                const double initial = max[g] / 25;
                const double min = initial / 1e4;
                // Phases end at 14, 2 * 15 - 2 = 28 and 59.
                double lr = 0;
                double momentum = 0;
                if (e <= 14) {
                    lr = linear_anneal(initial, max[g], e / 14.0);
                    momentum = linear_anneal(0.95, 0.85, e / 14.0);
                } else if (e <= 28) {
                    lr = linear_anneal(max[g], initial, (e - 14) / 14.0);
                    momentum = linear_anneal(0.85, 0.95, (e - 14) / 14.0);
                } else {
                    lr = linear_anneal(initial, min, (e - 28) / 31.0);
                    momentum = 0.95;
                }
                CAPTURE(e);
                CHECK(s.last_lr()[g] == doctest::Approx(lr).epsilon(1e-12));
                CHECK(t.sgd.param_groups()[g].options->get("momentum") ==
                      doctest::Approx(momentum).epsilon(1e-12));
            }
        }
    }

    TEST_CASE("OneCycleLR: state save and restore continues identically; bad options throw") {
        TwoGroups a;
        OneCycleLR s(a.sgd, {.max_lr = {0.2}, .total_steps = 40});
        for (int e = 0; e < 11; ++e) {
            s.step();
        }
        const SchedulerState saved = s.state_dict();
        const OptimizerState saved_optimizer = a.sgd.state_dict();
        const auto rest = record(s, 25);

        TwoGroups b;
        OneCycleLR r(b.sgd, {.max_lr = {0.7}, .total_steps = 40});
        b.sgd.load_state_dict(saved_optimizer);
        r.load_state_dict(saved);
        CHECK(record(r, 25) == rest);

        CHECK_THROWS_WITH_AS(OneCycleLR(b.sgd, {.max_lr = {0.1}}), doctest::Contains("epochs is 0"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(OneCycleLR(b.sgd, {.max_lr = {0.1}, .total_steps = -3}),
                             doctest::Contains("total_steps is -3"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(
            OneCycleLR(b.sgd, {.max_lr = {0.1}, .total_steps = 10, .pct_start = 1.5}),
            doctest::Contains("pct_start is 1.5"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(
            OneCycleLR(b.sgd, {.max_lr = {0.1}, .total_steps = 10, .anneal_strategy = "exp"}),
            doctest::Contains("'exp'"), std::invalid_argument);
    }
}
