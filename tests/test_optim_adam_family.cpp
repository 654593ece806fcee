// Adamax, NAdam, RAdam, LAMB and Lion against reference loops written from their papers.
#include "test_optim_common.hpp"

using namespace wengert;
using namespace wengert::optim;
using namespace optim_test;

namespace {

std::function<void(Vec&, const Vec&, int)> reference_adamax(double lr, double b1, double b2,
                                                            double eps, double wd) {
    auto m = std::make_shared<Vec>(5, 0.0);
    auto u = std::make_shared<Vec>(5, 0.0);
    return [=](Vec& z, const Vec& grad, int t) {
        for (std::size_t i = 0; i < z.size(); ++i) {
            const double g = grad[i] + wd * z[i];
            (*m)[i] = b1 * (*m)[i] + (1 - b1) * g;
            (*u)[i] = std::max(b2 * (*u)[i], std::abs(g) + eps);
            z[i] -= lr / (1 - std::pow(b1, t)) * (*m)[i] / (*u)[i];
        }
    };
}

// Dozat (2016) in the form PyTorch documents: m_hat = mu_{t+1} m / (1 - prod_{i<=t+1} mu_i)
// + (1 - mu_t) g / (1 - prod_{i<=t} mu_i).
std::function<void(Vec&, const Vec&, int)> reference_nadam(double lr, double b1, double b2,
                                                           double eps, double wd, double psi) {
    auto m = std::make_shared<Vec>(5, 0.0);
    auto v = std::make_shared<Vec>(5, 0.0);
    auto mus = std::make_shared<Vec>();
    return [=](Vec& z, const Vec& grad, int t) {
        const auto mu_at = [&](int k) { return b1 * (1 - 0.5 * std::pow(0.96, k * psi)); };
        mus->push_back(mu_at(t));
        double prod_t = 1.0;
        for (double mu : *mus) {
            prod_t *= mu;
        }
        const double prod_next = prod_t * mu_at(t + 1);
        for (std::size_t i = 0; i < z.size(); ++i) {
            const double g = grad[i] + wd * z[i];
            (*m)[i] = b1 * (*m)[i] + (1 - b1) * g;
            (*v)[i] = b2 * (*v)[i] + (1 - b2) * g * g;
            const double m_hat =
                mu_at(t + 1) * (*m)[i] / (1 - prod_next) + (1 - mu_at(t)) * g / (1 - prod_t);
            const double v_hat = (*v)[i] / (1 - std::pow(b2, t));
            z[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
        }
    };
}

// Liu et al. (2020), Algorithm 2.
std::function<void(Vec&, const Vec&, int)> reference_radam(double lr, double b1, double b2,
                                                           double eps, double wd) {
    auto m = std::make_shared<Vec>(5, 0.0);
    auto v = std::make_shared<Vec>(5, 0.0);
    return [=](Vec& z, const Vec& grad, int t) {
        const double rho_inf = 2 / (1 - b2) - 1;
        const double rho_t = rho_inf - 2 * t * std::pow(b2, t) / (1 - std::pow(b2, t));
        for (std::size_t i = 0; i < z.size(); ++i) {
            const double g = grad[i] + wd * z[i];
            (*m)[i] = b1 * (*m)[i] + (1 - b1) * g;
            (*v)[i] = b2 * (*v)[i] + (1 - b2) * g * g;
            const double m_hat = (*m)[i] / (1 - std::pow(b1, t));
            if (rho_t > 5) {
                const double l = std::sqrt(1 - std::pow(b2, t)) / (std::sqrt((*v)[i]) + eps);
                const double r = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                           ((rho_inf - 4) * (rho_inf - 2) * rho_t));
                z[i] -= lr * m_hat * r * l;
            } else {
                z[i] -= lr * m_hat;
            }
        }
    };
}

// You et al. (2019), Algorithm 2, phi = identity, one trust ratio per parameter tensor
// (z_0..z_2 and z_3..z_4).
std::function<void(Vec&, const Vec&, int)> reference_lamb(double lr, double b1, double b2,
                                                          double eps, double wd) {
    auto m = std::make_shared<Vec>(5, 0.0);
    auto v = std::make_shared<Vec>(5, 0.0);
    return [=](Vec& z, const Vec& grad, int t) {
        Vec r(5);
        for (std::size_t i = 0; i < 5; ++i) {
            (*m)[i] = b1 * (*m)[i] + (1 - b1) * grad[i];
            (*v)[i] = b2 * (*v)[i] + (1 - b2) * grad[i] * grad[i];
            const double m_hat = (*m)[i] / (1 - std::pow(b1, t));
            const double v_hat = (*v)[i] / (1 - std::pow(b2, t));
            r[i] = m_hat / (std::sqrt(v_hat) + eps) + wd * z[i];
        }
        for (auto [begin, end] : {std::pair<std::size_t, std::size_t>{0, 3}, {3, 5}}) {
            double zn = 0, rn = 0;
            for (std::size_t i = begin; i < end; ++i) {
                zn += z[i] * z[i];
                rn += r[i] * r[i];
            }
            const double trust = zn > 0 && rn > 0 ? std::sqrt(zn) / std::sqrt(rn) : 1.0;
            for (std::size_t i = begin; i < end; ++i) {
                z[i] -= lr * trust * r[i];
            }
        }
    };
}

// Chen et al. (2023), Program 1.
std::function<void(Vec&, const Vec&, int)> reference_lion(double lr, double b1, double b2,
                                                          double wd) {
    auto m = std::make_shared<Vec>(5, 0.0);
    return [=](Vec& z, const Vec& grad, int) {
        for (std::size_t i = 0; i < 5; ++i) {
            const double c = b1 * (*m)[i] + (1 - b1) * grad[i];
            const double s = (c > 0) - (c < 0);
            z[i] = z[i] * (1 - lr * wd) - lr * s;
            (*m)[i] = b2 * (*m)[i] + (1 - b2) * grad[i];
        }
    };
}

}  // namespace

