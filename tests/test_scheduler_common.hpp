#pragma once
// Shared by the scheduler suites: an SGD optimizer with two groups (lr 0.1 and 0.05) and a
// recorder that compares a scheduler's lrs over 60 epochs with a closed form.

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <vector>
#include <wengert/wengert.hpp>

namespace scheduler_test {

using namespace wengert;
using namespace wengert::optim;

inline constexpr double kPi = std::numbers::pi;
inline const std::vector<double> kBase = {0.1, 0.05};

struct TwoGroups {
    Tensor a = zeros({1}, kFloat64).requires_grad_();
    Tensor b = zeros({2}, kFloat64).requires_grad_();
    SGD sgd{{ParamGroup({a}), ParamGroup({b}, SGDOptions(kBase[1]).momentum(0.9))},
            SGDOptions(kBase[0]).momentum(0.9)};
};

/// The lrs at epochs 0 (after construction) to n - 1, one list per epoch.
template <class Scheduler>
std::vector<std::vector<double>> record(Scheduler& scheduler, int n = 60) {
    std::vector<std::vector<double>> lrs = {scheduler.last_lr()};
    for (int e = 1; e < n; ++e) {
        scheduler.step();
        lrs.push_back(scheduler.last_lr());
    }
    return lrs;
}

/// Checks lrs[e][g] against closed(e, g, base_g) to rtol (absolute below 1e-15).
inline void check_closed_form(const std::vector<std::vector<double>>& lrs,
                              const std::function<double(int, double)>& closed,
                              double rtol = 1e-12) {
    for (std::size_t e = 0; e < lrs.size(); ++e) {
        REQUIRE(lrs[e].size() == kBase.size());
        for (std::size_t g = 0; g < kBase.size(); ++g) {
            const double expected = closed(static_cast<int>(e), kBase[g]);
            INFO("epoch " << e << ", group " << g << ": got " << lrs[e][g] << ", expected "
                          << expected);
            CHECK(std::abs(lrs[e][g] - expected) <= rtol * std::abs(expected) + 1e-15);
        }
    }
}

}  // namespace scheduler_test
