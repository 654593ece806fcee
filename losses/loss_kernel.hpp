#pragma once
// Internal helpers shared by the loss files: argument checks, reductions, and the few
// elementwise pieces the losses compose from the ops that exist.

#include <cstdint>
#include <string_view>

#include "../autograd/tensor_impl.hpp"
#include "../ops/kernel.hpp"
#include "../ops/ops.hpp"
#include "reduction.hpp"

namespace wengert::detail {

/// Parses a reduction string for `op`; batchmean only where `allow_batchmean`.
Reduction parse_reduction(const char* op, std::string_view name, bool allow_batchmean = false);

/// none, mean or sum of the per-element losses; batchmean throws (kl_div handles it itself).
Tensor reduce_loss(const char* op, const Tensor& loss, Reduction reduction);

/// Both defined, floating point, one dtype; ShapeError naming both shapes unless equal.
void require_pair(const char* op, const Tensor& a, const Tensor& b, const char* a_name = "input",
                  const char* b_name = "target");

/// `t`, when defined, has the dtype of `like` and broadcasts to `shape` (ShapeError naming
/// both shapes otherwise).
void require_broadcasts_to(const char* op, const Tensor& t, const Tensor& like, ShapeView shape,
                           const char* name);

/// A float tensor without history holding 1 where pred(x) holds and 0 elsewhere.
template <class Pred>
Tensor mask_of(const Tensor& x, Pred pred) {
    return make_tensor(map_array(x, [&](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        auto out = xt::xarray<T>::from_shape(a.shape());
        for (std::size_t i = 0; i < a.size(); ++i) {
            out.data()[i] = pred(static_cast<double>(a.data()[i])) ? T(1) : T(0);
        }
        return out;
    }));
}

/// mask * a + (1 - mask) * b for a constant 0/1 mask.
Tensor select(const Tensor& mask, const Tensor& a, const Tensor& b);

/// |x| as x * sign(x) with a constant sign, so the gradient at 0 is 0 (as PyTorch's) and
/// the second derivative is 0.
Tensor abs_of(const Tensor& x);

/// max(x, low) as relu(x - low) + low.
Tensor clamp_min_of(const Tensor& x, double low);

/// Elementwise min(a, b) of two tensors of one shape (a where a <= b).
Tensor min_of(const Tensor& a, const Tensor& b);

/// The n x n identity in the dtype of `like`, without history.
Tensor eye_like(std::size_t n, const Tensor& like);

}  // namespace wengert::detail
