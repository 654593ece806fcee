#pragma once
// Printing tensors: fmt::print("{}", t) and std::ostream << t.

#include <ostream>

#include <fmt/format.h>

#include "tensor.hpp"

template <>
struct fmt::formatter<wengert::Tensor> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(const wengert::Tensor& t, FormatContext& out) const {
        return fmt::formatter<std::string_view>::format(t.to_string(), out);
    }
};

namespace wengert {
inline std::ostream& operator<<(std::ostream& stream, const Tensor& t) {
    return stream << t.to_string();
}
}  // namespace wengert
