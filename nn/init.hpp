#pragma once
// Parameter initialisers, with the names and formulas of torch.nn.init.
//
// Each fills a float tensor in place without recording anything on the tape (as under
// NoGradGuard) and returns the same tensor. Random ones draw one value per element in
// row-major order from `generator` (the default generator when null), so a seed fixes them.
// Errors: std::invalid_argument for an undefined tensor or a bad parameter (naming it),
// DtypeError for an int64 tensor, ShapeError when fans are needed and the tensor has fewer
// than 2 axes.

#include <cstddef>

#include "../autograd/tensor.hpp"

namespace wengert::nn::init {

enum class Nonlinearity { linear, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leaky_relu, selu };

enum class FanMode { fan_in, fan_out };

/// The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain: 1 for linear,
/// conv and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu
/// (param is the negative slope), 3/4 for selu.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

struct Fans {
    std::size_t fan_in;
    std::size_t fan_out;
};

/// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the
/// receptive field is the product of the sizes after the first two (kH * kW for a conv
/// weight (O, I, kH, kW); 1 for a linear weight (out, in)).
/// Errors: ShapeError naming the shape for fewer than 2 axes.
Fans calculate_fan_in_and_fan_out(const Tensor& tensor);

/// Uniform on [a, b).
Tensor uniform_(const Tensor& tensor, double a = 0.0, double b = 1.0,
                Generator* generator = nullptr);
/// Normal with mean and standard deviation std.
Tensor normal_(const Tensor& tensor, double mean = 0.0, double std = 1.0,
               Generator* generator = nullptr);
/// Every element set to val.
Tensor constant_(const Tensor& tensor, double val);
Tensor zeros_(const Tensor& tensor);
Tensor ones_(const Tensor& tensor);

/// Uniform on [-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and
/// Bengio, 2010).
Tensor xavier_uniform_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);
/// Normal with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);

/// Uniform on [-bound, bound) with bound = gain * sqrt(3 / fan), gain =
/// calculate_gain(nonlinearity, a) and fan chosen by mode (He et al., 2015). With
/// a = sqrt(5) and the defaults this is PyTorch's default Linear and Conv2d weight
/// initialisation, bound 1 / sqrt(fan_in).
Tensor kaiming_uniform_(const Tensor& tensor, double a = 0.0, FanMode mode = FanMode::fan_in,
                        Nonlinearity nonlinearity = Nonlinearity::leaky_relu,
                        Generator* generator = nullptr);
/// Normal with std = gain / sqrt(fan).
Tensor kaiming_normal_(const Tensor& tensor, double a = 0.0, FanMode mode = FanMode::fan_in,
                       Nonlinearity nonlinearity = Nonlinearity::leaky_relu,
                       Generator* generator = nullptr);

}  // namespace wengert::nn::init
