#pragma once
// The registry of differentiable ops that drives the gradient checks (test_gradcheck.cpp).
//
// Each entry names an op, the function to check, sample inputs (including broadcasting
// pairs and edge cases), and whether second order is checked. Families contribute entries
// in tests/registry/<family>.cpp. test_gradcheck.cpp also walks the graph of every sample
// and fails when a node name of ops/op_list.hpp is never exercised, or when a graph holds a
// node that op_list.hpp does not list: a new op cannot skip the checks.

#include <functional>
#include <string>
#include <vector>

#include <wengert/wengert.hpp>

namespace wengert::testing {

/// Where sample values are drawn from, to keep finite differences away from kinks and poles.
enum class Domain {
    any,             ///< standard normal
    positive,        ///< |normal| + 0.5
    away_from_zero,  ///< sign(normal) * (|normal| + 0.3)
    unit_interval,   ///< uniform on [0.1, 0.9]
};

struct Sample {
    std::string label;
    /// Makes the float64 inputs (those to check with requires_grad set) from a generator.
    std::function<TensorList(Generator&)> make;
};

struct OpEntry {
    std::string name;
    std::function<Tensor(const TensorList&)> fn;
    std::vector<Sample> samples;
    bool second_order = true;
    double atol = 1e-5;
    double rtol = 1e-3;
    double eps = 1e-6;
};

/// A float64 tensor of `shape` with values from `domain`, requiring grad.
Tensor sample_tensor(const Shape& shape, Domain domain, Generator& generator,
                     bool requires_grad = true);

/// A sample whose inputs all require grad and share one domain.
Sample sample(std::string label, std::vector<Shape> shapes, Domain domain = Domain::any);

using RegisterFn = void (*)(std::vector<OpEntry>&);

/// Adds a family's registration function; used through WENGERT_REGISTER_OPS.
bool add_registration(RegisterFn fn);

/// Every entry of every family (families in link order).
const std::vector<OpEntry>& op_registry();

}  // namespace wengert::testing

/// In tests/registry/<family>.cpp: WENGERT_REGISTER_OPS(register_family) after defining
/// `void register_family(std::vector<OpEntry>&)`. The registry is an OBJECT library, so every
/// family file is linked and registers itself, with no central list to edit.
#define WENGERT_REGISTER_OPS(fn) \
    static const bool fn##_registered = ::wengert::testing::add_registration(&fn)

namespace wengert::testing {

}  // namespace wengert::testing
