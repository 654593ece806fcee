// Adam and AdamW against the update rules of Kingma and Ba (2015), Reddi et al. (2018) and
// Loshchilov and Hutter (2019), written out independently here.
#include "test_optim_common.hpp"

using namespace wengert;
using namespace wengert::optim;
using namespace optim_test;

namespace {

struct AdamRef {
    double lr, beta1, beta2, eps, wd;
    bool amsgrad, maximize, decoupled;
};

std::function<void(Vec&, const Vec&, int)> reference_adam(AdamRef c) {
    auto m = std::make_shared<Vec>(5, 0.0);
    auto v = std::make_shared<Vec>(5, 0.0);
    auto v_max = std::make_shared<Vec>(5, 0.0);
    return [=](Vec& z, const Vec& grad, int t) {
        for (std::size_t i = 0; i < z.size(); ++i) {
            double g = c.maximize ? -grad[i] : grad[i];
            if (c.decoupled) {
                z[i] *= 1 - c.lr * c.wd;
            } else {
                g += c.wd * z[i];
            }
            (*m)[i] = c.beta1 * (*m)[i] + (1 - c.beta1) * g;
            (*v)[i] = c.beta2 * (*v)[i] + (1 - c.beta2) * g * g;
            const double m_hat = (*m)[i] / (1 - std::pow(c.beta1, t));
            (*v_max)[i] = std::max((*v_max)[i], (*v)[i]);
            const double v_hat = (c.amsgrad ? (*v_max)[i] : (*v)[i]) / (1 - std::pow(c.beta2, t));
            z[i] -= c.lr * m_hat / (std::sqrt(v_hat) + c.eps);
        }
    };
}

}  // namespace

TEST_SUITE("optim adam") {
    TEST_CASE("Adam: 20 steps match the reference update") {
        const std::vector<AdamRef> cases = {{1e-2, 0.9, 0.999, 1e-8, 0.0, false, false, false},
                                            {5e-2, 0.8, 0.99, 1e-6, 0.05, true, false, false},
                                            {1e-2, 0.9, 0.999, 1e-8, 0.0, false, true, false}};
        for (const auto& c : cases) {
            CAPTURE(c.amsgrad);
            CAPTURE(c.maximize);
            Params params;
            Adam adam(params.list(), AdamOptions(c.lr)
                                         .betas({c.beta1, c.beta2})
                                         .eps(c.eps)
                                         .weight_decay(c.wd)
                                         .amsgrad(c.amsgrad)
                                         .maximize(c.maximize));
            check_same(run_library(params, adam, 20), run_reference(reference_adam(c), 20));
        }
    }

    TEST_CASE("AdamW: 20 steps match the reference update with decoupled decay") {
        const std::vector<AdamRef> cases = {{1e-2, 0.9, 0.999, 1e-8, 1e-2, false, false, true},
                                            {5e-2, 0.9, 0.99, 1e-8, 0.1, true, false, true}};
        for (const auto& c : cases) {
            Params params;
            AdamW adamw(
                params.list(),
                AdamWOptions(c.lr).betas({c.beta1, c.beta2}).weight_decay(c.wd).amsgrad(c.amsgrad));
            check_same(run_library(params, adamw, 20), run_reference(reference_adam(c), 20));
        }
    }

    TEST_CASE("AdamW: defaults are PyTorch's") {
        const AdamWOptions o;
        CHECK(o.lr() == 1e-3);
        CHECK(o.weight_decay() == 1e-2);
        CHECK(o.betas() == std::array<double, 2>{0.9, 0.999});
        CHECK(AdamOptions().weight_decay() == 0.0);
        CHECK(AdamOptions().eps() == 1e-8);
    }

    TEST_CASE("Adam and AdamW: converge on the quadratic-plus-quartic problem") {
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<Adam>(p, AdamOptions(0.02)); }, 3000) <
              1e-3);
        CHECK(final_distance(
                  [](TensorList p) {
                      return std::make_unique<Adam>(p, AdamOptions(0.02).amsgrad(true));
                  },
                  3000) < 1e-3);
        CHECK(final_distance(
                  [](TensorList p) { return std::make_unique<AdamW>(p, AdamWOptions(0.02)); },
                  3000) < 1e-3);
    }

    TEST_CASE("Adam: state save and restore mid-run continues the identical trajectory") {
        Params a;
        Adam adam_a(a.list(), AdamOptions(0.01).amsgrad(true));
        run_library(a, adam_a, 9);
        const OptimizerState saved = adam_a.state_dict();
        const Vec at_save = a.values();
        const auto rest = run_library(a, adam_a, 11);

        Params b(kFloat64, at_save);
        Adam adam_b(b.list(), AdamOptions());
        adam_b.load_state_dict(saved);
        CHECK(adam_b.defaults().get("amsgrad") == 0.0);
        CHECK(adam_b.param_groups()[0].options->get("amsgrad") == 1.0);
        check_same(run_library(b, adam_b, 11), rest, 0.0);
    }

    TEST_CASE("Adam: no allocation after the first step: buffers keep their storage") {
        Params p;
        Adam adam(p.list(), AdamOptions(0.01));
        p.set_gradients();
        adam.step();
        const double* m = adam.state(0, 0).buffers.at("exp_avg").data_ptr<double>();
        for (int s = 0; s < 5; ++s) {
            p.set_gradients();
            adam.step();
        }
        CHECK(adam.state(0, 0).buffers.at("exp_avg").data_ptr<double>() == m);
        CHECK(adam.state(0, 0).step == 6);
    }

    TEST_CASE("Adam: bad options throw with the value named") {
        Params p;
        CHECK_THROWS_WITH_AS(Adam(p.list(), AdamOptions(-1e-3)), doctest::Contains("lr is -0.001"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(Adam(p.list(), AdamOptions().betas({1.0, 0.999})),
                             doctest::Contains("beta1 is 1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(Adam(p.list(), AdamOptions().betas({0.9, -0.1})),
                             doctest::Contains("beta2 is -0.1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(Adam(p.list(), AdamOptions().eps(-1e-8)),
                             doctest::Contains("eps is -1e-08"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(AdamW(p.list(), AdamWOptions().weight_decay(-0.5)),
                             doctest::Contains("weight_decay is -0.5"), std::invalid_argument);
    }
}
