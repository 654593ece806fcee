#include "linalg.hpp"

#include <cblas.h>

#include "kernel.hpp"
#include "shape.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::Array;
using detail::BackwardCall;

void blas_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a,
               std::size_t lda, const float* b, std::size_t ldb, float* c) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a,
                static_cast<int>(lda), b, static_cast<int>(ldb), 0.0f, c, static_cast<int>(n));
}

void blas_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const double* a,
               std::size_t lda, const double* b, std::size_t ldb, double* c) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a,
                static_cast<int>(lda), b, static_cast<int>(ldb), 0.0, c, static_cast<int>(n));
}

// The geometry of op(a) @ op(b) over broadcast batch axes.
struct GemmPlan {
    std::size_t m, n, k;
    std::size_t a_cols, b_cols;  // stored row lengths (leading dimensions)
    Shape batch;                 // broadcast batch shape
    Shape out_shape;
};

GemmPlan plan_gemm(const Tensor& a, const Tensor& b, bool ta, bool tb) {
    const ShapeView sa = a.shape();
    const ShapeView sb = b.shape();
    detail::require<ShapeError>(sa.size() >= 2 && sb.size() >= 2,
                                "matmul: operands need at least 2 axes here; lhs is {}, rhs is {}",
                                shape_string(sa), shape_string(sb));
    const std::size_t ar = sa[sa.size() - 2], ac = sa.back();
    const std::size_t br = sb[sb.size() - 2], bc = sb.back();
    GemmPlan plan{};
    plan.m = ta ? ac : ar;
    plan.k = ta ? ar : ac;
    plan.n = tb ? br : bc;
    plan.a_cols = ac;
    plan.b_cols = bc;
    const std::size_t kb = tb ? bc : br;
    detail::require<ShapeError>(
        plan.k == kb, "matmul: inner dimensions differ; lhs is {}, rhs is {}{}", shape_string(sa),
        shape_string(sb), ta || tb ? " (after transposing)" : "");
    plan.batch =
        detail::broadcast_shapes("matmul", sa.first(sa.size() - 2), sb.first(sb.size() - 2));
    plan.out_shape = plan.batch;
    plan.out_shape.push_back(plan.m);
    plan.out_shape.push_back(plan.n);
    return plan;
}

// Offset, in matrices, of batch entry `flat` within an operand whose batch shape broadcasts
// to `batch` (its size-1 or missing axes repeat).
std::size_t batch_offset(std::size_t flat, const Shape& batch, ShapeView operand_batch) {
    std::size_t offset = 0;
    std::size_t stride = 1;
    const std::size_t lead = batch.size() - operand_batch.size();
    for (std::size_t i = batch.size(); i-- > 0;) {
        const std::size_t index = flat % batch[i];
        flat /= batch[i];
        if (i >= lead) {
            const std::size_t extent = operand_batch[i - lead];
            if (extent != 1) {
                offset += index * stride;
            }
            stride *= extent;
        }
    }
    return offset;
}

template <class T>
Array<T> gemm_kernel(const Array<T>& a, const Array<T>& b, bool ta, bool tb, const GemmPlan& p) {
    Array<T> out = Array<T>::from_shape(p.out_shape);
    if (out.size() == 0) {
        return out;
    }
    if (p.k == 0) {
        out.fill(T(0));
        return out;
    }
    const ShapeView a_batch(a.shape().data(), a.dimension() - 2);
    const ShapeView b_batch(b.shape().data(), b.dimension() - 2);
    std::size_t batch_count = 1;
    for (std::size_t extent : p.batch) {
        batch_count *= extent;
    }
    // A batch of rows times one matrix is a single tall product: one BLAS call, not many.
    if (b_batch.empty() && !ta) {
        blas_gemm(false, tb, batch_count * p.m, p.n, p.k, a.data(), p.a_cols, b.data(), p.b_cols,
                  out.data());
        return out;
    }
    const std::size_t a_matrix = a.shape()[a.dimension() - 2] * p.a_cols;
    const std::size_t b_matrix = b.shape()[b.dimension() - 2] * p.b_cols;
    for (std::size_t i = 0; i < batch_count; ++i) {
        const T* a_ptr = a.data() + batch_offset(i, p.batch, a_batch) * a_matrix;
        const T* b_ptr = b.data() + batch_offset(i, p.batch, b_batch) * b_matrix;
        blas_gemm(ta, tb, p.m, p.n, p.k, a_ptr, p.a_cols, b_ptr, p.b_cols,
                  out.data() + i * p.m * p.n);
    }
    return out;
}

