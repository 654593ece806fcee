#pragma once
// Layers: modules for the ops of ops/. Stateless modules first (activations, Flatten,
// Identity); layers with parameters follow as their ops land.

#include <cstdint>
#include <string>

#include "module.hpp"

namespace wengert {

/// Returns its input unchanged.
class Identity : public Module {
public:
    Identity() : Module("Identity") {}
    Tensor forward(const Tensor& input) override { return input; }
};

/// Flattens axes start_dim..end_dim into one (negative axes count from the end):
/// (N, C, H, W) -> (N, C*H*W) with the defaults. std::out_of_range for axes outside the
/// input, std::invalid_argument when start_dim comes after end_dim.
class Flatten : public Module {
public:
    explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
        : Module("Flatten"), start_dim_(start_dim), end_dim_(end_dim) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

private:
    std::int64_t start_dim_;
    std::int64_t end_dim_;
};

/// max(x, 0).
class ReLU : public Module {
public:
    ReLU() : Module("ReLU") {}
    Tensor forward(const Tensor& input) override;
};

/// tanh(x).
class Tanh : public Module {
public:
    Tanh() : Module("Tanh") {}
    Tensor forward(const Tensor& input) override;
};

/// 1 / (1 + e^-x).
class Sigmoid : public Module {
public:
    Sigmoid() : Module("Sigmoid") {}
    Tensor forward(const Tensor& input) override;
};

/// x for x >= 0, negative_slope * x below (PyTorch's default slope 0.01).
class LeakyReLU : public Module {
public:
    explicit LeakyReLU(double negative_slope = 0.01)
        : Module("LeakyReLU"), negative_slope_(negative_slope) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

private:
    double negative_slope_;
};

/// x * Phi(x), Phi the standard normal CDF; approximate "tanh" uses
/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). std::invalid_argument for another
/// approximate string.
class GELU : public Module {
public:
    explicit GELU(std::string approximate = "none");
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

private:
    std::string approximate_;
};

}  // namespace wengert
