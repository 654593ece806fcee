#pragma once
#include <cstddef>
#include <string_view>

namespace wengert {

/// Element type of a tensor, chosen at run time: train in float32, check gradients in float64.
enum class Dtype { float32, float64 };

inline constexpr Dtype kFloat32 = Dtype::float32;
inline constexpr Dtype kFloat64 = Dtype::float64;

constexpr std::string_view dtype_name(Dtype dtype) {
    return dtype == Dtype::float32 ? "float32" : "float64";
}

constexpr std::size_t dtype_size(Dtype dtype) {
    return dtype == Dtype::float32 ? 4 : 8;
}

/// The dtype of factory functions called without one (float32, as in PyTorch).
Dtype default_dtype();
void set_default_dtype(Dtype dtype);

}  // namespace wengert
