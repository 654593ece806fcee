// Registry entries: extremes, logsumexp, var/std, prod, norm, cumsum.
#include <limits>

#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

Sample fixed(std::string label, std::vector<double> values, Shape shape) {
    return {std::move(label), [values, shape](Generator&) {
                return TensorList{tensor(values, shape, kFloat64).requires_grad_()};
            }};
}

void register_reduction(std::vector<OpEntry>& r) {
    using L = const TensorList&;
    const double inf = std::numeric_limits<double>::infinity();
    // Two elements tie for the extreme: the central difference gives each 1/2, PyTorch's
    // split. The weights jump at a tie, so ties are checked to first order only.
    const Sample ties = fixed("ties", {1, 3, 3, -2, 0.5, 2}, {2, 3});
    r.push_back({"max all",
                 [](L x) { return max(x[0]); },
                 {sample("(3,4)", {{3, 4}}), sample("scalar", {{}})}});
    r.push_back({"max all ties", [](L x) { return max(x[0]); }, {ties}, false});
    r.push_back({"min all", [](L x) { return min(x[0]); }, {sample("(3,4)", {{3, 4}})}});
    r.push_back({"min all ties",
                 [](L x) { return min(x[0]); },
                 {fixed("ties", {1, -3, 2, -3}, {4})},
                 false});
    r.push_back({"amax axes 0,2",
                 [](L x) {
                     return amax(x[0], {0, 2});
                 },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"amax axis -1 keepdim",
                 [](L x) { return amax(x[0], {-1}, true); },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back(
        {"amax axis -1 keepdim ties", [](L x) { return amax(x[0], {-1}, true); }, {ties}, false});
    r.push_back({"amin axis 0", [](L x) { return amin(x[0], {0}); }, {sample("(3,4)", {{3, 4}})}});
    r.push_back({"amin axis 0 ties",
                 [](L x) { return amin(x[0], {0}); },
                 {fixed("ties", {1, 2, 1, 5}, {2, 2})},
                 false});
    r.push_back({"max axis 1 values",
                 [](L x) { return max(x[0], 1).values; },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"max axis -3 keepdim values",
                 [](L x) { return max(x[0], -3, true).values; },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"min axis 0 values",
                 [](L x) { return min(x[0], 0).values; },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back({"logsumexp axis 1",
                 [](L x) { return logsumexp(x[0], {1}); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"logsumexp axes 0,-1 keepdim",
                 [](L x) {
                     return logsumexp(x[0], {0, -1}, true);
                 },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"logsumexp all",
                 [](L x) { return logsumexp(x[0], {}); },
                 {sample("(3,4)", {{3, 4}}), sample("scalar", {{}})}});
    r.push_back({"var all", [](L x) { return var(x[0]); }, {sample("(3,4)", {{3, 4}})}});
    r.push_back({"var axis 1 keepdim",
                 [](L x) { return var(x[0], {1}, 1.0, true); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"var axes 0,2 correction 0",
                 [](L x) {
                     return var(x[0], {0, -1}, 0.0);
                 },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"std all", [](L x) { return std(x[0]); }, {sample("(3,4)", {{3, 4}})}});
    r.push_back({"std axis -1 keepdim",
                 [](L x) { return std(x[0], {-1}, 1.0, true); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"std axis 0 correction 0",
                 [](L x) { return std(x[0], {0}, 0.0); },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back({"prod all",
                 [](L x) { return prod(x[0]); },
                 {sample("(2,3)", {{2, 3}}), sample("scalar", {{}}),
                  fixed("one zero", {1.5, 0, -2, 0.7}, {4}),
                  fixed("two zeros", {0, 1.2, 0, -0.8}, {2, 2})}});
    r.push_back({"prod axis 1",
                 [](L x) { return prod(x[0], 1); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}}),
                  fixed("zeros in rows", {0, 2, 3, 1.5, 0, 0, 1, -1, 0.5}, {3, 3})}});
    r.push_back({"prod axis 0 keepdim",
                 [](L x) { return prod(x[0], 0, true); },
                 {sample("(3,2)", {{3, 2}}), fixed("a zero", {1, 0, 2, 3, 0.5, -1}, {3, 2})}});
    r.push_back({"prod axis -2 of (2,3,2)",
                 [](L x) { return prod(x[0], -2); },
                 {sample("(2,3,2)", {{2, 3, 2}})}});
    r.push_back({"norm 2 all",
                 [](L x) { return norm(x[0]); },
                 {sample("(3,4)", {{3, 4}}), sample("scalar", {{}}, Domain::away_from_zero)}});
    r.push_back({"norm 2 axis 1 keepdim",
                 [](L x) { return norm(x[0], 2.0, {1}, true); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"norm 1 axes 0,2",
                 [](L x) {
                     return norm(x[0], 1.0, {0, 2});
                 },
                 {sample("(2,3,4)", {{2, 3, 4}}, Domain::away_from_zero)}});
    r.push_back({"norm inf axis -1",
                 [inf](L x) { return norm(x[0], inf, {-1}); },
                 {sample("(3,4)", {{3, 4}}, Domain::away_from_zero)}});
    r.push_back({"norm inf axis -1 ties",
                 [inf](L x) { return norm(x[0], inf, {-1}); },
                 {fixed("ties of |x|", {2, -2, 1, 0.5, -3, 3}, {2, 3})},
                 false});
    r.push_back({"norm 3 axis 0",
                 [](L x) { return norm(x[0], 3.0, {0}); },
                 {sample("(3,4)", {{3, 4}}, Domain::away_from_zero)}});
    r.push_back({"norm 0.5 all",
                 [](L x) { return norm(x[0], 0.5); },
                 {sample("(2,3)", {{2, 3}}, Domain::away_from_zero)}});
    r.push_back({"cumsum axis 0",
                 [](L x) { return cumsum(x[0], 0); },
                 {sample("(4)", {{4}}), sample("(3,4)", {{3, 4}})}});
    r.push_back(
        {"cumsum axis -1", [](L x) { return cumsum(x[0], -1); }, {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"cumsum axis 1 of (2,3,4)",
                 [](L x) { return cumsum(x[0], 1); },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
}

}  // namespace

WENGERT_REGISTER_OPS(register_reduction);

}  // namespace wengert::testing
