// RMSprop, Adagrad and Adadelta against reference loops written from their papers' rules.
#include "test_optim_common.hpp"

using namespace wengert;
using namespace wengert::optim;
using namespace optim_test;

namespace {

std::function<void(Vec&, const Vec&, int)> reference_rmsprop(double lr, double alpha, double eps,
                                                             double wd, double momentum,
                                                             bool centered, bool maximize) {
    auto v = std::make_shared<Vec>(5, 0.0);
    auto a = std::make_shared<Vec>(5, 0.0);
    auto b = std::make_shared<Vec>(5, 0.0);
    return [=](Vec& z, const Vec& grad, int) {
        for (std::size_t i = 0; i < z.size(); ++i) {
            const double g = (maximize ? -grad[i] : grad[i]) + wd * z[i];
            (*v)[i] = alpha * (*v)[i] + (1 - alpha) * g * g;
            (*a)[i] = alpha * (*a)[i] + (1 - alpha) * g;
            const double mean_sq = centered ? (*v)[i] - (*a)[i] * (*a)[i] : (*v)[i];
            const double d = std::sqrt(mean_sq) + eps;
            if (momentum > 0) {
                (*b)[i] = momentum * (*b)[i] + g / d;
                z[i] -= lr * (*b)[i];
            } else {
                z[i] -= lr * g / d;
            }
        }
    };
}

std::function<void(Vec&, const Vec&, int)> reference_adagrad(double lr, double lr_decay, double wd,
                                                             double init, double eps) {
    auto s = std::make_shared<Vec>(5, init);
    return [=](Vec& z, const Vec& grad, int t) {
        const double clr = lr / (1 + (t - 1) * lr_decay);
        for (std::size_t i = 0; i < z.size(); ++i) {
            const double g = grad[i] + wd * z[i];
            (*s)[i] += g * g;
            z[i] -= clr * g / (std::sqrt((*s)[i]) + eps);
        }
    };
}

std::function<void(Vec&, const Vec&, int)> reference_adadelta(double lr, double rho, double eps,
                                                              double wd) {
    auto v = std::make_shared<Vec>(5, 0.0);
    auto u = std::make_shared<Vec>(5, 0.0);
    return [=](Vec& z, const Vec& grad, int) {
        for (std::size_t i = 0; i < z.size(); ++i) {
            const double g = grad[i] + wd * z[i];
            (*v)[i] = rho * (*v)[i] + (1 - rho) * g * g;
            const double delta = std::sqrt((*u)[i] + eps) / std::sqrt((*v)[i] + eps) * g;
            (*u)[i] = rho * (*u)[i] + (1 - rho) * delta * delta;
            z[i] -= lr * delta;
        }
    };
}

}  // namespace

TEST_SUITE("optim adaptive") {
    TEST_CASE("RMSprop: 20 steps match the reference (plain, centered with momentum, decay)") {
        struct Case {
            double lr, alpha, eps, wd, momentum;
            bool centered, maximize;
        };
        for (const Case c : {Case{1e-2, 0.99, 1e-8, 0.0, 0.0, false, false},
                             Case{5e-3, 0.9, 1e-6, 0.0, 0.9, true, false},
                             Case{1e-2, 0.95, 1e-8, 0.05, 0.5, false, true}}) {
            CAPTURE(c.centered);
            Params params;
            RMSprop rmsprop(params.list(), RMSpropOptions(c.lr)
                                               .alpha(c.alpha)
                                               .eps(c.eps)
                                               .weight_decay(c.wd)
                                               .momentum(c.momentum)
                                               .centered(c.centered)
                                               .maximize(c.maximize));
            check_same(run_library(params, rmsprop, 20),
                       run_reference(reference_rmsprop(c.lr, c.alpha, c.eps, c.wd, c.momentum,
                                                       c.centered, c.maximize),
                                     20));
        }
    }

    TEST_CASE("Adagrad: 20 steps match the reference with lr_decay and an initial sum") {
        for (const double init : {0.0, 0.1}) {
            Params params;
            Adagrad adagrad(
                params.list(),
                AdagradOptions(0.1).lr_decay(0.01).weight_decay(0.02).initial_accumulator_value(
                    init));
            check_same(run_library(params, adagrad, 20),
                       run_reference(reference_adagrad(0.1, 0.01, 0.02, init, 1e-10), 20));
        }
    }

    TEST_CASE("Adadelta: 20 steps match the reference") {
        Params params;
        Adadelta adadelta(params.list(), AdadeltaOptions(1.0).rho(0.9).weight_decay(0.01));
        check_same(run_library(params, adadelta, 20),
                   run_reference(reference_adadelta(1.0, 0.9, 1e-6, 0.01), 20));
    }

    TEST_CASE("RMSprop, Adagrad, Adadelta: converge on the quadratic-plus-quartic problem") {
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<RMSprop>(p, RMSpropOptions(1e-3)); },
                  5000) < 1e-2);
        CHECK(final_distance(
                  [](TensorList p) {
                      return std::make_unique<RMSprop>(
                          p, RMSpropOptions(1e-3).centered(true).momentum(0.9));
                  },
                  3000) < 1e-3);
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<Adagrad>(p, AdagradOptions(0.5)); },
                  3000) < 1e-3);
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<Adadelta>(p, AdadeltaOptions()); },
                  3000) < 5e-2);  // from 2.0; Adadelta's eps keeps it hovering near 0.02
    }

    TEST_CASE("Adagrad: the initial accumulator is state from the first step on") {
        Params params;
        Adagrad adagrad(params.list(), AdagradOptions().initial_accumulator_value(0.5));
        params.set_gradients();
        adagrad.step();
        const Vec g = gradient(kStart);
        CHECK(adagrad.state(0, 0).buffers.at("sum").to_vector()[0] ==
              doctest::Approx(0.5 + g[0] * g[0]));
    }

    TEST_CASE("adaptive optimizers: bad options throw with the value named") {
        Params p;
        CHECK_THROWS_WITH_AS(RMSprop(p.list(), RMSpropOptions().alpha(-0.1)),
                             doctest::Contains("alpha is -0.1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(RMSprop(p.list(), RMSpropOptions().momentum(-1)),
                             doctest::Contains("momentum is -1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(Adagrad(p.list(), AdagradOptions().lr_decay(-0.5)),
                             doctest::Contains("lr_decay is -0.5"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(Adagrad(p.list(), AdagradOptions().initial_accumulator_value(-2)),
                             doctest::Contains("initial_accumulator_value is -2"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(Adadelta(p.list(), AdadeltaOptions().rho(1.5)),
                             doctest::Contains("rho is 1.5"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(Adadelta(p.list(), AdadeltaOptions(-1.0)),
                             doctest::Contains("lr is -1"), std::invalid_argument);
    }
}
