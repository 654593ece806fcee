#pragma once
// Shared by the optimizer suites: a fixed quadratic-plus-quartic function of five float64
// values split over two parameters, its gradient written by hand, and runners that record
// the trajectory of the library optimizer and of a reference update loop.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>
#include <wengert/wengert.hpp>

namespace optim_test {

using Vec = std::vector<double>;

// f(z) = sum_i a_i z_i^2 / 2 + b_i z_i^4 / 4 + c z_0 z_3, minimum at z = 0.
inline const Vec kA = {1.0, 2.0, 0.5, 1.5, 3.0};
inline const Vec kB = {0.1, 0.3, 0.2, 0.05, 0.4};
inline constexpr double kC = 0.3;
inline const Vec kStart = {1.2, -0.7, 0.4, -1.1, 0.9};

inline Vec gradient(const Vec& z) {
    Vec g(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) {
        g[i] = kA[i] * z[i] + kB[i] * z[i] * z[i] * z[i];
    }
    g[0] += kC * z[3];
    g[3] += kC * z[0];
    return g;
}

inline double norm(const Vec& z) {
    double s = 0.0;
    for (double v : z) {
        s += v * v;
    }
    return std::sqrt(s);
}

/// The two parameters of the problem: x holds z_0..z_2 (shape {3}), y holds z_3, z_4 ({2}).
struct Params {
    wengert::Tensor x, y;
    explicit Params(wengert::Dtype dtype = wengert::kFloat64, const Vec& z = kStart)
        : x(wengert::tensor({z[0], z[1], z[2]}, {3}, dtype).requires_grad_()),
          y(wengert::tensor({z[3], z[4]}, {2}, dtype).requires_grad_()) {}
    wengert::TensorList list() const { return {x, y}; }
    Vec values() const {
        Vec z = x.to_vector();
        const Vec rest = y.to_vector();
        z.insert(z.end(), rest.begin(), rest.end());
        return z;
    }
    /// Sets both gradients from the hand-written gradient at the current values.
    void set_gradients() {
        const Vec g = gradient(values());
        x.set_grad(wengert::tensor({g[0], g[1], g[2]}, {3}, x.dtype()));
        y.set_grad(wengert::tensor({g[3], g[4]}, {2}, y.dtype()));
    }
};

/// Values after each of `steps` library steps.
inline std::vector<Vec> run_library(Params& params, wengert::optim::Optimizer& optimizer,
                                    int steps) {
    std::vector<Vec> trajectory;
    for (int s = 0; s < steps; ++s) {
        params.set_gradients();
        optimizer.step();
        trajectory.push_back(params.values());
    }
    return trajectory;
}

/// Values after each of `steps` reference updates; update(z, g, t) with t = 1, 2, ...
inline std::vector<Vec> run_reference(const std::function<void(Vec&, const Vec&, int)>& update,
                                      int steps) {
    Vec z = kStart;
    std::vector<Vec> trajectory;
    for (int t = 1; t <= steps; ++t) {
        const Vec g = gradient(z);
        update(z, g, t);
        trajectory.push_back(z);
    }
    return trajectory;
}

inline void check_same(const std::vector<Vec>& got, const std::vector<Vec>& expected,
                       double rtol = 1e-10) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t s = 0; s < got.size(); ++s) {
        for (std::size_t i = 0; i < got[s].size(); ++i) {
            const double scale = std::max(std::abs(expected[s][i]), 1e-8);
            INFO("step " << s + 1 << ", value " << i << ": got " << got[s][i] << ", expected "
                         << expected[s][i]);
            CHECK(std::abs(got[s][i] - expected[s][i]) <= rtol * scale);
        }
    }
}

/// Runs the library optimizer made by `make` for `steps` steps from the start and returns
/// the final distance to the minimum.
inline double final_distance(
    const std::function<std::unique_ptr<wengert::optim::Optimizer>(wengert::TensorList)>& make,
    int steps) {
    Params params;
    auto optimizer = make(params.list());
    run_library(params, *optimizer, steps);
    return norm(params.values());
}

}  // namespace optim_test
