#include "nn.hpp"

#include <algorithm>
#include <cmath>

#include "arithmetic.hpp"
#include "kernel.hpp"
#include "linalg.hpp"
#include "reduce.hpp"
#include "shape.hpp"

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

}  // namespace wengert
