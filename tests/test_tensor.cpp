#include <doctest/doctest.h>

#include <algorithm>
#include <wengert/autograd/xtensor_interop.hpp>
#include <wengert/wengert.hpp>

using namespace wengert;

TEST_SUITE("tensor") {
    TEST_CASE("copying a handle shares values, clone does not") {
        Tensor a = tensor({1, 2, 3, 4}, {2, 2});
        Tensor b = a;
        Tensor c = a.clone();
        as_xarray<float>(a)(0, 0) = 10.0f;
        CHECK(b.to_vector()[0] == 10.0);
        CHECK(c.to_vector()[0] == 1.0);
        CHECK(b.is_same(a));
    }

    TEST_CASE("factories give shapes, dtypes and values") {
        CHECK(zeros({2, 3}).dtype() == kFloat32);
        CHECK(ones({2, 3}, kFloat64).to_vector() == std::vector<double>(6, 1.0));
        CHECK(full({2}, 7.5).to_vector() == std::vector<double>{7.5, 7.5});
        CHECK(arange(0, 5, 2).to_vector() == std::vector<double>{0, 2, 4});
        CHECK(arange(3, kFloat64).numel() == 3);
        CHECK(scalar_tensor(2.5).dim() == 0);
        CHECK(scalar_tensor(2.5).item() == 2.5);
        CHECK_THROWS_AS(tensor({1, 2, 3}, {2, 2}), ShapeError);
    }

    TEST_CASE("the same seed gives the same random values") {
        Generator g1(42), g2(42), g3(43);
        CHECK(randn({5}, kFloat64, &g1).to_vector() == randn({5}, kFloat64, &g2).to_vector());
        CHECK(rand({5}, kFloat64, &g1).to_vector() != rand({5}, kFloat64, &g3).to_vector());
        Tensor u = uniform({1000}, -2, 3, kFloat64, &g1);
        for (double v : u.to_vector()) {
            CHECK((v >= -2 && v < 3));
        }
    }

    TEST_CASE("generator state round-trips") {
        Generator g(7);
        g.normal();  // leaves a spare normal in the state
        auto saved = g.state();
        double next = g.normal();
        Generator h;
        h.set_state(saved);
        CHECK(h.normal() == next);
    }

    TEST_CASE("to converts dtype and is differentiable") {
        Tensor x = tensor({1.5, -2}, {2}, kFloat64).requires_grad_();
        Tensor y = x.to(kFloat32);
        CHECK(y.dtype() == kFloat32);
        sum(mul(y, 3.0)).backward();
        CHECK(x.grad().dtype() == kFloat64);
        CHECK(x.grad().to_vector() == std::vector<double>{3, 3});
    }

    TEST_CASE("detach shares values and drops history") {
        Tensor x = ones({2}).requires_grad_();
        Tensor y = mul(x, 2.0);
        Tensor d = y.detach();
        CHECK(!d.requires_grad());
        CHECK(d.grad_fn() == nullptr);
        CHECK(y.grad_fn() != nullptr);
        as_xarray<float>(d)(0) = 5;
        CHECK(y.to_vector()[0] == 5);
    }

    TEST_CASE("item requires one element; data_ptr checks dtype") {
        CHECK_THROWS_WITH_AS(zeros({2}).item(), doctest::Contains("(2)"), std::invalid_argument);
        Tensor t = zeros({2});
        CHECK_THROWS_AS(t.data_ptr<double>(), DtypeError);
        CHECK(t.data_ptr<float>() != nullptr);
    }

    TEST_CASE("printing shows values, dtype and grad_fn") {
        Tensor x = tensor({1, 2, 3, 4}, {2, 2}).requires_grad_();
        CHECK(fmt::format("{}", x) ==
              "tensor([[1, 2], [3, 4]], dtype=float32, requires_grad=true)");
        CHECK(add(x, 1.0).to_string().find("grad_fn=<add_scalar>") != std::string::npos);
        CHECK(zeros({2000}).to_string().find("...") != std::string::npos);
    }

    TEST_CASE("from_xarray takes a wengert::xarray without copying, and copies others") {
        wengert::xarray<double> array = {{1.0, 2.0}, {3.0, 4.0}};
        const double* before = array.data();
        Tensor t = from_xarray(std::move(array));
        CHECK(t.data_ptr<double>() == before);
        CHECK(t.shape()[0] == 2);

        const xt::xarray<double> plain = {{5.0, 6.0}, {7.0, 8.0}};
        Tensor copied = from_xarray(plain);
        CHECK(copied.data_ptr<double>() != plain.data());
        CHECK(copied.to_vector() == std::vector<double>{5, 6, 7, 8});
        CHECK(from_xarray(plain * 2.0).to_vector() == std::vector<double>{10, 12, 14, 16});
    }

    TEST_CASE("zero_grad keeps the buffer; set_to_none drops it") {
        Tensor w = ones({3}).requires_grad_();
        sum(mul(w, w)).backward();
        const float* buffer = w.grad().data_ptr<float>();
        w.zero_grad();
        CHECK(w.grad().to_vector() == std::vector<double>{0, 0, 0});
        CHECK(w.grad().data_ptr<float>() == buffer);
        w.zero_grad(true);
        CHECK(!w.grad().defined());
    }

    TEST_CASE("int64 tensors hold indices, convert, print, and refuse gradients and arithmetic") {
        Tensor labels = tensor({3, 0, 7}, {3}, kInt64);
        CHECK(labels.dtype() == kInt64);
        CHECK(labels.data_ptr<std::int64_t>()[2] == 7);
        CHECK(labels.to_string() == "tensor([3, 0, 7], dtype=int64)");
        CHECK(labels.to(kFloat32).to_vector() == std::vector<double>{3, 0, 7});
        CHECK(tensor({-1.7, 2.9}, {2}).to(kInt64).to_vector() == std::vector<double>{-1, 2});
        CHECK(arange(4, kInt64).to_vector() == std::vector<double>{0, 1, 2, 3});
        CHECK_THROWS_WITH_AS(labels.requires_grad_(), doctest::Contains("int64"), DtypeError);
        CHECK_THROWS_WITH_AS(exp(labels), doctest::Contains("got int64 with shape (3)"),
                             DtypeError);
        CHECK_THROWS_WITH_AS(add(labels, labels), doctest::Contains("add"), DtypeError);
        CHECK_THROWS_AS(randn({2}, kInt64), DtypeError);
    }

    TEST_CASE("randint and randperm are seeded and in range") {
        Generator g(3);
        Tensor draws = randint(-2, 5, {200}, &g);
        CHECK(draws.dtype() == kInt64);
        for (double v : draws.to_vector()) {
            CHECK((v >= -2 && v < 5));
        }
        Generator g1(9), g2(9);
        std::vector<double> perm = randperm(10, &g1).to_vector();
        CHECK(perm == randperm(10, &g2).to_vector());
        std::vector<double> sorted = perm;
        std::sort(sorted.begin(), sorted.end());
        CHECK(sorted == arange(10, kFloat64).to_vector());
        CHECK_THROWS_AS(randint(3, 3, {1}), std::invalid_argument);
    }
}
