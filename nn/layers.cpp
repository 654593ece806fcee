#include "layers.hpp"

#include <fmt/format.h>

#include <cmath>

#include "../autograd/tensor_impl.hpp"
#include "../ops/ops.hpp"
#include "init.hpp"

namespace wengert {

namespace {

std::size_t resolve_axis(const char* where, std::int64_t axis, std::size_t rank,
                         const Tensor& input) {
    const auto r = static_cast<std::int64_t>(rank);
    const std::int64_t resolved = axis < 0 ? axis + r : axis;
    detail::require<std::out_of_range>(resolved >= 0 && resolved < r,
                                       "{}: axis {} is out of range for an input of shape {}",
                                       where, axis, shape_string(input.shape()));
    return static_cast<std::size_t>(resolved);
}

}  // namespace

Tensor Flatten::forward(const Tensor& input) {
    detail::require_defined("Flatten", input);
    const std::size_t rank = input.dim();
    if (rank == 0) {
        return reshape(input, {1});
    }
    const std::size_t start = resolve_axis("Flatten", start_dim_, rank, input);
    const std::size_t end = resolve_axis("Flatten", end_dim_, rank, input);
    detail::require(start <= end, "Flatten: start_dim {} comes after end_dim {} for shape {}",
                    start_dim_, end_dim_, shape_string(input.shape()));
    std::vector<std::int64_t> shape;
    std::int64_t merged = 1;
    for (std::size_t axis = 0; axis < rank; ++axis) {
        const auto extent = static_cast<std::int64_t>(input.shape()[axis]);
        if (axis < start || axis > end) {
            shape.push_back(extent);
        } else {
            merged *= extent;
            if (axis == end) {
                shape.push_back(merged);
            }
        }
    }
    return reshape(input, shape);
}

std::string Flatten::extra_repr() const {
    return fmt::format("start_dim={}, end_dim={}", start_dim_, end_dim_);
}

Tensor ReLU::forward(const Tensor& input) {
    return relu(input);
}

Tensor Tanh::forward(const Tensor& input) {
    return tanh(input);
}

Tensor Sigmoid::forward(const Tensor& input) {
    return sigmoid(input);
}

Tensor LeakyReLU::forward(const Tensor& input) {
    return leaky_relu(input, negative_slope_);
}

std::string LeakyReLU::extra_repr() const {
    return fmt::format("negative_slope={}", negative_slope_);
}

GELU::GELU(std::string approximate) : Module("GELU"), approximate_(std::move(approximate)) {
    detail::require(approximate_ == "none" || approximate_ == "tanh",
                    "GELU: approximate must be \"none\" or \"tanh\"; got \"{}\"", approximate_);
}

Tensor GELU::forward(const Tensor& input) {
    return gelu(input, approximate_);
}

std::string GELU::extra_repr() const {
    return approximate_ == "none" ? "" : fmt::format("approximate='{}'", approximate_);
}

namespace {

std::string pair_string(IntPair p) {
    return p.h == p.w ? fmt::format("{}", p.h) : fmt::format("({}, {})", p.h, p.w);
}

// PyTorch's default bias: uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)).
Tensor default_bias(std::size_t size, std::size_t fan_in, Generator* generator) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    return nn::init::uniform_(zeros({size}), -bound, bound, generator);
}

// PyTorch's default weight of Linear and ConvNd: kaiming_uniform_ with a = sqrt(5).
Tensor default_weight(Shape shape, Generator* generator) {
    return nn::init::kaiming_uniform_(zeros(std::move(shape)), std::sqrt(5.0),
                                      nn::init::FanMode::fan_in, nn::init::Nonlinearity::leaky_relu,
                                      generator);
}

void require_groups(const char* layer, std::size_t in_channels, std::size_t out_channels,
                    std::int64_t groups) {
    const auto g = static_cast<std::size_t>(groups);
    detail::require(groups > 0 && in_channels > 0 && out_channels > 0 && in_channels % g == 0 &&
                        out_channels % g == 0,
                    "{}: groups ({}) must be positive and divide in_channels ({}) and "
                    "out_channels ({})",
                    layer, groups, in_channels, out_channels);
}

}  // namespace

Linear::Linear(std::size_t in_features, std::size_t out_features, bool with_bias,
               Generator* generator)
    : Module("Linear") {
    detail::require(in_features > 0 && out_features > 0,
                    "Linear: in_features and out_features must be positive; got {} and {}",
                    in_features, out_features);
    // Weight before bias: the order of draws PyTorch's reset_parameters uses.
    weight = register_parameter("weight", default_weight({out_features, in_features}, generator));
    if (with_bias) {
        bias = register_parameter("bias", default_bias(out_features, in_features, generator));
    }
}

Tensor Linear::forward(const Tensor& input) {
    return linear(input, weight, bias);
}

std::string Linear::extra_repr() const {
    return fmt::format("in_features={}, out_features={}, bias={}", weight.size(1), weight.size(0),
                       bias.defined());
}

