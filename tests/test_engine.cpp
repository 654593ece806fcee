// The tape: backward, grad, retain_graph, create_graph, no-grad, deep graphs.
#include <doctest/doctest.h>

#include <cmath>

#include <thread>

#include <wengert/autograd/node.hpp>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {
std::vector<double> values(const Tensor& t) {
    return t.to_vector();
}
}  // namespace

TEST_SUITE("engine") {
    TEST_CASE("backward of a scalar fills leaf gradients") {
        Tensor a = tensor({2.0, 3.0}, {2}, kFloat64).requires_grad_();
        Tensor b = tensor({4.0, 5.0}, {2}, kFloat64).requires_grad_();
        Tensor loss = sum(mul(a, b));
        loss.backward();
        CHECK(values(a.grad()) == std::vector<double>{4, 5});
        CHECK(values(b.grad()) == std::vector<double>{2, 3});
    }

    TEST_CASE("gradients accumulate across backward calls until zeroed") {
        Tensor w = tensor({1.0}, {1}, kFloat64).requires_grad_();
        sum(mul(w, 3.0)).backward();
        sum(mul(w, 3.0)).backward();
        CHECK(w.grad().item() == 6.0);
        w.zero_grad();
        sum(mul(w, 3.0)).backward();
        CHECK(w.grad().item() == 3.0);
    }

    TEST_CASE("a leaf used by two paths gets the sum, and copies do not alias") {
        Tensor a = tensor({1.0}, {1}, kFloat64).requires_grad_();
        Tensor b = tensor({2.0}, {1}, kFloat64).requires_grad_();
        // add hands one gradient tensor to both inputs; in-place accumulation into a.grad
        // must not change b.grad.
        Tensor s = add(a, b);
        sum(s).backward();
        sum(mul(a, 10.0)).backward();
        CHECK(a.grad().item() == 11.0);
        CHECK(b.grad().item() == 1.0);
    }

    TEST_CASE("a leaf's first gradient is taken without a copy only when nobody else sees it") {
        // The seed is the caller's: accumulating into x.grad later must not change it.
        Tensor x = tensor({1.0, 2.0}, {2}, kFloat64).requires_grad_();
        Tensor seed = tensor({3.0, 4.0}, {2}, kFloat64);
        x.backward(seed);
        CHECK(x.grad().data_ptr<double>() != seed.data_ptr<double>());
        x.backward(seed);
        CHECK(seed.to_vector() == std::vector<double>{3, 4});
        CHECK(x.grad().to_vector() == std::vector<double>{6, 8});

        // A gradient only the engine holds is moved in, and later backward calls still add.
        Tensor w = tensor({1.0, -1.0}, {2}, kFloat64).requires_grad_();
        sum(mul(w, w)).backward();
        CHECK(w.grad().to_vector() == std::vector<double>{2, -2});
        sum(mul(w, 3.0)).backward();
        CHECK(w.grad().to_vector() == std::vector<double>{5, 1});
        CHECK(!w.grad().requires_grad());
    }

    TEST_CASE("backward from a non-scalar needs a seed of the output's shape") {
        Tensor x = ones({2, 3}, kFloat64).requires_grad_();
        Tensor y = mul(x, 2.0);
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("(2, 3)"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(y.backward(ones({3}, kFloat64)), doctest::Contains("(3)"), ShapeError);
        y.backward(full({2, 3}, 0.5, kFloat64));
        CHECK(values(x.grad()) == std::vector<double>(6, 1.0));
    }

    TEST_CASE("backward from a tensor that does not require grad throws") {
        CHECK_THROWS_AS(sum(ones({2})).backward(), std::logic_error);
    }

    TEST_CASE("a second backward through a freed graph throws; retain_graph allows it") {
        Tensor x = tensor({0.5}, {1}, kFloat64).requires_grad_();
        Tensor y = sum(tanh(x));
        y.backward();
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("retain_graph"), std::logic_error);

        Tensor z = sum(tanh(x));
        x.zero_grad();
        z.backward(Tensor(), /*retain_graph=*/true);
        z.backward();
        CHECK(x.grad().item() == doctest::Approx(2 * (1 - std::pow(std::tanh(0.5), 2))));
    }

    TEST_CASE("grad() returns gradients and leaves .grad() untouched") {
        Tensor x = tensor({1.0, 2.0}, {2}, kFloat64).requires_grad_();
        Tensor w = tensor({3.0, 4.0}, {2}, kFloat64).requires_grad_();
        Tensor loss = sum(mul(pow(x, 2.0), w));
        TensorList g = grad({loss}, {x});
        CHECK(values(g[0]) == std::vector<double>{6, 16});
        CHECK_FALSE(x.grad().defined());
        CHECK_FALSE(w.grad().defined());
    }

    TEST_CASE("grad() of an intermediate tensor") {
        Tensor x = tensor({1.0, 2.0}, {2}, kFloat64).requires_grad_();
        Tensor h = mul(x, 3.0);
        Tensor loss = sum(mul(h, h));
        TensorList g = grad({loss}, {h, x});
        CHECK(values(g[0]) == std::vector<double>{6, 12});
        CHECK(values(g[1]) == std::vector<double>{18, 36});
    }

    TEST_CASE("grad() of an unused input throws unless allow_unused") {
        Tensor x = ones({2}, kFloat64).requires_grad_();
        Tensor unused = ones({2}, kFloat64).requires_grad_();
        Tensor loss = sum(x);
        CHECK_THROWS_AS(grad({loss}, {unused}, {}, true), std::logic_error);
        TensorList g = grad({loss}, {x, unused}, {}, false, false, /*allow_unused=*/true);
        CHECK(g[0].defined());
        CHECK_FALSE(g[1].defined());
    }

    TEST_CASE("Hessian-vector product of sum(tanh(W x)^2) matches the analytic value") {
        // f(x) = sum_i tanh(a_i)^2 with a = W x. With t = tanh(a):
        //   grad f = W^T (2 t (1 - t^2)),
        //   H = W^T diag(2 (1 - t^2)(1 - 3 t^2)) W.
        Generator gen(3);
        Tensor w = randn({3, 4}, kFloat64, &gen);
        Tensor x = randn({4}, kFloat64, &gen).requires_grad_();
        Tensor v = randn({4}, kFloat64, &gen);
        Tensor f = sum(pow(tanh(matmul(w, x)), 2.0));
        Tensor g = grad({f}, {x}, {}, false, /*create_graph=*/true)[0];
        Tensor hv = grad({sum(mul(g, v))}, {x})[0];

        const auto W = w.to_vector();
        const auto X = x.to_vector();
        const auto V = v.to_vector();
        std::vector<double> expected(4, 0.0);
        for (int i = 0; i < 3; ++i) {
            double a = 0, wv = 0;
            for (int k = 0; k < 4; ++k) {
                a += W[i * 4 + k] * X[k];
                wv += W[i * 4 + k] * V[k];
            }
            const double t = std::tanh(a);
            const double d = 2 * (1 - t * t) * (1 - 3 * t * t);
            for (int j = 0; j < 4; ++j) {
                expected[j] += W[i * 4 + j] * d * wv;
            }
        }
        const auto got = hv.to_vector();
        for (int j = 0; j < 4; ++j) {
            CHECK(got[j] == doctest::Approx(expected[j]).epsilon(1e-12));
        }
    }

    TEST_CASE("the gradient of a gradient norm (a gradient penalty) is differentiable") {
        Tensor x = tensor({0.3, -0.7}, {2}, kFloat64).requires_grad_();
        // f = sum(x^3); g = 3x^2; penalty = sum(g^2) = 9 sum(x^4); d penalty/dx = 36 x^3.
        Tensor g = grad({sum(pow(x, 3.0))}, {x}, {}, false, true)[0];
        Tensor penalty = sum(mul(g, g));
        penalty.backward();
        CHECK(x.grad().to_vector()[0] == doctest::Approx(36 * 0.027));
        CHECK(x.grad().to_vector()[1] == doctest::Approx(36 * -0.343));
    }

    TEST_CASE("NoGradGuard records nothing and restores the mode") {
        Tensor w = ones({2}).requires_grad_();
        {
            NoGradGuard guard;
            CHECK_FALSE(is_grad_enabled());
            Tensor y = mul(w, 2.0);
            CHECK_FALSE(y.requires_grad());
            CHECK(y.grad_fn() == nullptr);
        }
        CHECK(is_grad_enabled());
        CHECK(mul(w, 2.0).requires_grad());
    }

    TEST_CASE("grad mode is per thread") {
        NoGradGuard guard;
        bool other_thread_enabled = false;
        std::thread([&] { other_thread_enabled = is_grad_enabled(); }).join();
        CHECK(other_thread_enabled);
    }

    TEST_CASE("a chain of 100,000 ops backpropagates without deep recursion") {
        Tensor x = tensor({0.5}, {1}, kFloat64).requires_grad_();
        Tensor y = x;
        for (int i = 0; i < 100000; ++i) {
            y = add(y, 1e-6);
        }
        sum(y).backward();
        CHECK(x.grad().item() == 1.0);
        // Dropping the chain must not recurse either (each node owns the next).
        y = Tensor();
    }

    TEST_CASE("saved outputs do not keep the graph alive") {
        std::weak_ptr<detail::TensorImpl> watched;
        {
            Tensor x = ones({3}).requires_grad_();
            Tensor y = exp(x);  // saves its output
            watched = y.impl();
        }
        CHECK(watched.expired());
    }

    TEST_CASE("backward frees saved values as it goes") {
        Tensor x = ones({1000}, kFloat64).requires_grad_();
        Tensor h = tanh(x);
        std::weak_ptr<detail::AnyArray> saved = h.impl()->data;
        Tensor loss = sum(h);
        h = Tensor();
        CHECK_FALSE(saved.expired());  // tanh's node keeps its output for backward
        loss.backward();
        CHECK(saved.expired());
    }
}
