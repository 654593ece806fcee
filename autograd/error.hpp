#pragma once
// Exceptions and the one checking helper that every public function uses.
//
// Message form: "<function>: <what is wrong>; <values>", e.g.
//   "matmul: inner dimensions differ; lhs is (3, 4), rhs is (5, 2)".
// Messages are built only when a check fails, so checks cost a branch on the happy path.

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace wengert {

/// A shape or broadcast mismatch between operands.
class ShapeError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Operands of different dtypes, or a dtype an operation does not support.
class DtypeError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// "(3, 4)" for a shape; "()" for a scalar.
std::string shape_string(std::span<const std::size_t> shape);

namespace detail {

/// Throws Error with a message formatted from the arguments when the condition fails.
/// Error is std::invalid_argument unless a more precise type applies (ShapeError for
/// shapes, std::out_of_range for axes and indices, std::logic_error for misuse of the tape).
template <class Error = std::invalid_argument, class... Args>
inline void require(bool condition, fmt::format_string<Args...> format, Args&&... args) {
    if (!condition) [[unlikely]] {
        throw Error(fmt::format(format, std::forward<Args>(args)...));
    }
}

/// An internal invariant: failing it is a bug in wengert, not in the caller's program.
[[noreturn]] void internal_error(const char* where, const std::string& what);

}  // namespace detail
}  // namespace wengert
