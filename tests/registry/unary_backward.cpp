// Registry entries: the fused backward kernels of ops/unary.cpp, recorded as ops of their
// own so that create_graph can differentiate them.
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

void register_unary_backward(std::vector<OpEntry>& r) {
    // y = tanh(x) lies in (-1, 1); the unit interval keeps it there.
    r.push_back({"tanh_backward",
                 [](const TensorList& x) { return detail::tanh_backward(x[0], x[1]); },
                 {sample("(3,4)", {{3, 4}, {3, 4}}, Domain::unit_interval),
                  sample("scalar", {{}, {}}, Domain::unit_interval)}});
}

}  // namespace

WENGERT_REGISTER_OPS(register_unary_backward);

}  // namespace wengert::testing