Conv2d::Conv2d(std::size_t in_channels, std::size_t out_channels, IntPair kernel_size,
               IntPair stride, IntPair padding, IntPair dilation, std::int64_t groups,
               bool with_bias, Generator* generator)
    : Module("Conv2d"), stride_(stride), padding_(padding), dilation_(dilation), groups_(groups) {
    require_groups("Conv2d", in_channels, out_channels, groups);
    const auto g = static_cast<std::size_t>(groups);
    detail::require(kernel_size.h > 0 && kernel_size.w > 0,
                    "Conv2d: kernel_size must be positive; got {}", pair_string(kernel_size));
    const auto kh = static_cast<std::size_t>(kernel_size.h);
    const auto kw = static_cast<std::size_t>(kernel_size.w);
    weight = register_parameter("weight",
                                default_weight({out_channels, in_channels / g, kh, kw}, generator));
    if (with_bias) {
        bias = register_parameter("bias",
                                  default_bias(out_channels, in_channels / g * kh * kw, generator));
    }
}

Tensor Conv2d::forward(const Tensor& input) {
    return conv2d(input, weight, bias, stride_, padding_, dilation_, groups_);
}

std::string Conv2d::extra_repr() const {
    std::string out =
        fmt::format("{}, {}, kernel_size={}, stride={}",
                    weight.size(1) * static_cast<std::size_t>(groups_), weight.size(0),
                    pair_string({static_cast<std::int64_t>(weight.size(2)),
                                 static_cast<std::int64_t>(weight.size(3))}),
                    pair_string(stride_));
    if (padding_.h != 0 || padding_.w != 0) {
        out += fmt::format(", padding={}", pair_string(padding_));
    }
    if (dilation_.h != 1 || dilation_.w != 1) {
        out += fmt::format(", dilation={}", pair_string(dilation_));
    }
    if (groups_ != 1) {
        out += fmt::format(", groups={}", groups_);
    }
    return bias.defined() ? out : out + ", bias=false";
}

Conv1d::Conv1d(std::size_t in_channels, std::size_t out_channels, std::int64_t kernel_size,
               std::int64_t stride, std::int64_t padding, std::int64_t dilation,
               std::int64_t groups, bool with_bias, Generator* generator)
    : Module("Conv1d"), stride_(stride), padding_(padding), dilation_(dilation), groups_(groups) {
    require_groups("Conv1d", in_channels, out_channels, groups);
    const auto g = static_cast<std::size_t>(groups);
    detail::require(kernel_size > 0, "Conv1d: kernel_size must be positive; got {}", kernel_size);
    const auto k = static_cast<std::size_t>(kernel_size);
    weight =
        register_parameter("weight", default_weight({out_channels, in_channels / g, k}, generator));
    if (with_bias) {
        bias =
            register_parameter("bias", default_bias(out_channels, in_channels / g * k, generator));
    }
}

Tensor Conv1d::forward(const Tensor& input) {
    return conv1d(input, weight, bias, stride_, padding_, dilation_, groups_);
}

std::string Conv1d::extra_repr() const {
    return fmt::format(
        "{}, {}, kernel_size={}, stride={}, padding={}, dilation={}, groups={}, "
        "bias={}",
        weight.size(1) * static_cast<std::size_t>(groups_), weight.size(0), weight.size(2), stride_,
        padding_, dilation_, groups_, bias.defined());
}

MaxPool2d::MaxPool2d(IntPair kernel_size, std::optional<IntPair> stride, IntPair padding,
                     IntPair dilation, bool ceil_mode)
    : Module("MaxPool2d"),
      kernel_size_(kernel_size),
      stride_(stride),
      padding_(padding),
      dilation_(dilation),
      ceil_mode_(ceil_mode) {}

Tensor MaxPool2d::forward(const Tensor& input) {
    return max_pool2d(input, kernel_size_, stride_, padding_, dilation_, ceil_mode_);
}

std::string MaxPool2d::extra_repr() const {
    return fmt::format("kernel_size={}, stride={}, padding={}", pair_string(kernel_size_),
                       pair_string(stride_.value_or(kernel_size_)), pair_string(padding_));
}

AvgPool2d::AvgPool2d(IntPair kernel_size, std::optional<IntPair> stride, IntPair padding,
                     bool ceil_mode, bool count_include_pad,
                     std::optional<std::int64_t> divisor_override)
    : Module("AvgPool2d"),
      kernel_size_(kernel_size),
      stride_(stride),
      padding_(padding),
      ceil_mode_(ceil_mode),
      count_include_pad_(count_include_pad),
      divisor_override_(divisor_override) {}

Tensor AvgPool2d::forward(const Tensor& input) {
    return avg_pool2d(input, kernel_size_, stride_, padding_, ceil_mode_, count_include_pad_,
                      divisor_override_);
}

std::string AvgPool2d::extra_repr() const {
    return fmt::format("kernel_size={}, stride={}, padding={}", pair_string(kernel_size_),
                       pair_string(stride_.value_or(kernel_size_)), pair_string(padding_));
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
    return adaptive_avg_pool2d(input, output_size_);
}

std::string AdaptiveAvgPool2d::extra_repr() const {
    return fmt::format("output_size={}", pair_string(output_size_));
}

