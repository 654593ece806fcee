// Registry entries: reductions (the shape ops are in shape_indexing.cpp).
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

void register_reduction_and_shape(std::vector<OpEntry>& r) {
    r.push_back({"sum all", [](const TensorList& x) { return sum(x[0]); },
                 {sample("(3,4)", {{3, 4}}), sample("scalar", {{}})}});
    r.push_back({"sum axis 0", [](const TensorList& x) { return sum(x[0], {0}); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"sum axis -1 keepdim", [](const TensorList& x) { return sum(x[0], {-1}, true); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"sum axes 0,2", [](const TensorList& x) { return sum(x[0], {0, 2}); },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"mean all", [](const TensorList& x) { return mean(x[0]); },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back({"mean axis 1 keepdim", [](const TensorList& x) { return mean(x[0], {1}, true); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
}

}  // namespace

WENGERT_REGISTER_OPS(register_reduction_and_shape);

}  // namespace wengert::testing
