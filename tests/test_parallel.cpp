// The thread pool and the elementwise kernels that use it.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <wengert/ops/kernel.hpp>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

// Restores the thread count a test changes.
struct ThreadCountGuard {
    int saved = get_num_threads();
    ~ThreadCountGuard() { set_num_threads(saved); }
};

}  // namespace

TEST_SUITE("parallel") {
    TEST_CASE("parallel_for covers every index exactly once") {
        ThreadCountGuard guard;
        set_num_threads(2);
        constexpr std::size_t n = 100003;
        std::vector<std::atomic<int>> hits(n);
        detail::parallel_for(n, 1000, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                hits[i].fetch_add(1);
            }
        });
        std::size_t wrong = 0;
        for (const auto& h : hits) {
            wrong += h.load() != 1;
        }
        CHECK(wrong == 0);
    }

    TEST_CASE("below the grain, and inside a region, parallel_for runs inline") {
        ThreadCountGuard guard;
        set_num_threads(2);
        int calls = 0;
        detail::parallel_for(10, 100, [&](std::size_t begin, std::size_t end) {
            ++calls;
            CHECK(begin == 0);
            CHECK(end == 10);
        });
        CHECK(calls == 1);

        std::atomic<int> inner_calls{0};
        detail::parallel_for(4000, 1000, [&](std::size_t, std::size_t) {
            detail::parallel_for(4000, 1, [&](std::size_t begin, std::size_t end) {
                CHECK(end - begin == 4000);
                inner_calls.fetch_add(1);
            });
        });
        CHECK(inner_calls.load() == 2);
    }

    TEST_CASE("an exception in a chunk reaches the caller and the pool stays usable") {
        ThreadCountGuard guard;
        set_num_threads(2);
        auto fail = [](std::size_t begin, std::size_t) {
            if (begin > 0) {
                throw std::runtime_error("chunk failed");
            }
        };
        CHECK_THROWS_WITH_AS(detail::parallel_for(10000, 100, fail), "chunk failed",
                             std::runtime_error);
        std::atomic<std::size_t> total{0};
        detail::parallel_for(10000, 100, [&](std::size_t begin, std::size_t end) {
            total.fetch_add(end - begin);
        });
        CHECK(total.load() == 10000);
    }

    TEST_CASE("set_num_threads validates and get_num_threads reports it") {
        ThreadCountGuard guard;
        CHECK_THROWS_WITH_AS(set_num_threads(0), doctest::Contains("got 0"),
                             std::invalid_argument);
        set_num_threads(1);
        CHECK(get_num_threads() == 1);
        set_num_threads(2);
        CHECK(get_num_threads() == 2);
        // From inside a region (the pool is held by this very call) it must not wait for it.
        detail::parallel_for(4000, 1000, [](std::size_t, std::size_t) { set_num_threads(2); });
        CHECK(get_num_threads() == 2);
    }

    TEST_CASE("large elementwise ops give the same values on one thread and on two") {
        ThreadCountGuard guard;
        // Above the kernels' grain, so that two threads split the work; odd, for a tail.
        const std::size_t n = 2 * detail::kMemoryBoundGrain + 7;
        Tensor a = randn({n}, kFloat32);
        Tensor b = randn({n}, kFloat32);
        set_num_threads(1);
        const std::vector<double> serial_add = add(a, b).to_vector();
        const std::vector<double> serial_tanh = tanh(a).to_vector();
        set_num_threads(2);
        CHECK(add(a, b).to_vector() == serial_add);
        CHECK(tanh(a).to_vector() == serial_tanh);
        const std::vector<double> product = mul(a, b).to_vector();
        const std::vector<double> va = a.to_vector(), vb = b.to_vector();
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < n; ++i) {
            wrong += product[i] != static_cast<double>(static_cast<float>(va[i] * vb[i]));
        }
        CHECK(wrong == 0);
    }

    TEST_CASE("broadcast ops, expand and sum_to agree with a plain loop on one and two threads") {
        ThreadCountGuard guard;
        // value[i] of a tensor of `shape` read at output index k of `out` (broadcasting).
        auto at = [](const Shape& shape, const Shape& out, std::size_t k) {
            std::size_t index = 0, stride = 1;
            const std::size_t lead = out.size() - shape.size();
            for (std::size_t d = out.size(); d-- > lead;) {
                const std::size_t i = k % out[d];
                k /= out[d];
                if (shape[d - lead] != 1) {
                    index += i * stride;
                }
                stride *= shape[d - lead];
            }
            return index;
        };
        // Shapes that merge axes, broadcast on the inner or the outer side, drop leading axes,
        // and (the last) are large enough for both threads, with a tail in every run.
        const std::vector<std::pair<Shape, Shape>> cases = {
            {{2, 3, 4}, {3, 1}},    {{5, 1, 7}, {1, 6, 1}},       {{4, 1}, {1, 9}},
            {{3}, {2, 1, 3}},       {{2, 1, 3, 1}, {1, 4, 1, 5}}, {{1}, {17}},
            {{6, 5, 4}, {6, 1, 4}}, {{64, 33, 64}, {1, 33, 1}},
        };
        for (const auto& [sa, sb] : cases) {
            CAPTURE(shape_string(sa));
            CAPTURE(shape_string(sb));
            const Shape out = detail::broadcast_shapes("test", sa, sb);
            Tensor a = randn(sa, kFloat32);
            Tensor b = randn(sb, kFloat32);
            const std::vector<double> va = a.to_vector(), vb = b.to_vector();
            std::size_t n = 1;
            for (std::size_t s : out) {
                n *= s;
            }
            for (int threads : {1, 2}) {
                set_num_threads(threads);
                const std::vector<double> diff = sub(a, b).to_vector();
                const std::vector<double> prod = mul(b, a).to_vector();
                const std::vector<double> grown = expand(a, out).to_vector();
                std::size_t wrong = 0;
                for (std::size_t k = 0; k < n; ++k) {
                    const auto x = static_cast<float>(va[at(sa, out, k)]);
                    const auto y = static_cast<float>(vb[at(sb, out, k)]);
                    wrong += diff[k] != static_cast<double>(x - y);
                    wrong += prod[k] != static_cast<double>(y * x);
                    wrong += grown[k] != static_cast<double>(x);
                }
                CHECK(wrong == 0);

                // sum_to of a broadcast product back to each operand's shape.
                const Tensor p = mul(a, b);
                const std::vector<double> to_a = sum_to(p, sa).to_vector();
                std::vector<double> want(va.size(), 0.0);
                for (std::size_t k = 0; k < n; ++k) {
                    want[at(sa, out, k)] += prod[k];
                }
                std::size_t off = 0;
                for (std::size_t i = 0; i < want.size(); ++i) {
                    off += std::abs(to_a[i] - want[i]) > 1e-4 * (10.0 + std::abs(want[i]));
                }
                CHECK(off == 0);
            }
        }
    }

    TEST_CASE("relu keeps NaN and zeroes negatives; the tail of a batch is computed alike") {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        Tensor x = tensor({-1.0, 0.0, 2.5, nan, -0.0, 3.0, -7.0, 1.0, 4.0, -2.0, nan}, {11},
                          kFloat64);
        const std::vector<double> y = relu(x).to_vector();
        CHECK(y[0] == 0.0);
        CHECK(y[2] == 2.5);
        CHECK(std::isnan(y[3]));
        CHECK(y[9] == 0.0);
        CHECK(std::isnan(y[10]));
        CHECK(tanh(x).to_vector()[2] == doctest::Approx(std::tanh(2.5)).epsilon(1e-15));
        CHECK(tanh(x).to_vector()[8] == doctest::Approx(std::tanh(4.0)).epsilon(1e-15));
    }

    TEST_CASE("tanh_backward names both shapes when they differ") {
        Tensor g = ones({2, 3}, kFloat64);
        Tensor y = ones({3, 2}, kFloat64);
        CHECK_THROWS_WITH_AS(detail::tanh_backward(g, y), doctest::Contains("(2, 3)"), ShapeError);
        CHECK_THROWS_WITH_AS(detail::tanh_backward(g, y), doctest::Contains("(3, 2)"), ShapeError);
    }
}
