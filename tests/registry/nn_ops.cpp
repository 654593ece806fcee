// Registry entries: linear, dropout, embedding, attention, and the normalisation layers.
#include "../op_registry.hpp"

namespace wengert::testing {

namespace {

void register_linear(std::vector<OpEntry>& r) {
    r.push_back(
        {"linear",
         [](const TensorList& x) { return linear(x[0], x[1], x[2]); },
         {sample("(4,3) with bias", {{4, 3}, {2, 3}, {2}}), sample("1-D input", {{3}, {2, 3}, {2}}),
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

void register_norm(std::vector<OpEntry>& r) {
    r.push_back(
        {"batch_norm training",
         [](const TensorList& x) { return batch_norm(x[0], Tensor(), Tensor(), x[1], x[2], true); },
         {sample("(N,C)", {{4, 3}, {3}, {3}}), sample("(N,C,H,W)", {{2, 3, 2, 2}, {3}, {3}}),
          sample("(N,C,L)", {{3, 2, 2}, {2}, {2}}),
          // 65 values per (sample, channel): walked a channel at a time, not row by row.
          sample("(N,C,L) with long runs", {{2, 2, 65}, {2}, {2}})}});
    r.push_back({"batch_norm training without weight, with running statistics",
                 [](const TensorList& x) {
                     const std::size_t c = x[0].shape()[1];
                     return batch_norm(x[0], zeros({c}, kFloat64), ones({c}, kFloat64), Tensor(),
                                       Tensor(), true, 0.1, 1e-5);
                 },
                 {sample("(N,C)", {{5, 2}}), sample("(N,C,H,W)", {{2, 2, 3, 2}})}});
    // Five values per run and nine per row leave tails past the xsimd batches.
    r.push_back({"batch_norm training with bias only",
                 [](const TensorList& x) {
                     return batch_norm(x[0], Tensor(), Tensor(), Tensor(), x[1], true);
                 },
                 {sample("(N,C,L) with tails", {{3, 2, 5}, {2}})}});
    r.push_back(
        {"batch_norm evaluation, gradients to the running statistics",
         [](const TensorList& x) { return batch_norm(x[0], x[1], x[2], x[3], x[4], false); },
         {sample("(N,C,L)", {{2, 3, 5}, {3}, {3}, {3}, {3}}, Domain::positive)}});
    r.push_back(
        {"batch_norm evaluation",
         [](const TensorList& x) {
             const Tensor rm = tensor({0.5, -0.5}, {2}, kFloat64);
             const Tensor rv = tensor({2.0, 0.5}, {2}, kFloat64);
             return batch_norm(x[0], rm, rv, x[1], x[2], false);
         },
         {sample("(N,C,H,W)", {{2, 2, 2, 2}, {2}, {2}}), sample("(N,C)", {{3, 2}, {2}, {2}}),
          sample("(N,C,L) with long runs", {{2, 2, 65}, {2}, {2}})}});
    r.push_back({"layer_norm",
                 [](const TensorList& x) {
                     const Shape normalized(x[1].shape().begin(), x[1].shape().end());
                     return layer_norm(x[0], normalized, x[1], x[2]);
                 },
                 {sample("last axis", {{3, 4}, {4}, {4}}),
                  sample("two trailing axes", {{2, 3, 2}, {3, 2}, {3, 2}})}});
    r.push_back({"layer_norm with weight only",
                 [](const TensorList& x) { return layer_norm(x[0], {9}, x[1]); },
                 {sample("(2,9)", {{2, 9}, {9}})}});
    r.push_back({"layer_norm without affine",
                 [](const TensorList& x) { return layer_norm(x[0], {3}); },
                 {sample("1-D", {{3}}), sample("(2,2,3)", {{2, 2, 3}})}});
    r.push_back(
        {"group_norm",
         [](const TensorList& x) { return group_norm(x[0], 2, x[1], x[2]); },
         {sample("(N,C,H,W)", {{2, 4, 2, 1}, {4}, {4}}), sample("(N,C)", {{2, 4}, {4}, {4}})}});
    r.push_back({"group_norm one group per channel",
                 [](const TensorList& x) { return group_norm(x[0], 3); },
                 {sample("(N,C,L)", {{2, 3, 3}})}});
}

void register_embedding(std::vector<OpEntry>& r) {
    // Index 1 repeats, so its row accumulates two gradients.
    r.push_back({"embedding",
                 [](const TensorList& x) {
                     return embedding(tensor({1, 0, 4, 1, 3, 1}, {2, 3}, kInt64), x[0]);
                 },
                 {sample("(5,3) weight, (2,3) indices", {{5, 3}})}});
    r.push_back({"embedding of a 0-d index",
                 [](const TensorList& x) { return embedding(tensor({2}, {}, kInt64), x[0]); },
                 {sample("(4,2) weight", {{4, 2}})}});
    // Forward reads the padding row while its gradient is defined as zero (PyTorch), so the
    // check multiplies that row by a constant 0: both differences then agree on zero.
    r.push_back({"embedding with padding_idx",
                 [](const TensorList& x) {
                     const Tensor keep = tensor({1, 1, 0, 1}, {4, 1}, kFloat64);
                     return embedding(tensor({2, 0, 2, 3, 1}, {5}, kInt64), mul(x[0], keep), 2);
                 },
                 {sample("(4,3) weight", {{4, 3}})}});
}

void register_attention(std::vector<OpEntry>& r) {
    r.push_back({"scaled_dot_product_attention",
                 [](const TensorList& x) { return scaled_dot_product_attention(x[0], x[1], x[2]); },
                 {sample("(2,3,4) queries, 5 keys", {{2, 3, 4}, {2, 5, 4}, {2, 5, 2}}),
                  sample("broadcast batch", {{2, 1, 3, 2}, {3, 2, 2}, {3, 2, 3}}),
                  sample("2-D", {{3, 2}, {4, 2}, {4, 3}})}});
    // The float mask requires grad too: its gradient is that of the scores.
    r.push_back({"scaled_dot_product_attention with an additive mask",
                 [](const TensorList& x) {
                     return scaled_dot_product_attention(x[0], x[1], x[2], x[3], 0.0, false, 0.7);
                 },
                 {sample("(3,4) mask", {{2, 3, 2}, {2, 4, 2}, {2, 4, 3}, {3, 4}}),
                  sample("(2,1,4) mask", {{2, 3, 2}, {2, 4, 2}, {2, 4, 3}, {2, 1, 4}})}});
    r.push_back(
        {"scaled_dot_product_attention with a 0/1 mask",
         [](const TensorList& x) {
             const Tensor keep = tensor({1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1}, {3, 4}, kInt64);
             return scaled_dot_product_attention(x[0], x[1], x[2], keep);
         },
         {sample("(2,3,2) queries", {{2, 3, 2}, {2, 4, 2}, {2, 4, 3}})}});
    r.push_back({"scaled_dot_product_attention causal",
                 [](const TensorList& x) {
                     return scaled_dot_product_attention(x[0], x[1], x[2], Tensor(), 0.0, true);
                 },
                 {sample("L = S = 3", {{2, 3, 2}, {2, 3, 2}, {2, 3, 2}}),
                  sample("L = 2, S = 4", {{2, 2}, {4, 2}, {4, 1}})}});
}

}  // namespace

WENGERT_REGISTER_OPS(register_linear);
WENGERT_REGISTER_OPS(register_attention);
WENGERT_REGISTER_OPS(register_embedding);
WENGERT_REGISTER_OPS(register_norm);

}  // namespace wengert::testing
