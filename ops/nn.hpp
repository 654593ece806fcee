#pragma once
// Neural-network ops other than convolution, pooling and normalisation: linear, dropout,
// embedding and scaled dot-product attention, with PyTorch's semantics and argument names.

#include <cstdint>
#include <optional>

#include "../autograd/tensor.hpp"

namespace wengert {

/// y = x W^T + b, as torch.nn.functional.linear.
/// Shapes: input (*, in_features) with at least one axis, weight (out_features, in_features),
/// bias (out_features) or undefined; the result is (*, out_features). One BLAS call computes
/// the product with the weight read transposed in place, and the bias is added in the same
/// pass over the output. Backward is written with gemm, so second order works.
/// Errors: ShapeError naming the input and weight shapes when in_features differ, when the
/// weight is not 2-D or when the bias is not (out_features); DtypeError for mixed dtypes.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

/// relu(linear(input, weight, bias)) in one pass over the output after the product; the
/// gradient is that of the composition (the relu mask is a constant).
Tensor linear_relu(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

/// Dropout, as torch.nn.functional.dropout: in training each element is zeroed with
/// probability p and the survivors are scaled by 1 / (1 - p), so the expectation is kept;
/// with p = 1 the result is all zeros; in evaluation (training false) the input is returned.
/// The mask is drawn from `generator` (the default generator when null), one uniform draw
/// per element in row-major order, and is a constant for backward.
/// Errors: std::invalid_argument naming p when p is outside [0, 1].
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true,
               Generator* generator = nullptr);

/// Rows of `weight` looked up by `indices`, as torch.nn.functional.embedding.
/// Shapes: indices int64 of any shape, weight (num_embeddings, embedding_dim); the result is
/// indices.shape + (embedding_dim). The gradient of the weight adds the output gradient of
/// every occurrence of an index into its row (scatter-add); the row padding_idx (negative
/// counts from the end) receives no gradient, while forward still returns its values.
/// Errors: std::out_of_range naming the index and num_embeddings for an index outside
/// [0, num_embeddings) and for a padding_idx out of range; ShapeError when the weight is not
/// 2-D; DtypeError when the indices are not int64.
Tensor embedding(const Tensor& indices, const Tensor& weight,
                 std::optional<std::int64_t> padding_idx = std::nullopt);

/// softmax(q k^T * scale + mask) v, as torch 2.x scaled_dot_product_attention.
/// Shapes: query (*, L, E), key (*, S, E), value (*, S, Ev), with broadcasting batch axes;
/// the result is (*, L, Ev). scale defaults to 1 / sqrt(E).
/// attn_mask, broadcastable to (*, L, S), is either float (added to the scores, so -inf
/// masks a position) or int64 (0 masks a position, like a false entry of torch's boolean
/// masks). is_causal masks every key after the query's position (key j > query i) and cannot
/// be combined with attn_mask. dropout_p drops attention weights as dropout() does, with
/// `generator`. A query whose keys are all masked gets nan, as in PyTorch.
/// Errors: ShapeError naming the shapes when E, S or the batch axes disagree or the mask
/// does not broadcast; std::invalid_argument when is_causal and attn_mask are both given or
/// dropout_p is outside [0, 1].
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = Tensor(), double dropout_p = 0.0,
                                    bool is_causal = false,
                                    std::optional<double> scale = std::nullopt,
                                    Generator* generator = nullptr);

}  // namespace wengert
