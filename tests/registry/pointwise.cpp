// Registry entries: elementwise functions, comparisons with where, lerp.
#include <limits>

#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

std::vector<Sample> unary_samples(Domain domain) {
    return {sample("(3,4)", {{3, 4}}, domain), sample("scalar", {{}}, domain),
            sample("(2,1,3)", {{2, 1, 3}}, domain)};
}

std::vector<Sample> binary_samples() {
    return {sample("same shape", {{3, 4}, {3, 4}}), sample("(3,4) with (4)", {{3, 4}, {4}}),
            sample("(2,1,4) with (3,1)", {{2, 1, 4}, {3, 1}}), sample("scalar rhs", {{2, 3}, {}})};
}

std::vector<Sample> tie_samples() {
    return {// Equal operands: the central difference of max(a, b) at a == b is 1/2 for each,
            // which is PyTorch's split of the gradient.
            Sample{"ties", [](Generator& g) {
                       Tensor a = sample_tensor({2, 3}, Domain::any, g);
                       return TensorList{a, a.detach().clone().requires_grad_()};
                   }}};
}

void register_pointwise(std::vector<OpEntry>& r) {
    using L = const TensorList&;
    r.push_back({"abs", [](L x) { return abs(x[0]); }, unary_samples(Domain::away_from_zero)});
    r.push_back(
        {"clamp both", [](L x) { return clamp(x[0], -0.5, 0.7); }, unary_samples(Domain::any)});
    r.push_back(
        {"clamp_min", [](L x) { return clamp_min(x[0], 0.1); }, unary_samples(Domain::any)});
    r.push_back(
        {"clamp_max", [](L x) { return clamp_max(x[0], -0.2); }, unary_samples(Domain::any)});
    r.push_back({"maximum", [](L x) { return maximum(x[0], x[1]); }, binary_samples()});
    r.push_back({"minimum", [](L x) { return minimum(x[0], x[1]); }, binary_samples()});
    // At a tie the gradient's weights jump, so only the first order is checked there.
    r.push_back({"maximum ties", [](L x) { return maximum(x[0], x[1]); }, tie_samples(),
                 /*second_order=*/false});
    r.push_back({"minimum ties", [](L x) { return minimum(x[0], x[1]); }, tie_samples(),
                 /*second_order=*/false});
    r.push_back({"leaky_relu", [](L x) { return leaky_relu(x[0]); },
                 unary_samples(Domain::away_from_zero)});
    r.push_back({"leaky_relu 0.2", [](L x) { return leaky_relu(x[0], 0.2); },
                 unary_samples(Domain::away_from_zero)});
    r.push_back({"elu", [](L x) { return elu(x[0]); }, unary_samples(Domain::away_from_zero)});
    r.push_back({"elu alpha 1.5", [](L x) { return elu(x[0], 1.5); },
                 unary_samples(Domain::away_from_zero)});
    r.push_back({"erf", [](L x) { return erf(x[0]); }, unary_samples(Domain::any)});
    r.push_back({"gelu", [](L x) { return gelu(x[0]); }, unary_samples(Domain::any)});
    r.push_back({"gelu tanh", [](L x) { return gelu(x[0], "tanh"); }, unary_samples(Domain::any)});
    r.push_back({"silu", [](L x) { return silu(x[0]); }, unary_samples(Domain::any)});
    r.push_back({"softplus", [](L x) { return softplus(x[0]); }, unary_samples(Domain::any)});
    // beta 2, threshold 1: inputs above 0.5 take the linear branch.
    r.push_back(
        {"softplus beta 2 threshold 1",
         [](L x) { return softplus(x[0], 2.0, 1.0); },
         {Sample{
             "both branches", [](Generator&) {
                 return TensorList{
                     tensor({-1.5, -0.2, 0.1, 0.3, 0.8, 2.0}, {2, 3}, kFloat64).requires_grad_()};
             }}}});
    r.push_back({"sin", [](L x) { return sin(x[0]); }, unary_samples(Domain::any)});
    r.push_back({"cos", [](L x) { return cos(x[0]); }, unary_samples(Domain::any)});
    r.push_back({"log1p", [](L x) { return log1p(x[0]); }, unary_samples(Domain::positive)});
    r.push_back({"expm1", [](L x) { return expm1(x[0]); }, unary_samples(Domain::any)});
    r.push_back({"rsqrt", [](L x) { return rsqrt(x[0]); }, unary_samples(Domain::positive)});
    r.push_back({"reciprocal", [](L x) { return reciprocal(x[0]); },
                 unary_samples(Domain::away_from_zero)});
    r.push_back({"square", [](L x) { return square(x[0]); }, unary_samples(Domain::any)});
    r.push_back({"sign times x", [](L x) { return mul(sign(x[0]), x[0]); },
                 unary_samples(Domain::away_from_zero)});
    r.push_back({"sign", [](L x) { return sign(x[0]); }, unary_samples(Domain::away_from_zero)});
    r.push_back({"where with a 0/1 condition",
                 [](L x) { return where(x[0], x[1], x[2]); },
                 {Sample{"(3,4) all same",
                         [](Generator& g) {
                             Tensor c = gt(sample_tensor({3, 4}, Domain::any, g, false), 0.0);
                             return TensorList{c, sample_tensor({3, 4}, Domain::any, g),
                                               sample_tensor({3, 4}, Domain::any, g)};
                         }},
                  Sample{"condition (3,1), a (4), b scalar",
                         [](Generator& g) {
                             Tensor c = tensor({1, 0, 1}, {3, 1}, kFloat64);
                             return TensorList{c, sample_tensor({4}, Domain::any, g),
                                               sample_tensor({}, Domain::any, g)};
                         }},
                  Sample{"condition (2,1,3), a (2,3), b (2,1,1)", [](Generator& g) {
                             Tensor c = tensor({0, 1, 1, 1, 0, 0}, {2, 1, 3}, kFloat64);
                             return TensorList{c, sample_tensor({2, 3}, Domain::any, g),
                                               sample_tensor({2, 1, 1}, Domain::any, g)};
                         }}}});
    r.push_back({"where with an int64 condition",
                 [](L x) { return where(x[0].to(kInt64), x[1], x[2]); },
                 {Sample{"condition (3), a (2,3), b (3)", [](Generator& g) {
                             Tensor c = tensor({0, 2, -1}, {3}, kFloat64);
                             return TensorList{c, sample_tensor({2, 3}, Domain::any, g),
                                               sample_tensor({3}, Domain::any, g)};
                         }}}});
    r.push_back({"where with a comparison",
                 [](L x) { return where(gt(x[0], 0.0), x[0], mul(x[0], 0.1)); },
                 unary_samples(Domain::away_from_zero)});
    r.push_back({"comparisons of tensors feed where",
                 [](L x) { return where(le(x[0], x[1]), square(x[0]), x[1]); },
                 {sample("(3,4) with (4)", {{3, 4}, {4}})}});
    r.push_back({"lerp tensor weight",
                 [](L x) { return lerp(x[0], x[1], x[2]); },
                 {sample("same shape", {{3, 4}, {3, 4}, {3, 4}}),
                  sample("broadcast (2,1,4), (3,1), (4)", {{2, 1, 4}, {3, 1}, {4}}),
                  sample("scalar weight tensor", {{2, 3}, {2, 3}, {}})}});
    r.push_back(
        {"lerp scalar weight",
         [](L x) { return lerp(x[0], x[1], 0.3); },
         {sample("same shape", {{3, 4}, {3, 4}}), sample("(3,4) with (4)", {{3, 4}, {4}})}});
}

}  // namespace

WENGERT_REGISTER_OPS(register_pointwise);

}  // namespace wengert::testing
