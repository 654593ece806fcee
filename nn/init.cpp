#include "init.hpp"

#include <cmath>

#include "../autograd/tensor_impl.hpp"

namespace wengert::nn::init {

namespace {

// Writes f() into every element of the tensor, in row-major order.
template <class F>
Tensor fill(const char* op, const Tensor& tensor, F&& f) {
    detail::require_floating(op, tensor, "tensor");
    detail::visit(op, tensor, [&](auto& array) {
        using T = typename std::decay_t<decltype(array)>::value_type;
        T* values = array.data();
        for (std::size_t i = 0; i < array.size(); ++i) {
            values[i] = static_cast<T>(f());
        }
    });
    return tensor;
}

Generator& source(Generator* generator) {
    return generator != nullptr ? *generator : default_generator();
}

std::size_t chosen_fan(const char* op, const Tensor& tensor, FanMode mode) {
    const Fans fans = calculate_fan_in_and_fan_out(tensor);
    const std::size_t fan = mode == FanMode::fan_in ? fans.fan_in : fans.fan_out;
    detail::require(fan > 0, "{}: the fan is 0 for a tensor of shape {}", op,
                    shape_string(tensor.shape()));
    return fan;
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
    switch (nonlinearity) {
        case Nonlinearity::linear:
        case Nonlinearity::conv1d:
        case Nonlinearity::conv2d:
        case Nonlinearity::conv3d:
        case Nonlinearity::sigmoid:
            return 1.0;
        case Nonlinearity::tanh:
            return 5.0 / 3.0;
        case Nonlinearity::relu:
            return std::sqrt(2.0);
        case Nonlinearity::leaky_relu:
            return std::sqrt(2.0 / (1.0 + param * param));
        case Nonlinearity::selu:
            return 3.0 / 4.0;
    }
    detail::internal_error("calculate_gain", "unknown nonlinearity");
}

Fans calculate_fan_in_and_fan_out(const Tensor& tensor) {
    detail::require_defined("calculate_fan_in_and_fan_out", tensor, "tensor");
    detail::require<ShapeError>(tensor.dim() >= 2,
                                "calculate_fan_in_and_fan_out: fans need a tensor with at least "
                                "2 axes; tensor is {}",
                                shape_string(tensor.shape()));
    std::size_t receptive_field = 1;
    for (std::size_t axis = 2; axis < tensor.dim(); ++axis) {
        receptive_field *= tensor.shape()[axis];
    }
    return {tensor.shape()[1] * receptive_field, tensor.shape()[0] * receptive_field};
}

Tensor uniform_(const Tensor& tensor, double a, double b, Generator* generator) {
    detail::require(a <= b, "uniform_: a {} is above b {}", a, b);
    Generator& g = source(generator);
    return fill("uniform_", tensor, [&] { return a + (b - a) * g.uniform(); });
}

Tensor normal_(const Tensor& tensor, double mean, double std, Generator* generator) {
    detail::require(std::isfinite(std) && std >= 0.0,
                    "normal_: std must be finite and non-negative; got {}", std);
    Generator& g = source(generator);
    return fill("normal_", tensor, [&] { return mean + std * g.normal(); });
}

Tensor constant_(const Tensor& tensor, double val) {
    return fill("constant_", tensor, [val] { return val; });
}

Tensor zeros_(const Tensor& tensor) {
    return fill("zeros_", tensor, [] { return 0.0; });
}

Tensor ones_(const Tensor& tensor) {
    return fill("ones_", tensor, [] { return 1.0; });
}

Tensor xavier_uniform_(const Tensor& tensor, double gain, Generator* generator) {
    const Fans fans = calculate_fan_in_and_fan_out(tensor);
    detail::require(fans.fan_in + fans.fan_out > 0,
                    "xavier_uniform_: fan_in + fan_out is 0 for a tensor of shape {}",
                    shape_string(tensor.shape()));
    const double bound = gain * std::sqrt(6.0 / static_cast<double>(fans.fan_in + fans.fan_out));
    return uniform_(tensor, -bound, bound, generator);
}

Tensor xavier_normal_(const Tensor& tensor, double gain, Generator* generator) {
    const Fans fans = calculate_fan_in_and_fan_out(tensor);
    detail::require(fans.fan_in + fans.fan_out > 0,
                    "xavier_normal_: fan_in + fan_out is 0 for a tensor of shape {}",
                    shape_string(tensor.shape()));
    const double std = gain * std::sqrt(2.0 / static_cast<double>(fans.fan_in + fans.fan_out));
    return normal_(tensor, 0.0, std, generator);
}

Tensor kaiming_uniform_(const Tensor& tensor, double a, FanMode mode, Nonlinearity nonlinearity,
                        Generator* generator) {
    const auto fan = static_cast<double>(chosen_fan("kaiming_uniform_", tensor, mode));
    const double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / fan);
    return uniform_(tensor, -bound, bound, generator);
}

Tensor kaiming_normal_(const Tensor& tensor, double a, FanMode mode, Nonlinearity nonlinearity,
                       Generator* generator) {
    const auto fan = static_cast<double>(chosen_fan("kaiming_normal_", tensor, mode));
    const double std = calculate_gain(nonlinearity, a) / std::sqrt(fan);
    return normal_(tensor, 0.0, std, generator);
}

}  // namespace wengert::nn::init
