#pragma once
// Layers: modules for the ops of ops/. Stateless modules first (activations, Flatten,
// Identity), then layers with parameters, initialised as PyTorch does by default and drawn
// from `generator` (the default generator when null), so a seed fixes a model.

#include <cstdint>
#include <optional>
#include <string>

#include "../ops/conv.hpp"
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

/// y = x W^T + b, as torch.nn.Linear. weight (out_features, in_features) and bias
/// (out_features) are uniform on [-1/sqrt(in_features), 1/sqrt(in_features)) (PyTorch's
/// kaiming_uniform_(a = sqrt(5)) and bias rule). Input (*, in_features). std::invalid_argument
/// for a zero size.
class Linear : public Module {
public:
    Linear(std::size_t in_features, std::size_t out_features, bool bias = true,
           Generator* generator = nullptr);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

    Tensor weight;
    /// Undefined without bias.
    Tensor bias;
};

/// 2-D convolution, as torch.nn.Conv2d: weight (out_channels, in_channels / groups, kH, kW),
/// bias (out_channels); both uniform on +-1/sqrt(fan_in), fan_in = in_channels / groups * kH
/// * kW. std::invalid_argument when groups does not divide both channel counts or a size is
/// zero; conv2d's errors for inputs.
class Conv2d : public Module {
public:
    Conv2d(std::size_t in_channels, std::size_t out_channels, IntPair kernel_size,
           IntPair stride = 1, IntPair padding = 0, IntPair dilation = 1, std::int64_t groups = 1,
           bool bias = true, Generator* generator = nullptr);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

    Tensor weight;
    Tensor bias;

private:
    IntPair stride_, padding_, dilation_;
    std::int64_t groups_;
};

/// 1-D convolution, as torch.nn.Conv1d: weight (out_channels, in_channels / groups, k),
/// initialised as Conv2d's.
class Conv1d : public Module {
public:
    Conv1d(std::size_t in_channels, std::size_t out_channels, std::int64_t kernel_size,
           std::int64_t stride = 1, std::int64_t padding = 0, std::int64_t dilation = 1,
           std::int64_t groups = 1, bool bias = true, Generator* generator = nullptr);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

    Tensor weight;
    Tensor bias;

private:
    std::int64_t stride_, padding_, dilation_, groups_;
};

/// max_pool2d as a module (stride defaults to kernel_size).
class MaxPool2d : public Module {
public:
    explicit MaxPool2d(IntPair kernel_size, std::optional<IntPair> stride = std::nullopt,
                       IntPair padding = 0, IntPair dilation = 1, bool ceil_mode = false);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

private:
    IntPair kernel_size_;
    std::optional<IntPair> stride_;
    IntPair padding_, dilation_;
    bool ceil_mode_;
};

/// avg_pool2d as a module.
class AvgPool2d : public Module {
public:
    explicit AvgPool2d(IntPair kernel_size, std::optional<IntPair> stride = std::nullopt,
                       IntPair padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                       std::optional<std::int64_t> divisor_override = std::nullopt);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

private:
    IntPair kernel_size_;
    std::optional<IntPair> stride_;
    IntPair padding_;
    bool ceil_mode_, count_include_pad_;
    std::optional<std::int64_t> divisor_override_;
};

/// adaptive_avg_pool2d as a module.
class AdaptiveAvgPool2d : public Module {
public:
    explicit AdaptiveAvgPool2d(IntPair output_size)
        : Module("AdaptiveAvgPool2d"), output_size_(output_size) {}
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

private:
    IntPair output_size_;
};

/// Batch normalisation over channel axis 1, as torch.nn.BatchNorm1d / BatchNorm2d (the two
/// differ only in the input ranks they accept: (N, C) or (N, C, L), and (N, C, H, W)).
/// Parameters weight = 1 and bias = 0 (when affine); buffers running_mean = 0,
/// running_var = 1 and num_batches_tracked (int64, counts training batches) when
/// track_running_stats. Training uses batch statistics and updates the running ones;
/// evaluation uses the running ones (or batch statistics without them). momentum
/// std::nullopt (PyTorch's None) makes the running statistics a cumulative average of every
/// training batch: the k-th batch is weighted 1/k.
/// ShapeError naming the module and shape for an input of another rank.
class BatchNorm : public Module {
public:
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

    Tensor weight;
    Tensor bias;
    Tensor running_mean;
    Tensor running_var;
    Tensor num_batches_tracked;

protected:
    BatchNorm(std::string name, std::size_t num_features, double eps,
              std::optional<double> momentum, bool affine, bool track_running_stats,
              std::size_t min_rank, std::size_t max_rank);

private:
    std::size_t num_features_;
    double eps_;
    std::optional<double> momentum_;
    std::size_t min_rank_, max_rank_;
};

class BatchNorm1d : public BatchNorm {
public:
    explicit BatchNorm1d(std::size_t num_features, double eps = 1e-5,
                         std::optional<double> momentum = 0.1,
                         bool affine = true, bool track_running_stats = true)
        : BatchNorm("BatchNorm1d", num_features, eps, momentum, affine, track_running_stats, 2, 3) {
    }
};

class BatchNorm2d : public BatchNorm {
public:
    explicit BatchNorm2d(std::size_t num_features, double eps = 1e-5,
                         std::optional<double> momentum = 0.1,
                         bool affine = true, bool track_running_stats = true)
        : BatchNorm("BatchNorm2d", num_features, eps, momentum, affine, track_running_stats, 4, 4) {
    }
};

/// Layer normalisation over the trailing normalized_shape axes, as torch.nn.LayerNorm;
/// weight = 1 and bias = 0 of that shape when elementwise_affine.
class LayerNorm : public Module {
public:
    explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

    Tensor weight;
    Tensor bias;

private:
    Shape normalized_shape_;
    double eps_;
};

/// Zeroes elements with probability p in training and scales the rest by 1 / (1 - p); the
/// identity in evaluation. std::invalid_argument for p outside [0, 1]. The generator, when
/// given, must outlive the module.
class Dropout : public Module {
public:
    explicit Dropout(double p = 0.5, Generator* generator = nullptr);
    Tensor forward(const Tensor& input) override;
    std::string extra_repr() const override;

private:
    double p_;
    Generator* generator_;
};

/// A lookup table of num_embeddings rows of embedding_dim values, as torch.nn.Embedding:
/// weight is standard normal, with the padding_idx row (if any) zeroed. Input: int64
/// indices of any shape.
class Embedding : public Module {
public:
    Embedding(std::size_t num_embeddings, std::size_t embedding_dim,
              std::optional<std::int64_t> padding_idx = std::nullopt,
              Generator* generator = nullptr);
    Tensor forward(const Tensor& indices) override;
    std::string extra_repr() const override;

    Tensor weight;

private:
    std::optional<std::int64_t> padding_idx_;
};

}  // namespace wengert
