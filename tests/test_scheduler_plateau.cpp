// ReduceLROnPlateau over fixed metric sequences (including negative ones), SequentialLR and
// ChainedScheduler, and state save and restore of each.
#include <algorithm>
#include <limits>

#include "test_scheduler_common.hpp"

using namespace scheduler_test;

namespace {

// An independent simulation of the plateau rule with the |best| threshold.
std::vector<double> reference_plateau(const std::vector<double>& metrics, bool max_mode, bool rel,
                                      double threshold, int patience, int cooldown, double factor,
                                      double lr, double min_lr) {
    double best = max_mode ? -std::numeric_limits<double>::infinity()
                           : std::numeric_limits<double>::infinity();
    int bad = 0;
    int cool = 0;
    std::vector<double> lrs;
    for (double m : metrics) {
        const double margin =
            std::isinf(best) ? 0.0 : (rel ? std::abs(best) * threshold : threshold);
        const bool better = max_mode ? m > best + margin : m < best - margin;
        if (better) {
            best = m;
            bad = 0;
        } else {
            ++bad;
        }
        if (cool > 0) {
            --cool;
            bad = 0;
        }
        if (bad > patience) {
            const double next = std::max(lr * factor, min_lr);
            if (lr - next > 1e-8) {
                lr = next;
            }
            cool = cooldown;
            bad = 0;
        }
        lrs.push_back(lr);
    }
    return lrs;
}

std::vector<double> metric_sequence(double offset, double sign) {
    // Improves for 10 epochs, plateaus with noise, improves a little, plateaus again.
    std::vector<double> m;
    for (int e = 0; e < 60; ++e) {
        double v = e < 10 ? 5.0 - 0.4 * e : (e < 30 ? 1.0 + 0.01 * (e % 3) : 0.9 - 0.001 * e);
        m.push_back(sign * (v + offset));
    }
    return m;
}

}  // namespace

