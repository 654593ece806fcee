// SGD against its published update rule, and the behaviour every optimizer shares through
// the Optimizer base: parameter groups, zero_grad, state save and restore, validation.
#include <wengert/autograd/tensor_impl.hpp>

#include "test_optim_common.hpp"

using namespace wengert;
using namespace wengert::optim;
using namespace optim_test;

namespace {

// Reference SGD written from Sutskever et al. (2013) in PyTorch's form: the buffer starts at
// the first (decayed) gradient.
std::function<void(Vec&, const Vec&, int)> reference_sgd(double lr, double momentum,
                                                         double dampening, double wd, bool nesterov,
                                                         bool maximize) {
    auto buf = std::make_shared<Vec>();
    return [=](Vec& z, const Vec& grad, int t) {
        if (buf->empty()) {
            buf->assign(z.size(), 0.0);
        }
        for (std::size_t i = 0; i < z.size(); ++i) {
            double d = (maximize ? -grad[i] : grad[i]) + wd * z[i];
            if (momentum != 0.0) {
                (*buf)[i] = t == 1 ? d : momentum * (*buf)[i] + (1 - dampening) * d;
                d = nesterov ? d + momentum * (*buf)[i] : (*buf)[i];
            }
            z[i] -= lr * d;
        }
    };
}

}  // namespace

