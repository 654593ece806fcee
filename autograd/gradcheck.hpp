#pragma once
// Gradient checking: compares the tape's gradients with central finite differences.
//
// gradcheck(f, inputs) builds, for every input that requires grad, the Jacobian of every
// output two ways: analytically, one backward per output element, and numerically, as
// (f(x + eps) - f(x - eps)) / (2 eps) per input element. It passes when every entry agrees
// within atol + rtol * |numeric|. The analytic Jacobian is computed twice and must be
// identical, which catches gradients read from uninitialised memory or accumulated twice.
// Inputs must be float64: in float32, finite differences lose most of their digits.

#include <functional>
#include <stdexcept>
#include <string>

#include "tensor.hpp"

namespace wengert {

/// Thrown by gradcheck and gradgradcheck on a mismatch.
class GradcheckError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct GradcheckOptions {
    double eps = 1e-6;   ///< finite-difference step
    double atol = 1e-5;  ///< absolute tolerance
    double rtol = 1e-3;  ///< relative tolerance, relative to the numeric value
    /// Throw GradcheckError on failure (else return false and fill `message` of the result).
    bool raise_exception = true;
    std::uint64_t seed = 0;  ///< for gradgradcheck's random grad_outputs
};

struct GradcheckResult {
    bool passed = true;
    /// On failure: the input, the element index, and the analytic and numeric values.
    std::string message;
};

using MultiOutputFn = std::function<TensorList(const TensorList&)>;
using SingleOutputFn = std::function<Tensor(const TensorList&)>;

/// First-order check of f at `inputs` (float64; only inputs with requires_grad are checked).
bool gradcheck(const SingleOutputFn& f, const TensorList& inputs, double eps = 1e-6,
               double atol = 1e-5, double rtol = 1e-3);
GradcheckResult gradcheck(const MultiOutputFn& f, const TensorList& inputs,
                          const GradcheckOptions& options);

/// Second-order check: gradcheck of (inputs, v) -> grad(f(inputs), inputs, v,
/// create_graph=true) for random seeds v, which checks the backward of every backward.
bool gradgradcheck(const SingleOutputFn& f, const TensorList& inputs, double eps = 1e-6,
                   double atol = 1e-5, double rtol = 1e-3);
GradcheckResult gradgradcheck(const MultiOutputFn& f, const TensorList& inputs,
                              const GradcheckOptions& options);

}  // namespace wengert