BatchNorm::BatchNorm(std::string name, std::size_t num_features, double eps,
                     std::optional<double> momentum, bool affine, bool track_running_stats,
                     std::size_t min_rank, std::size_t max_rank)
    : Module(std::move(name)),
      num_features_(num_features),
      eps_(eps),
      momentum_(momentum),
      min_rank_(min_rank),
      max_rank_(max_rank) {
    detail::require(num_features > 0, "{}: num_features must be positive", this->name());
    detail::require(eps > 0.0, "{}: eps must be positive; got {}", this->name(), eps);
    detail::require(!momentum || (*momentum >= 0.0 && *momentum <= 1.0),
                    "{}: momentum must be in [0, 1] or nullopt; got {}", this->name(),
                    momentum.value_or(0.0));
    if (affine) {
        weight = register_parameter("weight", ones({num_features}));
        bias = register_parameter("bias", zeros({num_features}));
    }
    if (track_running_stats) {
        running_mean = register_buffer("running_mean", zeros({num_features}));
        running_var = register_buffer("running_var", ones({num_features}));
        num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
    }
}

Tensor BatchNorm::forward(const Tensor& input) {
    detail::require_defined(name().c_str(), input);
    detail::require<ShapeError>(input.dim() >= min_rank_ && input.dim() <= max_rank_,
                                "{}: expected a {}-D input; got shape {}", name(),
                                min_rank_ == max_rank_
                                    ? fmt::format("{}", min_rank_)
                                    : fmt::format("{}-D or {}", min_rank_, max_rank_),
                                shape_string(input.shape()));
    // Without running statistics, evaluation normalises with the batch's own (as PyTorch).
    const bool use_batch_stats = is_training() || !running_mean.defined();
    double factor = momentum_.value_or(0.0);
    if (is_training() && num_batches_tracked.defined()) {
        std::int64_t& batches = detail::array_as<std::int64_t>(num_batches_tracked).data()[0];
        batches += 1;
        if (!momentum_) {
            factor = 1.0 / static_cast<double>(batches);
        }
    }
    return batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats, factor,
                      eps_);
}

std::string BatchNorm::extra_repr() const {
    const std::string momentum = momentum_ ? fmt::format("{}", *momentum_) : "None";
    return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", num_features_,
                       eps_, momentum, weight.defined(), running_mean.defined());
}

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine)
    : Module("LayerNorm"), normalized_shape_(std::move(normalized_shape)), eps_(eps) {
    detail::require(!normalized_shape_.empty(), "LayerNorm: normalized_shape is empty");
    if (elementwise_affine) {
        weight = register_parameter("weight", ones(normalized_shape_));
        bias = register_parameter("bias", zeros(normalized_shape_));
    }
}

Tensor LayerNorm::forward(const Tensor& input) {
    return layer_norm(input, normalized_shape_, weight, bias, eps_);
}

std::string LayerNorm::extra_repr() const {
    return fmt::format("{}, eps={}, elementwise_affine={}", shape_string(normalized_shape_), eps_,
                       weight.defined());
}

Dropout::Dropout(double p, Generator* generator) : Module("Dropout"), p_(p), generator_(generator) {
    detail::require(p >= 0.0 && p <= 1.0, "Dropout: p must be in [0, 1]; got {}", p);
}

Tensor Dropout::forward(const Tensor& input) {
    return dropout(input, p_, is_training(), generator_);
}

std::string Dropout::extra_repr() const {
    return fmt::format("p={}", p_);
}

Embedding::Embedding(std::size_t num_embeddings, std::size_t embedding_dim,
                     std::optional<std::int64_t> padding_idx, Generator* generator)
    : Module("Embedding"), padding_idx_(padding_idx) {
    detail::require(num_embeddings > 0 && embedding_dim > 0,
                    "Embedding: num_embeddings and embedding_dim must be positive; got {} and {}",
                    num_embeddings, embedding_dim);
    const auto n = static_cast<std::int64_t>(num_embeddings);
    if (padding_idx_) {
        detail::require<std::out_of_range>(*padding_idx_ >= -n && *padding_idx_ < n,
                                           "Embedding: padding_idx {} is out of range for {} "
                                           "embeddings",
                                           *padding_idx_, n);
        if (*padding_idx_ < 0) {
            *padding_idx_ += n;
        }
    }
    Tensor table = nn::init::normal_(zeros({num_embeddings, embedding_dim}), 0.0, 1.0, generator);
    if (padding_idx_) {
        const auto row = static_cast<std::size_t>(*padding_idx_);
        detail::visit("Embedding", table, [&](auto& array) {
            std::fill_n(array.data() + row * embedding_dim, embedding_dim, 0);
        });
    }
    weight = register_parameter("weight", table);
}

Tensor Embedding::forward(const Tensor& indices) {
    return embedding(indices, weight, padding_idx_);
}

std::string Embedding::extra_repr() const {
    std::string out = fmt::format("{}, {}", weight.size(0), weight.size(1));
    return padding_idx_ ? out + fmt::format(", padding_idx={}", *padding_idx_) : out;
}

}  // namespace wengert
