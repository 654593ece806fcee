// Registry entries: arithmetic, elementwise functions, matmul, dtype conversion.
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

// The broadcasting pairs every binary op is checked on.
std::vector<Sample> binary_samples(Domain rhs_domain = Domain::any) {
    auto pair = [rhs_domain](std::string label, Shape a, Shape b) {
        return Sample{std::move(label), [a, b, rhs_domain](Generator& g) {
                          return TensorList{sample_tensor(a, Domain::any, g),
                                            sample_tensor(b, rhs_domain, g)};
                      }};
    };
    return {pair("same shape", {3, 4}, {3, 4}), pair("(3,4) with (4)", {3, 4}, {4}),
            pair("(2,1,4) with (3,1)", {2, 1, 4}, {3, 1}), pair("scalar rhs", {2, 3}, {}),
            pair("(4) with (3,4)", {4}, {3, 4})};
}

}  // namespace

namespace {

void register_arithmetic(std::vector<OpEntry>& r) {
    auto unary = [](Domain domain) {
        return std::vector<Sample>{sample("(3,4)", {{3, 4}}, domain),
                                   sample("scalar", {{}}, domain),
                                   sample("(2,1,3)", {{2, 1, 3}}, domain)};
    };
    r.push_back({"add", [](const TensorList& x) { return add(x[0], x[1]); }, binary_samples()});
    r.push_back({"sub", [](const TensorList& x) { return sub(x[0], x[1]); }, binary_samples()});
    r.push_back({"mul", [](const TensorList& x) { return mul(x[0], x[1]); }, binary_samples()});
    r.push_back({"div", [](const TensorList& x) { return div(x[0], x[1]); },
                 binary_samples(Domain::away_from_zero)});
    r.push_back({"neg", [](const TensorList& x) { return neg(x[0]); }, unary(Domain::any)});
    r.push_back(
        {"add_scalar", [](const TensorList& x) { return add(x[0], 2.5); }, unary(Domain::any)});
    r.push_back(
        {"sub_scalar", [](const TensorList& x) { return sub(1.5, x[0]); }, unary(Domain::any)});
    r.push_back(
        {"mul_scalar", [](const TensorList& x) { return mul(x[0], -3.0); }, unary(Domain::any)});
    r.push_back({"div_scalar", [](const TensorList& x) { return div(2.0, x[0]); },
                 unary(Domain::away_from_zero)});
    r.push_back({"pow 3", [](const TensorList& x) { return pow(x[0], 3.0); }, unary(Domain::any)});
    r.push_back(
        {"pow -1.5", [](const TensorList& x) { return pow(x[0], -1.5); }, unary(Domain::positive)});
    r.push_back({"exp", [](const TensorList& x) { return exp(x[0]); }, unary(Domain::any)});
    r.push_back({"log", [](const TensorList& x) { return log(x[0]); }, unary(Domain::positive)});
    r.push_back({"sqrt", [](const TensorList& x) { return sqrt(x[0]); }, unary(Domain::positive)});
    r.push_back({"tanh", [](const TensorList& x) { return tanh(x[0]); }, unary(Domain::any)});
    r.push_back({"sigmoid", [](const TensorList& x) { return sigmoid(x[0]); }, unary(Domain::any)});
    r.push_back(
        {"relu", [](const TensorList& x) { return relu(x[0]); }, unary(Domain::away_from_zero)});
    r.push_back(
        {"matmul",
         [](const TensorList& x) { return matmul(x[0], x[1]); },
         {sample("2-D", {{3, 4}, {4, 5}}), sample("batched", {{2, 3, 4}, {2, 4, 2}}),
          sample("broadcast batch", {{2, 1, 3, 4}, {3, 4, 2}}),
          sample("batch with matrix", {{2, 3, 4}, {4, 2}}),
          sample("matrix with batch", {{3, 4}, {2, 4, 2}}), sample("vector-matrix", {{4}, {4, 3}}),
          sample("matrix-vector", {{3, 4}, {4}}), sample("dot", {{4}, {4}})}});
    r.push_back({"gemm transposed",
                 [](const TensorList& x) { return detail::gemm(x[0], x[1], true, true); },
                 {sample("2-D", {{4, 3}, {5, 4}}), sample("batched", {{2, 4, 3}, {2, 5, 4}})}});
    r.push_back({"gemm transpose rhs",
                 [](const TensorList& x) { return detail::gemm(x[0], x[1], false, true); },
                 {sample("batch with matrix", {{2, 3, 4}, {5, 4}})}});
    r.push_back({"to float32 and back",
                 [](const TensorList& x) { return mul(x[0].to(kFloat32), 2.0).to(kFloat64); },
                 {sample("(3)", {{3}})},
                 /*second_order=*/true,
                 /*atol=*/1e-3,
                 /*rtol=*/1e-2,
                 /*eps=*/1e-2});
    // A tensor used twice makes the engine sum two gradients (add_gradients), which
    // create_graph must keep differentiable.
    r.push_back({"fan-out x * tanh(x)",
                 [](const TensorList& x) { return mul(x[0], tanh(x[0])); },
                 {sample("(2,3)", {{2, 3}})}});
}

}  // namespace

WENGERT_REGISTER_OPS(register_arithmetic);

}  // namespace wengert::testing
