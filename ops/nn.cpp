#include "nn.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <xtensor/xbuilder.hpp>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "linalg.hpp"
#include "reduce.hpp"
#include "shape.hpp"
#include "softmax.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

void check_linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
    detail::require_floating("linear", input, "input");
    detail::require_floating("linear", weight, "weight");
    detail::require_same_dtype("linear", {&input, &weight, &bias});
    detail::require<ShapeError>(weight.dim() == 2,
                                "linear: weight must be (out_features, in_features); weight is {}",
                                shape_string(weight.shape()));
    detail::require<ShapeError>(input.dim() >= 1,
                                "linear: input needs at least 1 axis; input is {}, weight is {}",
                                shape_string(input.shape()), shape_string(weight.shape()));
    detail::require<ShapeError>(
        input.shape().back() == weight.shape()[1],
        "linear: in_features differ; input is {} (last axis), weight is {} (second axis)",
        shape_string(input.shape()), shape_string(weight.shape()));
    if (bias.defined()) {
        detail::require<ShapeError>(bias.dim() == 1 && bias.shape()[0] == weight.shape()[0],
                                    "linear: bias must be (out_features); bias is {}, weight is {}",
                                    shape_string(bias.shape()), shape_string(weight.shape()));
    }
}

// x W^T (+ b), then relu when asked, as one array: BLAS writes the product and a single
// pass over it adds the bias and clamps, instead of one full pass per op.
AnyArray linear_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        bool with_relu) {
    Tensor product;
    {
        NoGradGuard no_grad;
        const Tensor rows = input.dim() == 1 ? reshape(input, {1, -1}) : input;
        product = detail::gemm(rows, weight, false, true);
    }
    AnyArray out = std::move(detail::array_of(product));
    std::visit(
        [&](auto& y) {
            using T = typename std::decay_t<decltype(y)>::value_type;
            if constexpr (!std::is_same_v<T, std::int64_t>) {
                const std::size_t n = weight.shape()[0];
                const std::size_t rows = n == 0 ? 0 : y.size() / n;
                const T* b = bias.defined() ? bias.data_ptr<T>() : nullptr;
                T* p = y.data();
                for (std::size_t r = 0; r < rows; ++r, p += n) {
                    if (b != nullptr) {
                        for (std::size_t j = 0; j < n; ++j) {
                            p[j] += b[j];
                        }
                    }
                    if (with_relu) {
                        for (std::size_t j = 0; j < n; ++j) {
                            p[j] = std::max(p[j], T(0));
                        }
                    }
                }
                if (input.dim() == 1) {
                    y.reshape({n});
                }
            }
        },
        out);
    return out;
}

// Gradients of y = x W^T + b from dL/dy, each a gemm or a sum, so that they differentiate
// again.
TensorList linear_backward(const Tensor& grad, const Tensor& input, const Tensor& weight,
                           const std::vector<bool>& needs) {
    const auto in_features = static_cast<std::int64_t>(weight.shape()[1]);
    const auto out_features = static_cast<std::int64_t>(weight.shape()[0]);
    const Tensor grad_rows = reshape(grad, {-1, out_features});  // (rows, out)
    TensorList grads(3);
    if (needs[0]) {
        const Tensor g = detail::gemm(grad_rows, weight, false, false);  // (rows, in)
        grads[0] =
            reshape(g, std::vector<std::int64_t>(input.shape().begin(), input.shape().end()));
    }
    if (needs[1]) {
        const Tensor x_rows = reshape(input, {-1, in_features});  // (rows, in)
        grads[1] = detail::gemm(grad_rows, x_rows, true, false);  // (out, in)
    }
    if (needs[2]) {
        grads[2] = sum(grad_rows, {0});  // (out)
    }
    return grads;
}

// Rows of weight (num, dim) at `indices`, shaped indices.shape + (dim); rows of the padding
// index are zeros when zero_padding (the adjoint of scatter_rows, which skips them).
Tensor gather_rows(const Tensor& weight, const Tensor& indices, std::int64_t padding,
                   bool zero_padding);

// The adjoint of gather_rows: grad (indices.shape + (dim)) summed into the rows of a
// (num, dim) zero tensor, skipping the padding index.
Tensor scatter_rows(const Tensor& grad, const Tensor& indices, std::size_t num,
                    std::int64_t padding) {
    const std::int64_t* idx = indices.data_ptr<std::int64_t>();
    const std::size_t count = indices.numel();
    AnyArray out = detail::visit("embedding", grad, [&](const auto& g) -> AnyArray {
        using T = typename std::decay_t<decltype(g)>::value_type;
        const std::size_t dim = g.shape().back();
        Array<T> w = xt::zeros<T>({num, dim});
        for (std::size_t i = 0; i < count; ++i) {
            if (idx[i] == padding) {
                continue;
            }
            T* row = w.data() + static_cast<std::size_t>(idx[i]) * dim;
            const T* src = g.data() + i * dim;
            for (std::size_t j = 0; j < dim; ++j) {
                row[j] += src[j];
            }
        }
        return w;
    });
    return detail::record_op(Op::embedding_backward, std::move(out), {grad},
                             [indices, padding](const BackwardCall& call) -> TensorList {
                                 return {gather_rows(call.grad_output, indices, padding, true)};
                             });
}

