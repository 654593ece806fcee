// Every optimizer on float32 parameters: state buffers take the parameter's dtype, and 20
// steps follow the float64 trajectory to float32 precision.
#include "test_optim_common.hpp"

using namespace wengert;
using namespace wengert::optim;
using namespace optim_test;

TEST_SUITE("optim float32") {
    TEST_CASE("float32 trajectories follow float64 ones for every optimizer") {
        using Make = std::function<std::unique_ptr<Optimizer>(TensorList)>;
        const std::vector<std::pair<const char*, Make>> makers = {
            {"SGD",
             [](TensorList p) {
                 return std::make_unique<SGD>(p, SGDOptions(0.05).momentum(0.9).nesterov(true));
             }},
            {"Adam",
             [](TensorList p) {
                 return std::make_unique<Adam>(p, AdamOptions(0.01).amsgrad(true));
             }},
            {"AdamW", [](TensorList p) { return std::make_unique<AdamW>(p, AdamWOptions(0.01)); }},
            {"RMSprop",
             [](TensorList p) {
                 return std::make_unique<RMSprop>(
                     p, RMSpropOptions(0.01).centered(true).momentum(0.5));
             }},
            {"Adagrad",
             [](TensorList p) { return std::make_unique<Adagrad>(p, AdagradOptions(0.1)); }},
            {"Adadelta", [](TensorList p) { return std::make_unique<Adadelta>(p); }},
            {"Adamax", [](TensorList p) { return std::make_unique<Adamax>(p); }},
            {"NAdam", [](TensorList p) { return std::make_unique<NAdam>(p); }},
            {"RAdam", [](TensorList p) { return std::make_unique<RAdam>(p); }},
            {"LAMB", [](TensorList p) { return std::make_unique<LAMB>(p, LAMBOptions(0.01)); }},
            {"Lion", [](TensorList p) { return std::make_unique<Lion>(p, LionOptions(0.01)); }},
        };
        for (const auto& [name, make] : makers) {
            CAPTURE(name);
            Params p64;
            Params p32(kFloat32);
            auto a = make(p64.list());
            auto b = make(p32.list());
            const auto t64 = run_library(p64, *a, 20);
            const auto t32 = run_library(p32, *b, 20);
            CHECK(p32.x.dtype() == kFloat32);
            for (const auto& [key, buffer] : b->state(0, 0).buffers) {
                CAPTURE(key);
                CHECK(buffer.dtype() == kFloat32);
            }
            check_same(t32, t64, 2e-4);
        }
    }
}
