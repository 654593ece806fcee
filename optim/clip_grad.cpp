#include "clip_grad.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "../autograd/error.hpp"
#include "optimizer.hpp"

namespace wengert::optim {

namespace {

template <class T>
double tensor_norm(const Tensor& grad, double norm_type) {
    const T* g = grad.data_ptr<T>();
    const std::size_t n = grad.numel();
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
    for (const Tensor& p : params) {
        const Tensor grad = p.defined() ? p.grad() : Tensor();
        if (!grad.defined()) {
            continue;
        }
        any = true;
        double norm = 0.0;
        detail::dispatch(grad,
                         [&](auto zero) { norm = tensor_norm<decltype(zero)>(grad, norm_type); });
        if (std::isinf(norm_type)) {
            total = std::isnan(norm) || std::isnan(total) ? norm + total : std::max(total, norm);
        } else {
            total += std::pow(norm, norm_type);
        }
    }
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
    for (const Tensor& p : params) {
        Tensor grad = p.defined() ? p.grad() : Tensor();
        if (!grad.defined()) {
            continue;
        }
        detail::dispatch(grad, [&](auto zero) {
            using T = decltype(zero);
            T* g = grad.data_ptr<T>();
            for (std::size_t i = 0; i < grad.numel(); ++i) {
                g[i] = static_cast<T>(g[i] * coef);
            }
        });
    }
    return total;
}

void clip_grad_value_(const TensorList& params, double clip_value) {
    wengert::detail::require(clip_value >= 0.0,
                             "clip_grad_value_: clip_value must be >= 0; it is {}", clip_value);
    for (const Tensor& p : params) {
        Tensor grad = p.defined() ? p.grad() : Tensor();
        if (!grad.defined()) {
            continue;
        }
        detail::dispatch(grad, [&](auto zero) {
            using T = decltype(zero);
            T* g = grad.data_ptr<T>();
            const auto hi = static_cast<T>(clip_value);
            for (std::size_t i = 0; i < grad.numel(); ++i) {
                g[i] = std::clamp(g[i], static_cast<T>(-hi), hi);
            }
        });
    }
}

}  // namespace wengert::optim
