#pragma once
// Internal: the fused raw loops behind batch_norm and layer_norm (ops/norm.cpp). They live
// in their own translation unit, instantiated there for float and double, so that the
// xsimd templates compile once and norm.cpp holds only checks, recording and backward.

#include <cstddef>
#include <vector>

#include "../autograd/tensor_impl.hpp"

namespace wengert::detail {

// Note [Fused normalisation kernels]
// batch_norm and layer_norm normalise groups of contiguous runs: layer_norm each row of D
// values, batch_norm each channel, made of N runs of prod(*) values in (N, C, *). Composed
// from mean, sub, mul and pow they took ten passes over the data and as many full-size
// temporaries (a third of their time went to the kernel zeroing fresh pages). The fused
// forward walks one group at a time: the mean, the centred sum of squares (two passes
// rather than E[x^2] - mean^2, which cancels for inputs with a large mean), then y; the
// group stays in cache between passes, so memory sees one read of x and one write of y.
// Backward without create_graph is fused the same way, from the closed form
//   dx = rstd * (g w - mean(g w) - xhat mean(g w xhat)),
//   dweight = sum(g xhat), dbias = sum(g),
// recomputing xhat from x and the saved per-group mean and rstd. With create_graph (grad
// mode on during backward), the same formula is written in differentiable ops from x, so
// second-order gradients flow through the statistics as they must. Sums run in xsimd
// batches of T over blocks of kSumBlock values, and the blocks' totals add up in double:
// float32 then rounds like a 1024-term sum, however long the group. Groups (and, for
// layer_norm's weight gradient, fixed blocks of rows) are spread over the pool's threads;
// the blocks do not depend on the thread count, so neither do the results.

// Every kernel below is instantiated for T = float and T = double only. Pointers to
// optional parameters (weight, bias, shift, mean where so marked) may be null.

/// batch_norm's training forward over x (N, C, *): per channel, the batch mean and biased
/// variance, then y = (x - mean) rstd weight + bias with rstd = 1 / sqrt(var + eps).
/// `mean`, `var` and `rstd` (C) receive the statistics for backward and the running
/// statistics; weight and bias (C) are optional. Returns y, shaped like x.
template <class T>
Array<T> batch_norm_forward(const Array<T>& x, const T* weight, const T* bias, double eps, T* mean,
                            T* var, T* rstd);

/// batch_norm's evaluation: y = (x - mean[c]) scale[c] + shift[c] over x (N, C, *), in
/// one pass; mean and shift (C) optional (null: 0), scale (C) required.
template <class T>
Array<T> channel_affine_forward(const Array<T>& x, const T* mean, const T* scale, const T* shift);

/// The sums batch_norm_affine's backward needs without create_graph, per channel of
/// x (N, C, *) and its output gradient g (same shape): sum_g[c] = sum(g) and
/// sum_gc[c] = sum(g (x - mean[c])); mean (C) optional (null: 0).
template <class T>
void batch_norm_affine_sums(const Array<T>& g, const Array<T>& x, const T* mean,
                            std::vector<double>& sum_g, std::vector<double>& sum_gc);

/// batch_norm's training backward without create_graph (Note [Fused normalisation
/// kernels]) over x and g (N, C, *): per channel, sum(g) and sum(g (x - mean)), giving
/// dbias = sum(g) and dweight = rstd sum(g (x - mean)); then, when dx is not null,
/// dx = a (g - mean(g)) - a rstd mean(g xhat) (x - mean) with a = rstd weight. mean and
/// rstd (C) are the forward's statistics; dweight and dbias (C) are always written.
template <class T>
void batch_norm_backward(const Array<T>& g, const Array<T>& x, const T* weight, const T* mean,
                         const T* rstd, T* dx, T* dweight, T* dbias);

/// layer_norm's forward over the rows of d values of x: per row the mean and biased
/// variance, then y = (x - mean) rstd weight + bias, weight and bias (d) optional.
/// `mean` and `rstd` (one per row) receive the statistics for backward. Returns y, shaped
/// like x.
template <class T>
Array<T> layer_norm_forward(const Array<T>& x, std::size_t d, const T* weight, const T* bias,
                            double eps, T* mean, T* rstd);

/// layer_norm's backward without create_graph (Note [Fused normalisation kernels]) over
/// the rows of d values of x and g: per row dx = rstd (g w - mean(g w)) - rstd mean(g w
/// xhat) xhat, when dx is not null; dweight = sum(g xhat) and dbias = sum(g) over the rows
/// (d), always written. mean and rstd (one per row) are the forward's statistics.
template <class T>
void layer_norm_backward(const Array<T>& g, const Array<T>& x, std::size_t d, const T* weight,
                         const T* mean, const T* rstd, T* dx, T* dweight, T* dbias);

}  // namespace wengert::detail