Tensor gather_rows(const Tensor& weight, const Tensor& indices, std::int64_t padding,
                   bool zero_padding) {
    const std::int64_t* idx = indices.data_ptr<std::int64_t>();
    const std::size_t count = indices.numel();
    const std::size_t num = weight.shape()[0];
    const std::size_t dim = weight.shape()[1];
    Shape shape = detail::to_shape(indices.shape());
    shape.push_back(dim);
    AnyArray out = detail::visit("embedding", weight, [&](const auto& w) -> AnyArray {
        using T = typename std::decay_t<decltype(w)>::value_type;
        Array<T> y = Array<T>::from_shape(shape);
        for (std::size_t i = 0; i < count; ++i) {
            T* dst = y.data() + i * dim;
            if (zero_padding && idx[i] == padding) {
                std::fill(dst, dst + dim, T(0));
                continue;
            }
            const T* row = w.data() + static_cast<std::size_t>(idx[i]) * dim;
            std::copy(row, row + dim, dst);
        }
        return y;
    });
    return detail::record_op(Op::embedding, std::move(out), {weight},
                             [indices, num, padding](const BackwardCall& call) -> TensorList {
                                 return {scatter_rows(call.grad_output, indices, num, padding)};
                             });
}

// The additive form of an attention mask: a float mask as given, an int64 mask as 0 where
// it is nonzero and -inf where it is 0; the causal mask (L, S) is -inf above the diagonal.
Tensor additive_mask(const Tensor& mask, Dtype dtype) {
    if (mask.dtype() != Dtype::int64) {
        return mask;
    }
    const std::int64_t* m = mask.data_ptr<std::int64_t>();
    std::vector<double> values(mask.numel());
    for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = m[i] != 0 ? 0.0 : -std::numeric_limits<double>::infinity();
    }
    return tensor(std::move(values), detail::to_shape(mask.shape()), dtype);
}

Tensor causal_mask(std::size_t l, std::size_t s, Dtype dtype) {
    std::vector<double> values(l * s, 0.0);
    for (std::size_t i = 0; i < l; ++i) {
        for (std::size_t j = i + 1; j < s; ++j) {
            values[i * s + j] = -std::numeric_limits<double>::infinity();
        }
    }
    return tensor(std::move(values), {l, s}, dtype);
}

void check_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                     double dropout_p, bool is_causal) {
    constexpr const char* op = "scaled_dot_product_attention";
    detail::require_floating(op, q, "query");
    detail::require_floating(op, k, "key");
    detail::require_floating(op, v, "value");
    detail::require_same_dtype(op, {&q, &k, &v});
    detail::require<ShapeError>(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2,
                                "{}: query, key and value need at least 2 axes; query is {}, key "
                                "is {}, value is {}",
                                op, shape_string(q.shape()), shape_string(k.shape()),
                                shape_string(v.shape()));
    detail::require<ShapeError>(
        q.shape().back() == k.shape().back(),
        "{}: query and key differ in the last axis E; query is {}, key is {}", op,
        shape_string(q.shape()), shape_string(k.shape()));
    detail::require<ShapeError>(k.shape()[k.dim() - 2] == v.shape()[v.dim() - 2],
                                "{}: key and value differ in the sequence axis S; key is {}, value "
                                "is {}",
                                op, shape_string(k.shape()), shape_string(v.shape()));
    const Shape batch =
        detail::broadcast_shapes(op, q.shape().first(q.dim() - 2), k.shape().first(k.dim() - 2));
    detail::broadcast_shapes(op, batch, v.shape().first(v.dim() - 2));
    detail::require(dropout_p >= 0.0 && dropout_p <= 1.0, "{}: dropout_p must be in [0, 1]; got {}",
                    op, dropout_p);
    if (mask.defined()) {
        detail::require(!is_causal,
                        "{}: is_causal and attn_mask cannot both be given; attn_mask is {}", op,
                        shape_string(mask.shape()));
        if (mask.dtype() != Dtype::int64) {
            detail::require_same_dtype(op, {&q, &mask});
        }
        Shape scores = batch;
        scores.push_back(q.shape()[q.dim() - 2]);
        scores.push_back(k.shape()[k.dim() - 2]);
        const ShapeView m = mask.shape();
        bool fits = m.size() <= scores.size();
        for (std::size_t i = 1; fits && i <= m.size(); ++i) {
            fits = m[m.size() - i] == 1 || m[m.size() - i] == scores[scores.size() - i];
        }
        detail::require<ShapeError>(fits, "{}: attn_mask {} does not broadcast to the scores {}",
                                    op, shape_string(mask.shape()), shape_string(scores));
    }
}

}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
    check_linear(input, weight, bias);

    AnyArray out = linear_forward(input, weight, bias, false);

    return detail::record_op(Op::linear, std::move(out), {input, weight, bias},
                             [input, weight](const BackwardCall& call) {
                                 return linear_backward(call.grad_output, input, weight,
                                                        call.needs_grad);
                             });
}