Tensor reduce_to(const Tensor& grad, ShapeView shape) {
    return std::ranges::equal(grad.shape(), shape) ? grad : sum_to(grad, detail::to_shape(shape));
}

// Gradients of C = op(A) op(B) (see the derivation in gemm's backward).
TensorList gemm_backward(const Tensor& grad, const Tensor& a, const Tensor& b, bool ta, bool tb,
                         const std::vector<bool>& needs) {
    TensorList grads(2);
    if (needs[0]) {
        Tensor ga = ta ? detail::gemm(b, grad, tb, true) : detail::gemm(grad, b, false, !tb);
        grads[0] = reduce_to(ga, a.shape());
    }
    if (needs[1]) {
        Tensor gb;
        if (b.dim() == 2 && a.dim() > 2 && !ta) {
            // B was shared by every batch entry: fold the batch into the rows of one product.
            const auto k = static_cast<std::int64_t>(a.shape().back());
            const auto n = static_cast<std::int64_t>(grad.shape().back());
            Tensor a2 = reshape(a, {-1, k});
            Tensor g2 = reshape(grad, {-1, n});
            gb = tb ? detail::gemm(g2, a2, true, false) : detail::gemm(a2, g2, true, false);
        } else {
            gb = tb ? detail::gemm(grad, a, true, ta) : detail::gemm(a, grad, !ta, false);
        }
        grads[1] = reduce_to(gb, b.shape());
    }
    return grads;
}

}  // namespace

namespace detail {

Tensor gemm(const Tensor& a, const Tensor& b, bool ta, bool tb) {
    require_defined("matmul", a, "lhs");
    require_defined("matmul", b, "rhs");
    const GemmPlan plan = plan_gemm(a, b, ta, tb);
    AnyArray out = visit2("matmul", a, b, [&](const auto& x, const auto& y) -> AnyArray {
        return gemm_kernel(x, y, ta, tb, plan);
    });
    // dA: if !ta, dC op(B)^T = gemm(dC, B, false, !tb); if ta, op(B) dC^T = gemm(B, dC, tb, true).
    // dB: if !tb, op(A)^T dC = gemm(A, dC, !ta, false); if tb, dC^T op(A) = gemm(dC, A, true, ta).
    return record_op(Op::gemm, std::move(out), {a, b}, [a, b, ta, tb](const BackwardCall& call) {
        return gemm_backward(call.grad_output, a, b, ta, tb, call.needs_grad);
    });
}

}  // namespace detail

Tensor matmul(const Tensor& a, const Tensor& b) {
    detail::require_defined("matmul", a, "lhs");
    detail::require_defined("matmul", b, "rhs");
    detail::require<ShapeError>(a.dim() >= 1 && b.dim() >= 1,
                                "matmul: operands need at least 1 axis; lhs is {}, rhs is {}",
                                shape_string(a.shape()), shape_string(b.shape()));
    if (a.dim() == 1 && b.dim() == 1) {
        detail::require<ShapeError>(a.shape()[0] == b.shape()[0],
                                    "matmul: inner dimensions differ; lhs is {}, rhs is {}",
                                    shape_string(a.shape()), shape_string(b.shape()));
    }
    const bool row = a.dim() == 1;
    const bool column = b.dim() == 1;
    const Tensor lhs = row ? reshape(a, {1, -1}) : a;
    const Tensor rhs = column ? reshape(b, {-1, 1}) : b;
    Tensor product = detail::gemm(lhs, rhs, false, false);
    if (!row && !column) {
        return product;
    }
    std::vector<std::int64_t> shape(product.shape().begin(), product.shape().end());
    if (column) {
        shape.pop_back();
    }
    if (row) {
        shape.erase(shape.end() - 1 - (column ? 0 : 1));
    }
    return reshape(product, shape);
}

}  // namespace wengert
