// Golden trajectories from PyTorch 1.13 (tests/golden/optim_golden.py): the first 20 steps of
// each torch.optim optimizer on the quadratic-plus-quartic problem, in float64.
#include "golden/optim_golden.hpp"
#include "test_optim_common.hpp"

using namespace wengert;
using namespace wengert::optim;
using namespace optim_test;

namespace {

void check_golden(const std::string& name,
                  const std::function<std::unique_ptr<Optimizer>(TensorList)>& make) {
    CAPTURE(name);
    Params params;
    auto optimizer = make(params.list());
    check_same(run_library(params, *optimizer, 20), optim_golden::kTrajectories.at(name), 1e-10);
}

}  // namespace

TEST_SUITE("optim golden") {
    TEST_CASE("torch.optim trajectories are reproduced to 1e-10 relative") {
        check_golden("sgd_nesterov", [](TensorList p) {
            return std::make_unique<SGD>(
                p, SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(0.01));
        });
        check_golden("sgd_dampening", [](TensorList p) {
            return std::make_unique<SGD>(
                p, SGDOptions(0.05).momentum(0.8).dampening(0.3).weight_decay(0.02));
        });
        check_golden("adam_amsgrad", [](TensorList p) {
            return std::make_unique<Adam>(
                p, AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-6).weight_decay(0.05).amsgrad(true));
        });
        check_golden("adam_maximize", [](TensorList p) {
            return std::make_unique<Adam>(p, AdamOptions(0.01).maximize(true));
        });
        check_golden("adamw_amsgrad", [](TensorList p) {
            return std::make_unique<AdamW>(
                p, AdamWOptions(0.05).betas({0.9, 0.99}).weight_decay(0.1).amsgrad(true));
        });
        check_golden("rmsprop_centered", [](TensorList p) {
            return std::make_unique<RMSprop>(
                p, RMSpropOptions(5e-3).alpha(0.9).eps(1e-6).momentum(0.9).centered(true));
        });
        check_golden("rmsprop_maximize", [](TensorList p) {
            return std::make_unique<RMSprop>(
                p,
                RMSpropOptions(0.01).alpha(0.95).weight_decay(0.05).momentum(0.5).maximize(true));
        });
        check_golden("adagrad", [](TensorList p) {
            return std::make_unique<Adagrad>(
                p, AdagradOptions(0.1).lr_decay(0.01).weight_decay(0.02).initial_accumulator_value(
                       0.1));
        });
        check_golden("adadelta", [](TensorList p) {
            return std::make_unique<Adadelta>(p, AdadeltaOptions(1.0).rho(0.9).weight_decay(0.01));
        });
        check_golden("adamax", [](TensorList p) {
            return std::make_unique<Adamax>(p, AdamaxOptions(0.02).weight_decay(0.01));
        });
        check_golden("radam", [](TensorList p) {
            return std::make_unique<RAdam>(p, RAdamOptions(0.01).weight_decay(0.01));
        });
    }
}