Tensor linear_relu(const Tensor& input, const Tensor& weight, const Tensor& bias) {
    check_linear(input, weight, bias);

    AnyArray out = linear_forward(input, weight, bias, true);

    return detail::record_op(
        Op::linear_relu, std::move(out), {input, weight, bias},
        [input, weight](const BackwardCall& call) {
            // The relu mask is a constant, as in relu's own backward.
            const Tensor mask =
                detail::make_tensor(detail::map_array(call.output, [](const auto& y) {
                    using T = typename std::decay_t<decltype(y)>::value_type;
                    return xt::cast<T>(y > T(0));
                }));
            return linear_backward(mul(call.grad_output, mask), input, weight, call.needs_grad);
        },
        /*save_output=*/true);
}

Tensor dropout(const Tensor& input, double p, bool training, Generator* generator) {
    detail::require(p >= 0.0 && p <= 1.0, "dropout: probability p must be in [0, 1]; got {}", p);
    detail::require_floating("dropout", input);
    if (!training || p == 0.0) {
        return input;
    }

    // Survivors are kept with probability 1 - p (a Bernoulli(1 - p) draw, as PyTorch).
    Generator& source = generator != nullptr ? *generator : default_generator();
    const double keep = 1.0 - p;
    const double scale = p == 1.0 ? 0.0 : 1.0 / keep;
    AnyArray mask = detail::visit("dropout", input, [&](const auto& x) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        Array<T> m = Array<T>::from_shape(x.shape());
        for (T& value : m) {
            value = source.uniform() < keep ? static_cast<T>(scale) : T(0);
        }
        return m;
    });

    return mul(input, detail::make_tensor(std::move(mask)));
}

Tensor embedding(const Tensor& indices, const Tensor& weight,
                 std::optional<std::int64_t> padding_idx) {
    detail::require_int64("embedding", indices, "indices");
    detail::require_floating("embedding", weight, "weight");
    detail::require<ShapeError>(weight.dim() == 2,
                                "embedding: weight must be (num_embeddings, embedding_dim); weight "
                                "is {}, indices are {}",
                                shape_string(weight.shape()), shape_string(indices.shape()));
    const auto num = static_cast<std::int64_t>(weight.shape()[0]);
    std::int64_t padding = -1;
    if (padding_idx) {
        detail::require<std::out_of_range>(
            *padding_idx >= -num && *padding_idx < num,
            "embedding: padding_idx {} is out of range for num_embeddings {}", *padding_idx, num);
        padding = *padding_idx < 0 ? *padding_idx + num : *padding_idx;
    }
    const std::int64_t* idx = indices.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < indices.numel(); ++i) {
        detail::require<std::out_of_range>(
            idx[i] >= 0 && idx[i] < num,
            "embedding: index {} is out of range for num_embeddings {} (at flat position {})",
            idx[i], num, i);
    }

    return gather_rows(weight, indices, padding, false);
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, Generator* generator) {
    check_attention(query, key, value, attn_mask, dropout_p, is_causal);
    const std::size_t l = query.shape()[query.dim() - 2];
    const std::size_t s = key.shape()[key.dim() - 2];
    const double factor =
        scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.shape().back()));

    Tensor scores = mul(detail::gemm(query, key, false, true), factor);  // (*, L, S)
    if (is_causal) {
        scores = add(scores, causal_mask(l, s, query.dtype()));
    } else if (attn_mask.defined()) {
        scores = add(scores, additive_mask(attn_mask, query.dtype()));
    }
    Tensor weights = softmax(scores, -1);  // (*, L, S)
    if (dropout_p > 0.0) {
        weights = dropout(weights, dropout_p, true, generator);
    }

    return detail::gemm(weights, value, false, false);  // (*, L, Ev)
}

}  // namespace wengert
