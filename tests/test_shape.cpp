// Values and errors of the shape ops (ops/shape.cpp); gradients are checked by the registry.
#include <doctest/doctest.h>

#include <wengert/wengert.hpp>

#include "golden/shape_indexing.hpp"

using namespace wengert;

namespace {

using Values = std::vector<double>;

Shape shape_of(const Tensor& t) {
    return Shape(t.shape().begin(), t.shape().end());
}

Tensor iota(Shape shape, Dtype dtype = kFloat64) {
    std::size_t n = 1;
    for (std::size_t s : shape) {
        n *= s;
    }
    return reshape(arange(static_cast<double>(n), dtype),
                   std::vector<std::int64_t>(shape.begin(), shape.end()));
}

}  // namespace

TEST_SUITE("shape") {
    TEST_CASE("permute reorders axes: output axis i is input axis dims[i]") {
        CHECK(permute(iota({2, 3}), {1, 0}).to_vector() == Values{0, 3, 1, 4, 2, 5});
        Tensor y = permute(iota({2, 3, 4}), {2, 0, 1});
        CHECK(shape_of(y) == Shape{4, 2, 3});
        // y[0][0][:] = x[0][:][0] = 0, 4, 8; y[0][1][0] = x[1][0][0] = 12.
        CHECK(y.to_vector()[1] == 4);
        CHECK(y.to_vector()[2] == 8);
        CHECK(y.to_vector()[3] == 12);
        CHECK(shape_of(permute(iota({2, 3, 4}), {-1, 0, 1})) == Shape{4, 2, 3});
    }

    TEST_CASE("permute rejects repeated, missing and out-of-range axes") {
        Tensor x = iota({2, 3, 4});
        CHECK_THROWS_WITH_AS(permute(x, {0, 0, 1}), doctest::Contains("repeated"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(permute(x, {0, 1}), doctest::Contains("(2, 3, 4)"),
                             std::invalid_argument);
        CHECK_THROWS_AS(permute(x, {0, 1, 3}), std::out_of_range);
    }

    TEST_CASE("movedim moves one axis and keeps the others in order") {
        CHECK(shape_of(movedim(iota({2, 3, 4}), 0, -1)) == Shape{3, 4, 2});
        CHECK(shape_of(movedim(iota({2, 3, 4}), -1, 0)) == Shape{4, 2, 3});
        CHECK(movedim(iota({2, 3}), 1, 0).to_vector() == Values{0, 3, 1, 4, 2, 5});
    }

    TEST_CASE("flatten, squeeze and unsqueeze give PyTorch's shapes") {
        Tensor x = iota({2, 3, 4});
        CHECK(shape_of(flatten(x)) == Shape{24});
        CHECK(shape_of(flatten(x, 1)) == Shape{2, 12});
        CHECK(shape_of(flatten(x, 0, 1)) == Shape{6, 4});
        CHECK(shape_of(flatten(x, -2, -1)) == Shape{2, 12});
        CHECK(shape_of(flatten(scalar_tensor(3.0))) == Shape{1});
        CHECK_THROWS_WITH_AS(flatten(x, 2, 1), doctest::Contains("start_dim 2"),
                             std::invalid_argument);

        Tensor y = iota({2, 1, 3, 1});
        CHECK(shape_of(squeeze(y)) == Shape{2, 3});
        CHECK(shape_of(squeeze(y, 1)) == Shape{2, 3, 1});
        CHECK(shape_of(squeeze(y, -1)) == Shape{2, 1, 3});
        CHECK(shape_of(squeeze(y, 0)) == Shape{2, 1, 3, 1});  // size 2: unchanged
        CHECK(shape_of(unsqueeze(iota({2, 3}), 0)) == Shape{1, 2, 3});
        CHECK(shape_of(unsqueeze(iota({2, 3}), -1)) == Shape{2, 3, 1});
        CHECK(shape_of(unsqueeze(iota({2, 3}), 2)) == Shape{2, 3, 1});
        CHECK_THROWS_AS(unsqueeze(iota({2, 3}), 3), std::out_of_range);
    }

    TEST_CASE("shape ops move int64 elements without recording") {
        Tensor x = iota({2, 3}, kInt64);
        Tensor y = permute(x, {1, 0});
        CHECK(y.dtype() == kInt64);
        CHECK(y.to_vector() == Values{0, 3, 1, 4, 2, 5});
        CHECK(transpose(x, 0, 1).to_vector() == Values{0, 3, 1, 4, 2, 5});
        CHECK(expand(tensor({7}, {1}, kInt64), {3}).to_vector() == Values{7, 7, 7});
        CHECK(flatten(x).dtype() == kInt64);
        CHECK(concat({x, x}, 1).to_vector() == Values{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
        CHECK(pad(x, {1, 0}, "constant", -1).to_vector() == Values{-1, 0, 1, 2, -1, 3, 4, 5});
        CHECK(y.grad_fn() == nullptr);
    }

    TEST_CASE("concat joins along an axis") {
        Tensor a = tensor({1, 2, 3, 4}, {2, 2}, kFloat64);
        Tensor b = tensor({5, 6}, {2, 1}, kFloat64);
        CHECK(concat({a, b}, 1).to_vector() == Values{1, 2, 5, 3, 4, 6});
        CHECK(concat({a, b}, -1).to_vector() == Values{1, 2, 5, 3, 4, 6});
        CHECK(cat({a, transpose(b, 0, 1)}).to_vector() == Values{1, 2, 3, 4, 5, 6});
        CHECK(shape_of(concat({a}, 0)) == Shape{2, 2});
        CHECK(shape_of(concat({a, zeros({0, 2}, kFloat64)}, 0)) == Shape{2, 2});
    }

    TEST_CASE("concat's gradient is the matching slice of grad_output") {
        Tensor a = tensor({1, 2, 3, 4}, {2, 2}, kFloat64).requires_grad_();
        Tensor b = tensor({5, 6}, {2, 1}, kFloat64).requires_grad_();
        Tensor w = tensor({10, 20, 30, 40, 50, 60}, {2, 3}, kFloat64);
        sum(mul(concat({a, b}, 1), w)).backward();
        CHECK(a.grad().to_vector() == Values{10, 20, 40, 50});
        CHECK(b.grad().to_vector() == Values{30, 60});
    }

    TEST_CASE("concat names the mismatching tensor's position and both shapes") {
        Tensor a = zeros({2, 3});
        CHECK_THROWS_WITH_AS(concat({a, zeros({4, 3}), zeros({2, 4})}, 0),
                             doctest::Contains("tensor 2 has shape (2, 4) but tensor 0 has shape "
                                               "(2, 3)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(concat({a, zeros({2, 3, 1})}, 1), doctest::Contains("(2, 3, 1)"),
                             ShapeError);
        CHECK_THROWS_AS(concat({a, zeros({2, 3}, kFloat64)}, 0), DtypeError);
        CHECK_THROWS_AS(concat({}, 0), std::invalid_argument);
        CHECK_THROWS_AS(concat({a, a}, 2), std::out_of_range);
    }

    TEST_CASE("stack adds a new axis") {
        Tensor a = tensor({1, 2, 3}, {3}, kFloat64);
        Tensor b = tensor({4, 5, 6}, {3}, kFloat64);
        CHECK(shape_of(stack({a, b})) == Shape{2, 3});
        CHECK(stack({a, b}).to_vector() == Values{1, 2, 3, 4, 5, 6});
        CHECK(shape_of(stack({a, b}, -1)) == Shape{3, 2});
        CHECK(stack({a, b}, 1).to_vector() == Values{1, 4, 2, 5, 3, 6});
        CHECK_THROWS_WITH_AS(stack({a, zeros({2}, kFloat64)}), doctest::Contains("(2)"),
                             ShapeError);
    }

    TEST_CASE("split and chunk follow PyTorch's piece sizes") {
        Tensor x = arange(5, kFloat64);
        TensorList p = split(x, 2);
        REQUIRE(p.size() == 3);
        CHECK(p[0].to_vector() == Values{0, 1});
        CHECK(p[1].to_vector() == Values{2, 3});
        CHECK(p[2].to_vector() == Values{4});
        TensorList q = split(iota({2, 5}), std::vector<std::int64_t>{1, 3, 1}, -1);
        REQUIRE(q.size() == 3);
        CHECK(q[1].to_vector() == Values{1, 2, 3, 6, 7, 8});
        CHECK_THROWS_WITH_AS(split(x, std::vector<std::int64_t>{2, 2}),
                             doctest::Contains("sum to 4"), ShapeError);
        CHECK_THROWS_AS(split(x, 0), std::invalid_argument);

        auto sizes = [](const TensorList& pieces) {
            std::vector<std::size_t> s;
            for (const Tensor& t : pieces) {
                s.push_back(t.numel());
            }
            return s;
        };
        CHECK(sizes(chunk(x, 4)) == std::vector<std::size_t>{2, 2, 1});
        CHECK(sizes(chunk(arange(6), 4)) == std::vector<std::size_t>{2, 2, 2});
        CHECK(sizes(chunk(arange(6), 3)) == std::vector<std::size_t>{2, 2, 2});
        CHECK(sizes(chunk(arange(2), 5)) == std::vector<std::size_t>{1, 1});
        CHECK_THROWS_AS(chunk(x, 0), std::invalid_argument);
    }

    TEST_CASE("pad: constant values, crops and pairs from the last axis") {
        Tensor x = tensor({1, 2, 3}, {1, 3}, kFloat64);
        CHECK(pad(x, {1, 2}, "constant", 9).to_vector() == Values{9, 1, 2, 3, 9, 9});
        CHECK(shape_of(pad(x, {0, 0, 1, 1})) == Shape{3, 3});
        CHECK(pad(x, {0, 0, 1, 0}).to_vector() == Values{0, 0, 0, 1, 2, 3});
        // Crop one column on the left, add one on the right, crop the first row.
        Tensor y = pad(iota({3, 4}), {-1, 1, -1, 0});
        CHECK(shape_of(y) == Shape{2, 4});
        CHECK(y.to_vector() == Values{5, 6, 7, 0, 9, 10, 11, 0});
        CHECK(pad(x, {}).to_vector() == Values{1, 2, 3});
        CHECK(pad(x, {-3, 0}).numel() == 0);
    }

    TEST_CASE("pad: reflect and replicate") {
        Tensor x = tensor({1, 2, 3, 4}, {4}, kFloat64);
        CHECK(pad(x, {2, 1}, "reflect").to_vector() == Values{3, 2, 1, 2, 3, 4, 3});
        CHECK(pad(x, {2, 1}, "replicate").to_vector() == Values{1, 1, 1, 2, 3, 4, 4});
        Tensor y = pad(iota({2, 2}), {0, 0, 1, 0}, "replicate");
        CHECK(y.to_vector() == Values{0, 1, 0, 1, 2, 3});
    }

    TEST_CASE("pad errors name the pads and the shape") {
        Tensor x = iota({2, 3});
        CHECK_THROWS_WITH_AS(pad(x, {1}), doctest::Contains("pairs"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(pad(x, {1, 1, 1, 1, 1, 1}), doctest::Contains("(2, 3)"),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(pad(x, {-2, -2}), doctest::Contains("(2, 3)"), ShapeError);
        CHECK_THROWS_WITH_AS(pad(x, {3, 0}, "reflect"), doctest::Contains("(2, 3)"), ShapeError);
        CHECK_THROWS_AS(pad(x, {-1, 0}, "replicate"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(pad(x, {1, 1}, "circular"), doctest::Contains("circular"),
                             std::invalid_argument);
    }

    TEST_CASE("pad modes and permute match PyTorch") {
        auto check = [](const Tensor& t, const Shape& shape, const Values& values) {
            CHECK(shape_of(t) == shape);
            CHECK(t.to_vector() == values);
        };
        const Tensor x3 = iota({1, 3, 4});
        check(pad(x3, {2, 1, 1, 2}, "reflect"), golden::k_pad_reflect_shape, golden::k_pad_reflect);
        check(pad(x3, {1, 2, 2, 0}, "replicate"), golden::k_pad_replicate_shape,
              golden::k_pad_replicate);
        check(pad(iota({2, 3, 4}), {-1, 2, 1, -2, 0, 1}, "constant", 7.0),
              golden::k_pad_constant_crop_shape, golden::k_pad_constant_crop);
        check(permute(iota({2, 3, 4}), {2, 0, 1}), golden::k_permute_201_shape,
              golden::k_permute_201);
    }
}
