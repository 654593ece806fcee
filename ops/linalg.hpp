#pragma once
// Matrix products, computed by BLAS (sgemm/dgemm).

#include "../autograd/tensor.hpp"

namespace wengert {

/// Matrix product with torch.matmul's rules: 1-D operands are treated as a row (lhs) or a
/// column (rhs) vector and that axis is removed from the result; operands of rank >= 3 are
/// batches of matrices whose batch axes broadcast. ShapeError names both shapes when the
/// inner dimensions differ or the batch axes do not broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

namespace detail {
/// op(a) @ op(b) where op transposes the last two axes when the flag is set; both operands
/// have rank >= 2. This is the recorded op: matmul, linear and their backward passes are all
/// gemm calls, so no transpose is ever copied.
Tensor gemm(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b);
}  // namespace detail

}  // namespace wengert
