// Registry entries: softmax and log_softmax.
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

void register_softmax(std::vector<OpEntry>& r) {
    auto samples = [] {
        return std::vector<Sample>{sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}}),
                                   sample("(5)", {{5}}), sample("(4,1)", {{4, 1}})};
    };
    r.push_back(
        {"softmax axis -1", [](const TensorList& x) { return softmax(x[0], -1); }, samples()});
    r.push_back(
        {"softmax axis 0", [](const TensorList& x) { return softmax(x[0], 0); }, samples()});
    r.push_back({"softmax axis 1",
                 [](const TensorList& x) { return softmax(x[0], 1); },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"log_softmax axis -1", [](const TensorList& x) { return log_softmax(x[0], -1); },
                 samples()});
    r.push_back({"log_softmax axis 0", [](const TensorList& x) { return log_softmax(x[0], 0); },
                 samples()});
    r.push_back({"log_softmax axis 1",
                 [](const TensorList& x) { return log_softmax(x[0], 1); },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    // Large, spread logits: the shifted forms must still differentiate correctly.
    r.push_back({"log_softmax of logits near 100",
                 [](const TensorList& x) { return log_softmax(mul(x[0], 100.0), -1); },
                 {sample("(2,3)", {{2, 3}})},
                 /*second_order=*/true,
                 /*atol=*/1e-4});
}

}  // namespace

WENGERT_REGISTER_OPS(register_softmax);

}  // namespace wengert::testing
