#pragma once
// Every node name the library records, grouped by family. The gradient-check registry
// (tests/op_registry.*) must exercise each name here, and a test fails when a registry
// graph contains a node whose name is missing here, so a new op cannot skip the checks.
// Ops record through detail::record_op(Op::name, ...), which only accepts names listed here.
//
// Each family owns one macro, kept apart from the others by a comment line, so that work on
// two families never edits neighbouring lines.

#include <array>
#include <cstddef>
#include <string_view>

// Recorded inside autograd/ (dtype conversion and the engine's gradient sums).
#define WENGERT_AUTOGRAD_OPS(X) X(to) X(add_gradients)

// ops/arithmetic.cpp
#define WENGERT_ARITHMETIC_OPS(X) \
    X(add) X(sub) X(mul) X(div) X(neg) X(add_scalar) X(mul_scalar) X(pow)

// ops/unary.cpp
#define WENGERT_UNARY_OPS(X) X(exp) X(log) X(sqrt) X(tanh) X(sigmoid) X(relu) X(tanh_backward)

// ops/reduce.cpp
#define WENGERT_REDUCTION_OPS(X)                                                               \
    X(sum) X(mean) X(amax) X(amin) X(max) X(min) X(logsumexp) X(var) X(std) X(prod) X(prod_others) \
    X(norm) X(cumsum)

// ops/linalg.cpp
#define WENGERT_LINALG_OPS(X) X(gemm)

// ops/shape.cpp and ops/indexing.cpp
#define WENGERT_SHAPE_OPS(X)                                                                 \
    X(reshape) X(transpose) X(expand) X(sum_to) X(permute) X(concat) X(pad) X(slice)          \
    X(slice_backward) X(select) X(index_select) X(index_add) X(gather) X(scatter_add)

// ops/pointwise.cpp
#define WENGERT_POINTWISE_OPS(X)                                                               \
    X(abs) X(clamp) X(maximum) X(minimum) X(leaky_relu) X(elu) X(erf) X(gelu) X(silu) X(softplus) \
    X(sin) X(cos) X(log1p) X(expm1) X(rsqrt) X(reciprocal) X(square) X(sign) X(where) X(lerp)

// ops/softmax.cpp
#define WENGERT_SOFTMAX_OPS(X) X(softmax) X(log_softmax)

// ops/conv.cpp and ops/pool.cpp
#define WENGERT_CONV_POOL_OPS(X)                                                         \
    X(conv2d) X(conv_transpose2d) X(conv2d_weight_grad) X(max_pool2d) X(max_pool2d_backward) \
    X(max_pool2d_gather) X(avg_pool2d) X(adaptive_avg_pool2d) X(avg_pool2d_backward)

// ops/norm.cpp and ops/nn.cpp
#define WENGERT_NN_OPS(X)                                                    \
    X(linear) X(linear_relu) X(embedding) X(embedding_backward) X(batch_norm) \
    X(batch_norm_affine) X(layer_norm)

// losses/
#define WENGERT_LOSS_OPS(X) X(log_cosh)

// The whole list.
#define WENGERT_FOR_EACH_OP(X)                                                                  \
    WENGERT_AUTOGRAD_OPS(X) WENGERT_ARITHMETIC_OPS(X) WENGERT_UNARY_OPS(X)                      \
    WENGERT_REDUCTION_OPS(X) WENGERT_LINALG_OPS(X) WENGERT_SHAPE_OPS(X)                         \
    WENGERT_POINTWISE_OPS(X) WENGERT_SOFTMAX_OPS(X) WENGERT_CONV_POOL_OPS(X)                    \
    WENGERT_NN_OPS(X) WENGERT_LOSS_OPS(X)

namespace wengert {

enum class Op {
#define WENGERT_OP_ENUM(name) name,
    WENGERT_FOR_EACH_OP(WENGERT_OP_ENUM)
#undef WENGERT_OP_ENUM
};

inline constexpr std::array kOpNames = {
#define WENGERT_OP_NAME(name) std::string_view(#name),
    WENGERT_FOR_EACH_OP(WENGERT_OP_NAME)
#undef WENGERT_OP_NAME
};

constexpr const char* op_name(Op op) {
    return kOpNames[static_cast<std::size_t>(op)].data();
}

}  // namespace wengert
