#pragma once
// Rebuilds the closed-form inputs of tests/golden/conv_pool.py and compares a case's output
// and gradients with PyTorch's values.

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <wengert/wengert.hpp>

#include "conv_pool_golden.hpp"

namespace golden {

using namespace wengert;

inline Tensor filled(const Shape& shape, double scale, double offset, bool use_sin, Dtype dtype) {
    std::size_t n = 1;
    for (std::size_t s : shape) {
        n *= s;
    }
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = scale * static_cast<double>(i) + offset;
        values[i] = use_sin ? std::sin(t) : std::cos(t);
    }
    return tensor(values, shape, dtype);
}

/// x_of, w_of and seed_of of the script.
inline Tensor x_of(const Shape& shape, Dtype dtype) {
    return filled(shape, 0.37, 0.1, true, dtype).requires_grad_();
}
inline Tensor w_of(const Shape& shape, Dtype dtype) {
    return filled(shape, 0.23, 0.0, false, dtype).requires_grad_();
}

inline void check(const Tensor& actual, const Golden& expected, double tolerance) {
    REQUIRE(Shape(actual.shape().begin(), actual.shape().end()) == expected.shape);
    const std::vector<double> values = actual.to_vector();
    for (std::size_t i = 0; i < values.size(); ++i) {
        INFO("element ", i);
        CHECK(values[i] == doctest::Approx(expected.values[i]).epsilon(tolerance).scale(1.0));
    }
}

/// Runs f on inputs, backpropagates sum(out * seed) and checks the output and each input's
/// gradient (expected[0] is the output, then one gradient per input).
inline void check_case(const std::function<Tensor(const TensorList&)>& f, const TensorList& inputs,
                       const std::vector<const Golden*>& expected, double tolerance) {
    Tensor out = f(inputs);
    check(out, *expected[0], tolerance);
    Shape shape(out.shape().begin(), out.shape().end());
    out.backward(filled(shape, 0.11, 0.5, false, out.dtype()));
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        INFO("gradient of input ", i);
        check(inputs[i].grad(), *expected[i + 1], tolerance);
    }
}

}  // namespace golden