TEST_SUITE("optim sgd") {
    TEST_CASE("SGD: 20 steps match the reference update for every option combination") {
        struct Case {
            double lr, momentum, dampening, wd;
            bool nesterov, maximize;
        };
        const std::vector<Case> cases = {{0.05, 0.0, 0.0, 0.0, false, false},
                                         {0.05, 0.9, 0.0, 0.0, false, false},
                                         {0.05, 0.9, 0.0, 0.01, true, false},
                                         {0.05, 0.8, 0.3, 0.02, false, false},
                                         {0.02, 0.5, 0.0, 0.0, false, true}};
        for (const auto& c : cases) {
            CAPTURE(c.momentum);
            CAPTURE(c.nesterov);
            CAPTURE(c.maximize);
            Params params;
            SGD sgd(params.list(), SGDOptions(c.lr)
                                       .momentum(c.momentum)
                                       .dampening(c.dampening)
                                       .weight_decay(c.wd)
                                       .nesterov(c.nesterov)
                                       .maximize(c.maximize));
            check_same(run_library(params, sgd, 20),
                       run_reference(reference_sgd(c.lr, c.momentum, c.dampening, c.wd, c.nesterov,
                                                   c.maximize),
                                     20));
        }
    }

    TEST_CASE("SGD: converges on the quadratic-plus-quartic problem") {
        CHECK(final_distance(
                  [](TensorList p) {
                      return std::make_unique<SGD>(p, SGDOptions(0.1).momentum(0.9));
                  },
                  500) < 1e-6);
        CHECK(final_distance(
                  [](TensorList p) {
                      return std::make_unique<SGD>(p, SGDOptions(0.1).momentum(0.9).nesterov(true));
                  },
                  500) < 1e-6);
    }

    TEST_CASE("SGD: converges on Rosenbrock with gradients from the tape") {
        Tensor w = tensor({-1.5, 2.0}, {2}, kFloat64).requires_grad_();
        SGD sgd({w}, SGDOptions(1e-4).momentum(0.9));
        const Tensor e0 = tensor({1.0, 0.0}, {2}, kFloat64);
        const Tensor e1 = tensor({0.0, 1.0}, {2}, kFloat64);
        for (int s = 0; s < 20000; ++s) {
            sgd.zero_grad();
            const Tensor x = sum(w * e0);
            const Tensor y = sum(w * e1);
            const Tensor loss = pow(1.0 - x, 2.0) + 100.0 * pow(y - x * x, 2.0);
            loss.backward();
            sgd.step();
        }
        const Vec v = w.to_vector();
        CHECK(v[0] == doctest::Approx(1.0).epsilon(1e-3));
        CHECK(v[1] == doctest::Approx(1.0).epsilon(1e-3));
    }

    TEST_CASE("SGD: float32 parameters follow the float64 trajectory closely") {
        Params p64;
        Params p32(kFloat32);
        SGD a(p64.list(), SGDOptions(0.05).momentum(0.9));
        SGD b(p32.list(), SGDOptions(0.05).momentum(0.9));
        const auto t64 = run_library(p64, a, 20);
        const auto t32 = run_library(p32, b, 20);
        CHECK(p32.x.dtype() == kFloat32);
        check_same(t32, t64, 1e-4);
    }

    TEST_CASE("parameter groups: each group steps with its own lr and momentum") {
        Params params;
        SGD sgd({ParamGroup({params.x}), ParamGroup({params.y}, SGDOptions(0.01).momentum(0.5))},
                SGDOptions(0.1));
        REQUIRE(sgd.param_groups().size() == 2);
        CHECK(sgd.lr(0) == 0.1);
        CHECK(sgd.lr(1) == 0.01);
        CHECK(sgd.param_groups()[1].options->get("momentum") == 0.5);

        Vec z = kStart;
        params.set_gradients();
        const Vec g = gradient(z);
        sgd.step();
        const Vec got = params.values();
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(got[i] == doctest::Approx(z[i] - 0.1 * g[i]).epsilon(1e-14));
        }
        for (std::size_t i = 3; i < 5; ++i) {
            CHECK(got[i] == doctest::Approx(z[i] - 0.01 * g[i]).epsilon(1e-14));
        }
        CHECK(sgd.state(1, 0).buffers.count("momentum_buffer") == 1);
        CHECK(sgd.state(0, 0).buffers.count("momentum_buffer") == 0);

        sgd.set_lr(1, 0.2);
        CHECK(sgd.lr(1) == 0.2);
        sgd.set_lr(0.3);
        CHECK(sgd.lr(0) == 0.3);
        CHECK(sgd.lr(1) == 0.3);
        CHECK_THROWS_WITH_AS(sgd.lr(2), doctest::Contains("group 2"), std::out_of_range);
    }

    TEST_CASE("zero_grad: clears or zeroes the gradients; parameters without one are skipped") {
        Params params;
        SGD sgd(params.list(), SGDOptions(0.1));
        params.set_gradients();
        sgd.zero_grad(false);
        CHECK(params.x.grad().to_vector() == Vec(3, 0.0));
        sgd.zero_grad();
        CHECK_FALSE(params.x.grad().defined());
        const Vec before = params.values();
        sgd.step();
        CHECK(params.values() == before);
    }

    TEST_CASE("state_dict: restoring mid-run continues the identical trajectory") {
        Params a;
        SGD sgd_a(a.list(), SGDOptions(0.05).momentum(0.9).weight_decay(0.01));
        run_library(a, sgd_a, 7);
        const OptimizerState saved = sgd_a.state_dict();
        const Vec at_save = a.values();
        const auto rest_a = run_library(a, sgd_a, 13);

        // A fresh optimizer (other lr) on parameters copied at the save point.
        Params b(kFloat64, at_save);
        SGD sgd_b(b.list(), SGDOptions(0.5));
        sgd_b.load_state_dict(saved);
        CHECK(sgd_b.lr() == 0.05);
        CHECK(sgd_b.state(0, 0).step == 7);
        check_same(run_library(b, sgd_b, 13), rest_a, 0.0);

        // The saved state is a copy: later steps did not change it.
        CHECK(saved.state.size() == 2);
        CHECK(saved.state[0].step == 7);
    }

    TEST_CASE("load_state_dict: a mismatched state throws and changes nothing") {
        Params a;
        SGD sgd(a.list(), SGDOptions(0.05).momentum(0.9));
        run_library(a, sgd, 2);
        OptimizerState state = sgd.state_dict();
        Params other;
        SGD two_groups({ParamGroup({other.x}), ParamGroup({other.y})}, SGDOptions(0.1));
        CHECK_THROWS_WITH_AS(two_groups.load_state_dict(state),
                             doctest::Contains("1 parameter groups, the optimizer 2"),
                             std::invalid_argument);
        state.state[0].buffers["momentum_buffer"] = zeros({4}, kFloat64);
        CHECK_THROWS_WITH_AS(sgd.load_state_dict(state), doctest::Contains("(3)"),
                             std::invalid_argument);
        CHECK(sgd.state(0, 0).buffers.at("momentum_buffer").numel() == 3);
    }

    TEST_CASE("SGD: bad options throw with the value named") {
        Params p;
        CHECK_THROWS_WITH_AS(SGD(p.list(), SGDOptions(-0.1)), doctest::Contains("lr is -0.1"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(SGD(p.list(), SGDOptions(0.1).momentum(-0.5)),
                             doctest::Contains("momentum is -0.5"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(SGD(p.list(), SGDOptions(0.1).weight_decay(-1)),
                             doctest::Contains("weight_decay is -1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(SGD(p.list(), SGDOptions(0.1).nesterov(true)),
                             doctest::Contains("momentum is 0"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(
            SGD(p.list(), SGDOptions(0.1).nesterov(true).momentum(0.9).dampening(0.1)),
            doctest::Contains("dampening is 0.1"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(
            SGD({ParamGroup({p.x}), ParamGroup({p.y}, SGDOptions(-2.0))}, SGDOptions(0.1)),
            doctest::Contains("lr is -2"), std::invalid_argument);
    }

    TEST_CASE("parameter checks: duplicates, non-leaves, other optimizers' options") {
        Params p;
        CHECK_THROWS_WITH_AS(SGD({p.x, p.x}, SGDOptions(0.1)), doctest::Contains("more than once"),
                             std::invalid_argument);
        const Tensor computed = p.x * 2.0;
        CHECK_THROWS_WITH_AS(SGD({computed}, SGDOptions(0.1)), doctest::Contains("non-leaf"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(SGD({ParamGroup({p.x}, AdamOptions(0.1))}, SGDOptions(0.1)),
                             doctest::Contains("options of Adam; expected options of SGD"),
                             std::invalid_argument);
        SGD sgd(p.list(), SGDOptions(0.1));
        CHECK_THROWS_WITH_AS(sgd.defaults().get("betas"), doctest::Contains("'betas'"),
                             std::out_of_range);
    }

    TEST_CASE("step: a gradient of another dtype or shape throws naming both") {
        Tensor w = zeros({3}, kFloat64).requires_grad_();
        SGD sgd({w}, SGDOptions(0.1));
        w.impl()->grad = zeros({3}, kFloat32);
        CHECK_THROWS_WITH_AS(sgd.step(), doctest::Contains("float32"), DtypeError);
        w.impl()->grad = zeros({2}, kFloat64);
        CHECK_THROWS_WITH_AS(sgd.step(), doctest::Contains("(2)"), ShapeError);
    }

    TEST_CASE("step(closure): evaluates with grad enabled and returns the loss") {
        Tensor w = tensor({2.0}, {1}, kFloat64).requires_grad_();
        SGD sgd({w}, SGDOptions(0.25));
        NoGradGuard outside;
        const double loss = sgd.step([&] {
            sgd.zero_grad();
            Tensor l = sum(w * w);
            l.backward();
            return l.item();
        });
        CHECK(loss == 4.0);
        CHECK(w.to_vector()[0] == doctest::Approx(1.0));
    }

    TEST_CASE("a user optimizer overrides one method") {
        // Sign descent: p <- p - lr * sign(grad), with a per-parameter step counter.
        class SignOptions : public OptimizerOptions {
        public:
            explicit SignOptions(double lr) : lr_(lr) {}
            std::unique_ptr<OptimizerOptions> clone() const override {
                return std::make_unique<SignOptions>(*this);
            }
            std::string_view optimizer_name() const override { return "Sign"; }
            std::vector<OptionField> fields() override { return {{"lr", &lr_}}; }
            void validate() const override {}
            WENGERT_OPTION(double, lr);
        };
        class Sign : public Optimizer {
        public:
            Sign(TensorList params, double lr)
                : Optimizer({ParamGroup(std::move(params))}, SignOptions(lr).clone()) {}

        protected:
            void update(Tensor& param, const Tensor& grad, ParamState&,
                        const OptimizerOptions& options) override {
                double* p = param.data_ptr<double>();
                const double* g = grad.data_ptr<double>();
                for (std::size_t i = 0; i < param.numel(); ++i) {
                    p[i] -= options.get("lr") * (g[i] > 0 ? 1.0 : -1.0);
                }
            }
        };
        Params params;
        Sign sign(params.list(), 0.5);
        params.set_gradients();
        sign.step();
        CHECK(params.values()[0] == doctest::Approx(0.7));
        CHECK(sign.state(0, 0).step == 1);
    }
}
