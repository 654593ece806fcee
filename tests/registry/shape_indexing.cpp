// Registry entries: shape, slicing and indexing ops (ops/shape.cpp, ops/indexing.cpp).
// Index tensors are fixed int64 constants built inside each function.
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

Tensor indices(std::vector<double> values, Shape shape) {
    return tensor(std::move(values), std::move(shape), kInt64);
}

void register_reshaping(std::vector<OpEntry>& r) {
    r.push_back({"reshape",
                 [](const TensorList& x) {
                     return reshape(x[0], {4, -1});
                 },
                 {sample("(2,6)", {{2, 6}}), sample("(2,3,2)", {{2, 3, 2}})}});
    r.push_back({"transpose",
                 [](const TensorList& x) { return transpose(x[0], 0, -1); },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"expand",
                 [](const TensorList& x) {
                     return expand(x[0], {2, 3, 4});
                 },
                 {sample("(3,1)", {{3, 1}}), sample("(4)", {{4}}), sample("scalar", {{}})}});
    r.push_back({"sum_to",
                 [](const TensorList& x) {
                     return sum_to(x[0], {3, 1});
                 },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"permute (2,0,1)",
                 [](const TensorList& x) {
                     return permute(x[0], {2, 0, 1});
                 },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"permute (-1,0)",
                 [](const TensorList& x) {
                     return permute(x[0], {-1, 0});
                 },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back({"movedim 0 -> -1",
                 [](const TensorList& x) { return movedim(x[0], 0, -1); },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"flatten 1..-1",
                 [](const TensorList& x) { return flatten(x[0], 1); },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"squeeze all",
                 [](const TensorList& x) { return squeeze(x[0]); },
                 {sample("(2,1,3,1)", {{2, 1, 3, 1}})}});
    r.push_back({"unsqueeze -1",
                 [](const TensorList& x) { return unsqueeze(x[0], -1); },
                 {sample("(2,3)", {{2, 3}})}});
}

void register_slicing(std::vector<OpEntry>& r) {
    r.push_back({"slice axis 1 [1:4:2]",
                 [](const TensorList& x) { return slice(x[0], 1, 1, 4, 2); },
                 {sample("(3,5)", {{3, 5}}), sample("(2,5,2)", {{2, 5, 2}})}});
    r.push_back({"slice axis -1 [-3:]",
                 [](const TensorList& x) { return slice(x[0], -1, -3); },
                 {sample("(2,5)", {{2, 5}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"slice axis 0 [::3] clamped stop",
                 [](const TensorList& x) { return slice(x[0], 0, 0, 100, 3); },
                 {sample("(7,2)", {{7, 2}})}});
    r.push_back({"narrow -1 from -3 length 2",
                 [](const TensorList& x) { return narrow(x[0], -1, -3, 2); },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back({"select axis 1 index -1",
                 [](const TensorList& x) { return select(x[0], 1, -1); },
                 {sample("(2,3,4)", {{2, 3, 4}}), sample("(2,3)", {{2, 3}})}});
    r.push_back({"select of 1-D",
                 [](const TensorList& x) { return select(x[0], 0, 1); },
                 {sample("(3)", {{3}})}});
    r.push_back({"split uneven size 2",
                 [](const TensorList& x) {
                     TensorList p = split(x[0], 2, 0);  // sizes 2, 2, 1
                     return concat({mul(p[2], 3.0), p[0], mul(p[1], -2.0)}, 0);
                 },
                 {sample("(5,3)", {{5, 3}})}});
    r.push_back({"split sizes (1,3,1) axis -1",
                 [](const TensorList& x) {
                     TensorList p = split(x[0], std::vector<std::int64_t>{1, 3, 1}, -1);
                     return concat({p[1], mul(p[0], 2.0), mul(p[2], 0.5)}, -1);
                 },
                 {sample("(2,5)", {{2, 5}})}});
    r.push_back({"chunk 5 into 4 along axis 1",
                 [](const TensorList& x) {
                     TensorList p = chunk(x[0], 4, 1);  // sizes 2, 2, 1
                     return concat({mul(p[0], 2.0), p[2], mul(p[1], -1.0)}, 1);
                 },
                 {sample("(2,5)", {{2, 5}})}});
}

void register_joining(std::vector<OpEntry>& r) {
    r.push_back({"concat axis 1",
                 [](const TensorList& x) {
                     return concat({x[0], x[1], x[2]}, 1);
                 },
                 {sample("(2,1) (2,3) (2,2)", {{2, 1}, {2, 3}, {2, 2}}),
                  sample("(2,1,2) (2,2,2) (2,3,2)", {{2, 1, 2}, {2, 2, 2}, {2, 3, 2}})}});
    r.push_back({"concat axis -1",
                 [](const TensorList& x) {
                     return concat({x[0], x[1]}, -1);
                 },
                 {sample("(2,3,1) (2,3,2)", {{2, 3, 1}, {2, 3, 2}})}});
    r.push_back({"concat axis 0",
                 [](const TensorList& x) {
                     return cat({x[0], x[1]});
                 },
                 {sample("(1,3) (2,3)", {{1, 3}, {2, 3}})}});
    r.push_back({"stack axis 1",
                 [](const TensorList& x) {
                     return stack({x[0], x[1]}, 1);
                 },
                 {sample("(2,3) x2", {{2, 3}, {2, 3}})}});
    r.push_back({"stack axis -1",
                 [](const TensorList& x) {
                     return stack({x[0], x[1]}, -1);
                 },
                 {sample("(3) x2", {{3}, {3}})}});
    r.push_back({"pad constant last axis",
                 [](const TensorList& x) {
                     return pad(x[0], {1, 2}, "constant", 0.5);
                 },
                 {sample("(2,3)", {{2, 3}})}});
    r.push_back({"pad with crop",
                 [](const TensorList& x) {
                     return pad(x[0], {1, -1, -1, 2});
                 },
                 {sample("(3,4)", {{3, 4}}), sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"pad middle axis",
                 [](const TensorList& x) {
                     return pad(x[0], {0, 0, 2, 1});
                 },
                 {sample("(2,3,2)", {{2, 3, 2}})}});
    r.push_back({"pad reflect",
                 [](const TensorList& x) {
                     return pad(x[0], {2, 1}, "reflect");
                 },
                 {sample("(2,4)", {{2, 4}})}});
    r.push_back({"pad replicate",
                 [](const TensorList& x) {
                     return pad(x[0], {1, 2, 2, 0}, "replicate");
                 },
                 {sample("(3,3)", {{3, 3}})}});
}

void register_indexing(std::vector<OpEntry>& r) {
    r.push_back({"index_select axis 0 with repeats",
                 [](const TensorList& x) {
                     return index_select(x[0], 0, indices({2, 0, 2}, {3}));
                 },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back({"index_select axis -1",
                 [](const TensorList& x) {
                     return index_select(x[0], -1, indices({1, 1, 0, 3}, {4}));
                 },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"index_add axis 1",
                 [](const TensorList& x) {
                     return index_add(x[0], 1, indices({0, 2, 0}, {3}), x[1]);
                 },
                 {sample("(3,4) (3,3)", {{3, 4}, {3, 3}})}});
    r.push_back({"gather axis 1",
                 [](const TensorList& x) {
                     return gather(x[0], 1, indices({0, 3, 1, 1, 2, 0}, {3, 2}));
                 },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back({"gather axis 0",
                 [](const TensorList& x) {
                     return gather(x[0], 0, indices({2, 0, 1, 2, 0, 0, 1, 1}, {2, 4}));
                 },
                 {sample("(3,4)", {{3, 4}})}});
    r.push_back({"gather axis -1 of rank 3, smaller index",
                 [](const TensorList& x) {
                     return gather(x[0], -1, indices({3, 0, 2, 2, 1, 0, 0, 3}, {2, 2, 2}));
                 },
                 {sample("(2,3,4)", {{2, 3, 4}})}});
    r.push_back({"scatter_add axis 1, src larger than index",
                 [](const TensorList& x) {
                     return scatter_add(x[0], 1, indices({0, 3, 1, 1, 2, 0}, {3, 2}), x[1]);
                 },
                 {sample("(3,4) (3,3)", {{3, 4}, {3, 3}})}});
    r.push_back({"scatter_add axis 0",
                 [](const TensorList& x) {
                     return scatter_add(x[0], 0, indices({2, 0, 1, 2, 0, 0, 1, 1}, {2, 4}), x[1]);
                 },
                 {sample("(3,4) (2,4)", {{3, 4}, {2, 4}})}});
}

void register_shape_indexing(std::vector<OpEntry>& r) {
    register_reshaping(r);
    register_slicing(r);
    register_joining(r);
    register_indexing(r);
}

}  // namespace

WENGERT_REGISTER_OPS(register_shape_indexing);

}  // namespace wengert::testing
