#pragma once
// Shared by tests/test_losses_*.cpp: golden arrays as tensors, and value comparison.
#include <doctest/doctest.h>

#include <string>
#include <vector>
#include <wengert/wengert.hpp>

#include "losses_golden.hpp"

namespace golden {

inline wengert::Tensor as_tensor(const Golden& g, wengert::Dtype dtype = wengert::kFloat64) {
    return wengert::tensor(g.values, g.shape, dtype);
}

inline wengert::Tensor as_labels(const Golden& g) {
    return wengert::tensor(g.values, g.shape, wengert::kInt64);
}

/// Shape and every value of `actual` against the golden array, within a relative epsilon.
inline void check_values(const wengert::Tensor& actual, const Golden& expected,
                         double epsilon = 1e-10) {
    REQUIRE(std::vector<std::size_t>(actual.shape().begin(), actual.shape().end()) ==
            expected.shape);
    const std::vector<double> values = actual.to_vector();
    for (std::size_t i = 0; i < values.size(); ++i) {
        INFO("element ", i);
        CHECK(values[i] == doctest::Approx(expected.values[i]).epsilon(epsilon));
    }
}

}  // namespace golden
