// Registry entries: linear, dropout, embedding, attention, and the normalisation layers.
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

void register_linear(std::vector<OpEntry>& r) {
    r.push_back({"linear",
                 [](const TensorList& x) { return linear(x[0], x[1], x[2]); },
                 {sample("(4,3) with bias", {{4, 3}, {2, 3}, {2}}),
                  sample("1-D input", {{3}, {2, 3}, {2}}),
                  sample("batched (2,3,4)", {{2, 3, 4}, {5, 4}, {5}})}});
    r.push_back({"linear without bias",
                 [](const TensorList& x) { return linear(x[0], x[1]); },
                 {sample("(4,3)", {{4, 3}, {2, 3}}), sample("1-D input", {{3}, {2, 3}}),
                  sample("batched (2,1,3)", {{2, 1, 3}, {4, 3}})}});
    // A step of 1e-6 crosses the relu kink only for a pre-activation within about 1e-6 of
    // zero, which none of these seeded samples has.
    r.push_back({"linear_relu",
                 [](const TensorList& x) { return linear_relu(x[0], x[1], x[2]); },
                 {sample("(4,3)", {{4, 3}, {2, 3}, {2}}), sample("1-D", {{3}, {2, 3}, {2}})},
                 /*second_order=*/true});
}

}  // namespace

WENGERT_REGISTER_OPS(register_linear);

}  // namespace wengert::testing