TEST_SUITE("schedulers plateau and composite") {
    TEST_CASE("ReduceLROnPlateau: 60 epochs of a fixed metric in every mode, incl. negatives") {
        struct Case {
            bool max_mode, rel;
            double offset;
        };
        // Offsets of -10 make every metric negative.
        for (const Case c :
             {Case{false, true, 0.0}, Case{false, true, -10.0}, Case{false, false, -10.0},
              Case{true, true, -10.0}, Case{true, false, 3.0}, Case{true, true, 0.0}}) {
            CAPTURE(c.max_mode);
            CAPTURE(c.rel);
            CAPTURE(c.offset);
            const std::vector<double> metrics = metric_sequence(c.offset, c.max_mode ? -1 : 1);
            TwoGroups t;
            ReduceLROnPlateau s(t.sgd, {.mode = c.max_mode ? "max" : "min",
                                        .factor = 0.5,
                                        .patience = 3,
                                        .threshold = 0.01,
                                        .threshold_mode = c.rel ? "rel" : "abs",
                                        .cooldown = 2,
                                        .min_lr = {0.01, 0.001}});
            const auto expected0 =
                reference_plateau(metrics, c.max_mode, c.rel, 0.01, 3, 2, 0.5, 0.1, 0.01);
            const auto expected1 =
                reference_plateau(metrics, c.max_mode, c.rel, 0.01, 3, 2, 0.5, 0.05, 0.001);
            for (std::size_t e = 0; e < metrics.size(); ++e) {
                s.step(metrics[e]);
                CAPTURE(e);
                CHECK(s.last_lr()[0] == expected0[e]);
                CHECK(s.last_lr()[1] == expected1[e]);
            }
            CHECK(s.last_lr()[0] < 0.1);
        }
    }

    TEST_CASE("ReduceLROnPlateau: a slightly worse negative metric is not an improvement") {
        TwoGroups t;
        ReduceLROnPlateau s(t.sgd, {.patience = 1, .threshold = 0.1});
        s.step(-1.0);
        // PyTorch's rel rule, a < best * (1 - threshold) = -0.9, would take -0.95 as better.
        s.step(-0.95);
        CHECK(s.best() == -1.0);
        CHECK(s.num_bad_epochs() == 1);
        s.step(-1.05);  // within 10% of |best|: still not better
        CHECK(t.sgd.lr() == doctest::Approx(0.01));
        s.step(-1.2);
        CHECK(s.best() == -1.2);
        CHECK(s.is_better(-1.33, -1.2));
        CHECK_FALSE(s.is_better(-1.31, -1.2));
    }

    TEST_CASE("ReduceLROnPlateau: hand-computed sequence with cooldown and min_lr") {
        TwoGroups t;
        ReduceLROnPlateau s(t.sgd, {.factor = 0.5,
                                    .patience = 1,
                                    .threshold_mode = "abs",
                                    .cooldown = 1,
                                    .min_lr = {0.03}});
        const std::vector<double> metrics = {3, 2, 2, 2, 2, 2, 2, 2};
        const std::vector<double> expected = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.03, 0.03};
        for (std::size_t e = 0; e < metrics.size(); ++e) {
            s.step(metrics[e]);
            CAPTURE(e);
            CHECK(t.sgd.lr(0) == doctest::Approx(expected[e]));
        }
    }

    TEST_CASE("ReduceLROnPlateau: state save and restore continues identically; bad options") {
        TwoGroups a;
        ReduceLROnPlateau s(a.sgd, {.patience = 2, .cooldown = 1});
        const auto metrics = metric_sequence(-10, 1);
        for (int e = 0; e < 25; ++e) {
            s.step(metrics[e]);
        }
        const SchedulerState saved = s.state_dict();
        const OptimizerState saved_optimizer = a.sgd.state_dict();
        std::vector<double> rest;
        for (int e = 25; e < 60; ++e) {
            s.step(metrics[e]);
            rest.push_back(s.last_lr()[0]);
        }
        TwoGroups b;
        ReduceLROnPlateau r(b.sgd, {.mode = "max", .patience = 9});
        b.sgd.load_state_dict(saved_optimizer);
        r.load_state_dict(saved);
        for (int e = 25; e < 60; ++e) {
            r.step(metrics[e]);
            CHECK(r.last_lr()[0] == rest[e - 25]);
        }
        CHECK_THROWS_WITH_AS(ReduceLROnPlateau(b.sgd, {.factor = 1.0}),
                             doctest::Contains("factor is 1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(ReduceLROnPlateau(b.sgd, {.mode = "up"}), doctest::Contains("'up'"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(ReduceLROnPlateau(b.sgd, {.threshold_mode = "pct"}),
                             doctest::Contains("'pct'"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(ReduceLROnPlateau(b.sgd, {.min_lr = {0, 0, 0}}),
                             doctest::Contains("got 3"), std::invalid_argument);
    }

    TEST_CASE("SequentialLR: LinearLR warmup for 5 epochs, then ExponentialLR from its start") {
        TwoGroups t;
        LinearLR warmup(t.sgd, 0.1, 1.0, 5);
        ExponentialLR decay(t.sgd, 0.9);
        SequentialLR s(t.sgd, {&warmup, &decay}, {5});
        check_closed_form(record(s), [](int e, double b) {
            return e < 5 ? b * (0.1 + 0.9 * e / 5.0) : b * std::pow(0.9, e - 5);
        });
        CHECK_THROWS_WITH_AS(SequentialLR(t.sgd, {&warmup, &decay}, {5, 8}),
                             doctest::Contains("got 2 schedulers and 2 milestones"),
                             std::invalid_argument);
        TwoGroups other;
        CHECK_THROWS_WITH_AS(SequentialLR(other.sgd, {&warmup}, {}),
                             doctest::Contains("same optimizer"), std::invalid_argument);
    }

    TEST_CASE("SequentialLR: state save and restore continues the identical sequence") {
        TwoGroups a;
        LinearLR warmup_a(a.sgd, 0.1, 1.0, 5);
        CosineAnnealingLR cosine_a(a.sgd, 30, 0.001);
        SequentialLR s(a.sgd, {&warmup_a, &cosine_a}, {5});
        for (int e = 0; e < 12; ++e) {
            s.step();
        }
        const SchedulerState saved = s.state_dict();
        const OptimizerState saved_optimizer = a.sgd.state_dict();
        const auto rest = record(s, 30);

        TwoGroups b;
        LinearLR warmup_b(b.sgd, 0.1, 1.0, 5);
        CosineAnnealingLR cosine_b(b.sgd, 30, 0.001);
        SequentialLR r(b.sgd, {&warmup_b, &cosine_b}, {5});
        b.sgd.load_state_dict(saved_optimizer);
        r.load_state_dict(saved);
        CHECK(record(r, 30) == rest);
    }

    TEST_CASE("ChainedScheduler: ConstantLR and ExponentialLR multiply") {
        TwoGroups t;
        ConstantLR constant(t.sgd, 0.1, 2);
        ExponentialLR exponential(t.sgd, 0.9);
        ChainedScheduler s({&constant, &exponential});
        check_closed_form(
            record(s), [](int e, double b) { return b * std::pow(0.9, e) * (e < 2 ? 0.1 : 1.0); });

        const SchedulerState saved = s.state_dict();
        CHECK(saved.children.size() == 2);
        const OptimizerState saved_optimizer = t.sgd.state_dict();
        const auto rest = record(s, 10);
        TwoGroups b;
        ConstantLR constant_b(b.sgd, 0.1, 2);
        ExponentialLR exponential_b(b.sgd, 0.9);
        ChainedScheduler r({&constant_b, &exponential_b});
        b.sgd.load_state_dict(saved_optimizer);
        r.load_state_dict(saved);
        CHECK(record(r, 10) == rest);
    }
}
