#include "clip_grad.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "../autograd/error.hpp"
#include "optimizer.hpp"

namespace wengert::optim {

namespace {

// Calls f(g, n) with the data and size of the gradient of each parameter that has one.
template <class F>
void for_each_grad(const TensorList& params, F f) {
    for (const Tensor& p : params) {
        Tensor grad = p.defined() ? p.grad() : Tensor();
        if (!grad.defined()) {
            continue;
        }
        detail::dispatch(grad,
                         [&](auto zero) { f(grad.data_ptr<decltype(zero)>(), grad.numel()); });
    }
}

template <class T>
double tensor_norm(const T* g, std::size_t n, double norm_type) {
    double acc = 0.0;
    if (std::isinf(norm_type)) {
        for (std::size_t i = 0; i < n; ++i) {
            // max() would drop a NaN; keep it so that error_if_nonfinite sees it.
            const double a = std::abs(static_cast<double>(g[i]));
            acc = std::isnan(a) || std::isnan(acc) ? std::nan("") : std::max(acc, a);
        }
        return acc;
    }
    for (std::size_t i = 0; i < n; ++i) {
        acc += std::pow(std::abs(static_cast<double>(g[i])), norm_type);
    }
    return std::pow(acc, 1.0 / norm_type);
}

}  // namespace

double clip_grad_norm_(const TensorList& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
    wengert::detail::require(max_norm >= 0.0, "clip_grad_norm_: max_norm must be >= 0; it is {}",
                             max_norm);
    wengert::detail::require(norm_type > 0.0, "clip_grad_norm_: norm_type must be > 0; it is {}",
                             norm_type);

    // The norm of the per-gradient norms, as PyTorch computes it.
    double total = 0.0;
    bool any = false;
    for_each_grad(params, [&](const auto* g, std::size_t n) {
        any = true;
        const double norm = tensor_norm(g, n, norm_type);
        if (std::isinf(norm_type)) {
            total = std::isnan(norm) || std::isnan(total) ? norm + total : std::max(total, norm);
        } else {
            total += std::pow(norm, norm_type);
        }
    });
    if (!any) {
        return 0.0;
    }
    if (!std::isinf(norm_type)) {
        total = std::pow(total, 1.0 / norm_type);
    }
    wengert::detail::require<std::runtime_error>(
        !error_if_nonfinite || std::isfinite(total),
        "clip_grad_norm_: the total norm of order {} for gradients is non-finite ({}), so it "
        "cannot be clipped; pass error_if_nonfinite = false to clip anyway",
        norm_type, total);

    const double coef = std::min(1.0, max_norm / (total + 1e-6));
    for_each_grad(params, [coef](auto* g, std::size_t n) {
        using T = std::remove_pointer_t<decltype(g)>;
        for (std::size_t i = 0; i < n; ++i) {
            g[i] = static_cast<T>(g[i] * coef);
        }
    });
    return total;
}

void clip_grad_value_(const TensorList& params, double clip_value) {
    wengert::detail::require(clip_value >= 0.0,
                             "clip_grad_value_: clip_value must be >= 0; it is {}", clip_value);
    for_each_grad(params, [clip_value](auto* g, std::size_t n) {
        using T = std::remove_pointer_t<decltype(g)>;
        const auto hi = static_cast<T>(clip_value);
        for (std::size_t i = 0; i < n; ++i) {
            g[i] = std::clamp(g[i], static_cast<T>(-hi), hi);
        }
    });
}

}  // namespace wengert::optim