TEST_SUITE("optim adam family") {
    TEST_CASE("Adamax: 20 steps match the reference") {
        Params params;
        Adamax adamax(params.list(), AdamaxOptions(0.02).weight_decay(0.01));
        check_same(run_library(params, adamax, 20),
                   run_reference(reference_adamax(0.02, 0.9, 0.999, 1e-8, 0.01), 20));
    }

    TEST_CASE("NAdam: 20 steps match the reference") {
        Params params;
        NAdam nadam(params.list(), NAdamOptions(0.02).weight_decay(0.01).momentum_decay(4e-3));
        check_same(run_library(params, nadam, 20),
                   run_reference(reference_nadam(0.02, 0.9, 0.999, 1e-8, 0.01, 4e-3), 20));
    }

    TEST_CASE("RAdam: 20 steps match the reference, through the switch to rectified steps") {
        // With beta2 = 0.999, rho_t first exceeds 5 at step 6.
        Params params;
        RAdam radam(params.list(), RAdamOptions(0.01).weight_decay(0.01));
        check_same(run_library(params, radam, 20),
                   run_reference(reference_radam(0.01, 0.9, 0.999, 1e-8, 0.01), 20));
    }

    TEST_CASE("LAMB: 20 steps match the reference with one trust ratio per tensor") {
        Params params;
        LAMB lamb(params.list(), LAMBOptions(0.05).weight_decay(0.01));
        check_same(run_library(params, lamb, 20),
                   run_reference(reference_lamb(0.05, 0.9, 0.999, 1e-6, 0.01), 20));
        CHECK(lamb.state(0, 0).scalars.count("trust_ratio") == 1);
    }

    TEST_CASE("Lion: 20 steps match the reference") {
        Params params;
        Lion lion(params.list(), LionOptions(0.01).weight_decay(0.1));
        check_same(run_library(params, lion, 20),
                   run_reference(reference_lion(0.01, 0.9, 0.99, 0.1), 20));
    }

    TEST_CASE("Adamax, NAdam, RAdam, LAMB, Lion: converge on the quadratic-plus-quartic problem") {
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<Adamax>(p, AdamaxOptions(0.02)); },
                  3000) < 1e-3);
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<NAdam>(p, NAdamOptions(0.02)); },
                  3000) < 1e-3);
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<RAdam>(p, RAdamOptions(0.02)); },
                  3000) < 1e-3);
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<LAMB>(p, LAMBOptions(0.02)); }, 3000) <
              1e-3);
        // Lion moves every coordinate by lr per step, so it ends within about lr of 0.
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<Lion>(p, LionOptions(1e-3)); }, 3000) <
              1e-2);
    }

    TEST_CASE("NAdam: state save and restore continues the identical trajectory") {
        Params a;
        NAdam nadam_a(a.list(), NAdamOptions(0.02));
        run_library(a, nadam_a, 5);
        const OptimizerState saved = nadam_a.state_dict();
        const Vec at_save = a.values();
        const auto rest = run_library(a, nadam_a, 10);
        Params b(kFloat64, at_save);
        NAdam nadam_b(b.list(), NAdamOptions(0.02));
        nadam_b.load_state_dict(saved);
        check_same(run_library(b, nadam_b, 10), rest, 0.0);
    }

    TEST_CASE("Adam family: bad options throw with the value named") {
        Params p;
        CHECK_THROWS_WITH_AS(Adamax(p.list(), AdamaxOptions().betas({0.9, 1.0})),
                             doctest::Contains("beta2 is 1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(NAdam(p.list(), NAdamOptions().momentum_decay(-1)),
                             doctest::Contains("momentum_decay is -1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(RAdam(p.list(), RAdamOptions().eps(-1)),
                             doctest::Contains("eps is -1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(LAMB(p.list(), LAMBOptions(-0.1)), doctest::Contains("lr is -0.1"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(Lion(p.list(), LionOptions().betas({-0.1, 0.99})),
                             doctest::Contains("beta1 is -0.1"), std::invalid_argument);
    }
}
