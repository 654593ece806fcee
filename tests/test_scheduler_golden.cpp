// Golden lr sequences from PyTorch 1.13 (tests/golden/scheduler_golden.py): 60 epochs of each
// scheduler on SGD with two groups, and the second group's momentum where it is cycled.
#include "golden/scheduler_golden.hpp"
#include "test_scheduler_common.hpp"

using namespace scheduler_test;

namespace {

void check_run(const std::string& name, const std::vector<std::vector<double>>& lrs,
               const std::vector<double>& momentum = {}) {
    CAPTURE(name);
    const auto& golden = scheduler_golden::kRuns.at(name);
    REQUIRE(lrs.size() == golden.lrs.size());
    for (std::size_t e = 0; e < lrs.size(); ++e) {
        for (std::size_t g = 0; g < 2; ++g) {
            CAPTURE(e);
            CAPTURE(g);
            CHECK(lrs[e][g] == doctest::Approx(golden.lrs[e][g]).epsilon(1e-12));
        }
        if (!momentum.empty()) {
            CHECK(momentum[e] == doctest::Approx(golden.momentum[e]).epsilon(1e-12));
        }
    }
}

/// lrs and group 1's momentum over 60 epochs.
template <class Scheduler>
void check_scheduler(const std::string& name, TwoGroups& t, Scheduler& s) {
    std::vector<std::vector<double>> lrs = {s.last_lr()};
    std::vector<double> momentum = {t.sgd.param_groups()[1].options->get("momentum")};
    for (int e = 1; e < 60; ++e) {
        s.step();
        lrs.push_back(s.last_lr());
        momentum.push_back(t.sgd.param_groups()[1].options->get("momentum"));
    }
    check_run(name, lrs, momentum);
}

double metric(int e) {
    return e < 10 ? 5.0 - 0.4 * e : (e < 30 ? 1.0 + 0.01 * (e % 3) : 0.9 - 0.001 * e);
}

}  // namespace

TEST_SUITE("schedulers golden") {
    TEST_CASE("monotone schedulers reproduce torch.optim.lr_scheduler") {
        {
            TwoGroups t;
            StepLR s(t.sgd, 7, 0.5);
            check_scheduler("step", t, s);
        }
        {
            TwoGroups t;
            MultiStepLR s(t.sgd, {25, 10, 40, 25}, 0.3);
            check_scheduler("multistep", t, s);
        }
        {
            TwoGroups t;
            ConstantLR s(t.sgd, 0.25, 8);
            check_scheduler("constant", t, s);
        }
        {
            TwoGroups t;
            LinearLR s(t.sgd, 0.2, 0.9, 15);
            check_scheduler("linear", t, s);
        }
        {
            TwoGroups t;
            ExponentialLR s(t.sgd, 0.95);
            check_scheduler("exponential", t, s);
        }
        {
            TwoGroups t;
            PolynomialLR s(t.sgd, 40, 2.0);
            check_scheduler("polynomial", t, s);
        }
        {
            TwoGroups t;
            CosineAnnealingLR s(t.sgd, 20, 0.001);
            check_scheduler("cosine", t, s);
        }
    }

    TEST_CASE("cyclic schedulers reproduce torch.optim.lr_scheduler, momentum included") {
        {
            TwoGroups t;
            CosineAnnealingWarmRestarts s(t.sgd, 5, 2, 0.01);
            check_scheduler("warm_restarts", t, s);
        }
        {
            TwoGroups t;
            CyclicLR s(t.sgd, {.base_lr = {0.01, 0.005},
                               .max_lr = {0.1},
                               .step_size_up = 4,
                               .step_size_down = 6,
                               .mode = "triangular2"});
            check_scheduler("cyclic_triangular2", t, s);
        }
        {
            TwoGroups t;
            CyclicLR s(t.sgd, {.base_lr = {0.01},
                               .max_lr = {0.1},
                               .step_size_up = 4,
                               .step_size_down = 6,
                               .mode = "exp_range",
                               .gamma = 0.97});
            check_scheduler("cyclic_exp_range", t, s);
        }
        {
            TwoGroups t;
            OneCycleLR s(t.sgd, {.max_lr = {0.2, 0.1}, .total_steps = 60, .pct_start = 0.25});
            check_scheduler("one_cycle_cos", t, s);
        }
        {
            TwoGroups t;
            OneCycleLR s(t.sgd, {.max_lr = {0.2},
                                 .total_steps = 60,
                                 .pct_start = 0.25,
                                 .anneal_strategy = "linear",
                                 .three_phase = true});
            check_scheduler("one_cycle_three_linear", t, s);
        }
    }

    TEST_CASE("composite schedulers reproduce torch.optim.lr_scheduler") {
        {
            TwoGroups t;
            LinearLR warmup(t.sgd, 0.1, 1.0, 5);
            ExponentialLR decay(t.sgd, 0.9);
            SequentialLR s(t.sgd, {&warmup, &decay}, {5});
            check_scheduler("sequential", t, s);
        }
        {
            TwoGroups t;
            ConstantLR constant(t.sgd, 0.1, 2);
            ExponentialLR exponential(t.sgd, 0.9);
            ChainedScheduler s({&constant, &exponential});
            check_scheduler("chained", t, s);
        }
    }

    TEST_CASE("ReduceLROnPlateau reproduces PyTorch on positive metrics") {
        for (const std::string mode : {"min", "max"}) {
            TwoGroups t;
            ReduceLROnPlateau s(t.sgd, {.mode = mode,
                                        .factor = 0.5,
                                        .patience = 3,
                                        .threshold = 0.01,
                                        .cooldown = 2,
                                        .min_lr = {0.01, 0.001}});
            std::vector<std::vector<double>> lrs;
            for (int e = 0; e < 60; ++e) {
                s.step(mode == "min" ? metric(e) : 10.0 - metric(e));
                lrs.push_back(s.last_lr());
            }
            check_run("plateau_" + mode, lrs);
        }
    }
}
