#pragma once
#include <cstddef>
#include <string_view>

namespace wengert {

/// Element type of a tensor, chosen at run time: train in float32, check gradients in float64.
/// int64 holds indices (class labels, argmax results, gather positions); it takes part in
/// no arithmetic and never requires grad, as in PyTorch.
enum class Dtype { float32, float64, int64 };

inline constexpr Dtype kFloat32 = Dtype::float32;
inline constexpr Dtype kFloat64 = Dtype::float64;
inline constexpr Dtype kInt64 = Dtype::int64;

constexpr std::string_view dtype_name(Dtype dtype) {
    switch (dtype) {
    case Dtype::float32: return "float32";
    case Dtype::float64: return "float64";
    case Dtype::int64: return "int64";
    }
    return "unknown";
}

constexpr std::size_t dtype_size(Dtype dtype) {
    return dtype == Dtype::float32 ? 4 : 8;
}

constexpr bool is_floating_point(Dtype dtype) {
    return dtype != Dtype::int64;
}

/// The dtype of factory functions called without one (float32, as in PyTorch).
Dtype default_dtype();
void set_default_dtype(Dtype dtype);

}  // namespace wengert
