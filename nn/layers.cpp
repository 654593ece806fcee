#include "layers.hpp"

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "../autograd/tensor_impl.hpp"
#include "../ops/ops.hpp"

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
    // Composed from relu until ops/pointwise provides leaky_relu: x - (1 - slope) min(x, 0)
    // written as relu(x) - slope relu(-x), exact in value and gradient (0 at x = 0).
    return sub(relu(input), mul(relu(neg(input)), negative_slope_));
}

std::string LeakyReLU::extra_repr() const {
    return fmt::format("negative_slope={}", negative_slope_);
}

GELU::GELU(std::string approximate) : Module("GELU"), approximate_(std::move(approximate)) {
    detail::require(approximate_ == "none" || approximate_ == "tanh",
                    "GELU: approximate must be \"none\" or \"tanh\"; got \"{}\"", approximate_);
}

Tensor GELU::forward(const Tensor& input) {
    // Limitation: the exact erf form needs the gelu op of ops/pointwise, which is not on
    // main yet; until then both settings use the tanh form (within 1e-3 of the exact one).
    const double k = std::sqrt(2.0 / std::numbers::pi);
    Tensor inner = mul(add(input, mul(pow(input, 3.0), 0.044715)), k);
    return mul(mul(input, 0.5), add(tanh(inner), 1.0));
}

std::string GELU::extra_repr() const {
    return approximate_ == "none" ? "" : fmt::format("approximate='{}'", approximate_);
}

}  // namespace wengert
