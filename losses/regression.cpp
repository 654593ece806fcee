#include "regression.hpp"

#include <cmath>
#include <numbers>

#include "loss_kernel.hpp"

namespace wengert {

namespace {

using detail::AnyArray;
using detail::BackwardCall;
using detail::parse_reduction;

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    detail::require_pair("mse_loss", input, target);
    Tensor d = sub(input, target);
    return detail::reduce_loss("mse_loss", mul(d, d), reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    detail::require_pair("l1_loss", input, target);
    return detail::reduce_loss("l1_loss", abs(sub(input, target)), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
    detail::require_pair("smooth_l1_loss", input, target);
    detail::require(beta >= 0, "smooth_l1_loss: beta must be non-negative; got {}", beta);

    Tensor d = sub(input, target);
    Tensor abs_d = abs(d);
    if (beta == 0) {
        return detail::reduce_loss("smooth_l1_loss", abs_d, reduction);
    }
    Tensor quadratic = mul(mul(d, d), 0.5 / beta);
    Tensor linear = sub(abs_d, 0.5 * beta);
    return detail::reduce_loss("smooth_l1_loss", where(lt(abs_d, beta), quadratic, linear),
                               reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
    detail::require_pair("huber_loss", input, target);
    detail::require(delta > 0, "huber_loss: delta must be positive; got {}", delta);

    Tensor d = sub(input, target);
    Tensor abs_d = abs(d);
    Tensor quadratic = mul(mul(d, d), 0.5);
    Tensor linear = mul(sub(abs_d, 0.5 * delta), delta);
    return detail::reduce_loss("huber_loss", where(lt(abs_d, delta), quadratic, linear), reduction);
}

Tensor log_cosh(const Tensor& x) {
    detail::require_defined("log_cosh", x);
    AnyArray out = detail::visit("log_cosh", x, [](const auto& a) -> AnyArray {
        using T = typename std::decay_t<decltype(a)>::value_type;
        auto y = detail::Array<T>::from_shape(a.shape());
        for (std::size_t i = 0; i < a.size(); ++i) {
            const T m = std::abs(a.data()[i]);
            y.data()[i] = m + std::log1p(std::exp(T(-2) * m)) - std::numbers::ln2_v<T>;
        }
        return y;
    });
    return detail::record_op(
        Op::log_cosh, std::move(out), {x},
        [x](const BackwardCall& call) -> TensorList { return {mul(call.grad_output, tanh(x))}; });
}

Tensor log_cosh_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
    detail::require_pair("log_cosh_loss", input, target);
    return detail::reduce_loss("log_cosh_loss", log_cosh(sub(input, target)), reduction);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, std::string_view reduction) {
    return mse_loss(input, target, parse_reduction("mse_loss", reduction));
}

Tensor l1_loss(const Tensor& input, const Tensor& target, std::string_view reduction) {
    return l1_loss(input, target, parse_reduction("l1_loss", reduction));
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, std::string_view reduction,
                      double beta) {
    return smooth_l1_loss(input, target, parse_reduction("smooth_l1_loss", reduction), beta);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, std::string_view reduction,
                  double delta) {
    return huber_loss(input, target, parse_reduction("huber_loss", reduction), delta);
}

Tensor log_cosh_loss(const Tensor& input, const Tensor& target, std::string_view reduction) {
    return log_cosh_loss(input, target, parse_reduction("log_cosh_loss", reduction));
}

}  // namespace wengert
