// Values and errors of slicing and indexing (ops/indexing.cpp); the registry checks gradients.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
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

Tensor indices(std::vector<double> values, Shape shape) {
    return tensor(std::move(values), std::move(shape), kInt64);
}

}  // namespace

TEST_SUITE("indexing") {
    TEST_CASE("slice follows Python's rules for start, stop and step") {
        Tensor x = arange(10, kFloat64);
        CHECK(slice(x, 0, 2, 8, 3).to_vector() == Values{2, 5});
        CHECK(slice(x, 0, -3).to_vector() == Values{7, 8, 9});
        CHECK(slice(x, 0, 1, -7).to_vector() == Values{1, 2});
        CHECK(slice(x, 0, -100, 100).numel() == 10);
        CHECK(slice(x, 0, 5, 2).numel() == 0);
        CHECK(slice(x, 0, 12, 20).numel() == 0);
        CHECK(slice(x, 0, 0, 10, 4).to_vector() == Values{0, 4, 8});
        const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
        CHECK(slice(x, 0, 1, huge, huge).to_vector() == Values{1});
        CHECK(slice(x, 0, -huge, 2).to_vector() == Values{0, 1});
        Tensor y = slice(iota({2, 5}), 1, 1, 4, 2);
        CHECK(shape_of(y) == Shape{2, 2});
        CHECK(y.to_vector() == Values{1, 3, 6, 8});
        CHECK(slice(iota({3, 2}), -2, 1).to_vector() == Values{2, 3, 4, 5});
        CHECK(slice(iota({3, 2}, kInt64), 0, 2).dtype() == kInt64);
    }

    TEST_CASE("slice rejects non-positive steps and bad axes") {
        Tensor x = arange(5, kFloat64);
        CHECK_THROWS_WITH_AS(slice(x, 0, 0, 5, -1), doctest::Contains("step must be positive"),
                             std::invalid_argument);
        CHECK_THROWS_AS(slice(x, 0, 0, 5, 0), std::invalid_argument);
        CHECK_THROWS_WITH_AS(slice(x, 1, 0, 2), doctest::Contains("axis 1"), std::out_of_range);
    }

    TEST_CASE("slice's gradient puts grad_output back at the sliced positions") {
        Tensor x = arange(5, kFloat64).requires_grad_();
        sum(mul(slice(x, 0, 1, 5, 2), tensor({3, 4}, {2}, kFloat64))).backward();
        CHECK(x.grad().to_vector() == Values{0, 3, 0, 4, 0});
    }

    TEST_CASE("narrow and select") {
        Tensor x = iota({2, 3});
        CHECK(narrow(x, 1, 1, 2).to_vector() == Values{1, 2, 4, 5});
        CHECK(narrow(x, -1, -1, 1).to_vector() == Values{2, 5});
        CHECK_THROWS_WITH_AS(narrow(x, 1, 2, 2), doctest::Contains("size 3"), std::out_of_range);
        CHECK_THROWS_AS(narrow(x, 1, 1, std::numeric_limits<std::int64_t>::max()),
                        std::out_of_range);
        CHECK_THROWS_AS(narrow(x, 1, -4, 1), std::out_of_range);
        CHECK(narrow(x, 1, 3, 0).numel() == 0);
        CHECK(shape_of(select(x, 1, -1)) == Shape{2});
        CHECK(select(x, 1, -1).to_vector() == Values{2, 5});
        CHECK(select(x, 0, 1).to_vector() == Values{3, 4, 5});
        CHECK(shape_of(select(arange(3), 0, 2)) == Shape{});
        CHECK(select(arange(3), 0, 2).item() == 2);
    }

    TEST_CASE("select out of range names the index, the axis and the size") {
        Tensor x = iota({2, 3});
        CHECK_THROWS_WITH_AS(select(x, 1, 3),
                             doctest::Contains("index 3 is out of range for axis 1 of size 3"),
                             std::out_of_range);
        CHECK_THROWS_WITH_AS(select(x, 0, -3), doctest::Contains("index -3"), std::out_of_range);
    }

    TEST_CASE("select's gradient is zero except on the selected slice") {
        Tensor x = iota({2, 3}).requires_grad_();
        sum(mul(select(x, 1, 1), tensor({2, 5}, {2}, kFloat64))).backward();
        CHECK(x.grad().to_vector() == Values{0, 2, 0, 0, 5, 0});
    }

    TEST_CASE("index_select picks rows or columns, repeats allowed") {
        Tensor x = iota({3, 2});
        CHECK(index_select(x, 0, indices({2, 0, 2}, {3})).to_vector() == Values{4, 5, 0, 1, 4, 5});
        CHECK(index_select(x, -1, indices({1, 1, 0}, {3})).to_vector() ==
              Values{1, 1, 0, 3, 3, 2, 5, 5, 4});
        CHECK(shape_of(index_select(x, 0, indices({}, {0}))) == Shape{0, 2});
        CHECK(index_select(iota({3}, kInt64), 0, indices({1}, {1})).dtype() == kInt64);

        Tensor v = tensor({1, 2, 3}, {3}, kFloat64).requires_grad_();
        sum(index_select(v, 0, indices({2, 0, 2}, {3}))).backward();
        CHECK(v.grad().to_vector() == Values{1, 0, 2});
    }

    TEST_CASE("index_select errors") {
        Tensor x = iota({3, 2});
        CHECK_THROWS_WITH_AS(index_select(x, 0, indices({0, 5}, {2})),
                             doctest::Contains("index 5 is out of range for axis 0 of size 3"),
                             std::out_of_range);
        CHECK_THROWS_AS(index_select(x, 0, indices({-1}, {1})), std::out_of_range);
        CHECK_THROWS_AS(index_select(x, 0, tensor({0}, {1}, kFloat64)), DtypeError);
        CHECK_THROWS_WITH_AS(index_select(x, 0, indices({0, 1}, {1, 2})),
                             doctest::Contains("(1, 2)"), ShapeError);
    }

    TEST_CASE("index_add adds source slices at the indexed positions") {
        Tensor x = zeros({2, 3}, kFloat64);
        Tensor source = tensor({1, 2, 3, 4}, {2, 2}, kFloat64);
        CHECK(index_add(x, 1, indices({2, 2}, {2}), source).to_vector() ==
              Values{0, 0, 3, 0, 0, 7});
        CHECK_THROWS_WITH_AS(index_add(x, 1, indices({0}, {1}), source),
                             doctest::Contains("(2, 2)"), ShapeError);
    }

    TEST_CASE("gather picks along an axis (PyTorch's example)") {
        Tensor x = tensor({1, 2, 3, 4}, {2, 2}, kFloat64);
        CHECK(gather(x, 1, indices({0, 0, 1, 0}, {2, 2})).to_vector() == Values{1, 1, 4, 3});
        CHECK(gather(x, 0, indices({1, 0}, {1, 2})).to_vector() == Values{3, 2});
        CHECK(gather(x, -1, indices({1, 1, 1}, {1, 3})).to_vector() == Values{2, 2, 2});
        Tensor labels = gather(iota({2, 3}, kInt64), 1, indices({2, 0}, {2, 1}));
        CHECK(labels.dtype() == kInt64);
        CHECK(labels.to_vector() == Values{2, 3});
        CHECK(gather(iota({2, 3}, kFloat32), 1, indices({2, 0}, {2, 1})).dtype() == kFloat32);
    }

    TEST_CASE("gather's gradient accumulates at repeated indices") {
        Tensor x = iota({2, 3}).requires_grad_();
        sum(gather(x, 1, indices({0, 0, 2, 1}, {2, 2}))).backward();
        CHECK(x.grad().to_vector() == Values{2, 0, 0, 0, 1, 1});
    }

    TEST_CASE("gather errors name the index, the axis and the size") {
        Tensor x = iota({2, 2});
        CHECK_THROWS_WITH_AS(gather(x, 1, indices({0, 2}, {2, 1})),
                             doctest::Contains("index 2 is out of range for axis 1 of size 2"),
                             std::out_of_range);
        CHECK_THROWS_WITH_AS(gather(x, 1, indices({-1, 0}, {2, 1})), doctest::Contains("index -1"),
                             std::out_of_range);
        CHECK_THROWS_WITH_AS(gather(x, 1, indices({0, 0}, {2})),
                             doctest::Contains("index of shape (2) does not fit input of shape "
                                               "(2, 2)"),
                             ShapeError);
        CHECK_THROWS_WITH_AS(gather(x, 1, indices({0, 0, 0}, {3, 1})), doctest::Contains("(3, 1)"),
                             ShapeError);
        CHECK_THROWS_AS(gather(x, 1, tensor({0, 0}, {2, 1}, kFloat64)), DtypeError);
    }

    TEST_CASE("scatter_add sums src at the indexed positions (PyTorch's example)") {
        Tensor src = ones({2, 5}, kFloat64);
        Tensor out = scatter_add(zeros({3, 5}, kFloat64), 0, indices({0, 1, 2, 0, 0}, {1, 5}), src);
        CHECK(out.to_vector() == Values{1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0});
        Tensor twice = scatter_add(zeros({3, 5}, kFloat64), 0,
                                   indices({0, 1, 2, 0, 0, 0, 1, 2, 2, 2}, {2, 5}), src);
        CHECK(twice.to_vector() == Values{2, 0, 0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1});
        CHECK_THROWS_WITH_AS(scatter_add(zeros({3, 5}, kFloat64), 0, indices({3}, {1, 1}), src),
                             doctest::Contains("index 3 is out of range for axis 0 of size 3"),
                             std::out_of_range);
        CHECK_THROWS_AS(scatter_add(zeros({3, 5}), 0, indices({0}, {1, 1}), src), DtypeError);
        CHECK_THROWS_WITH_AS(
            scatter_add(zeros({3, 5}, kFloat64), 0, indices({0, 0, 0}, {3, 1}), src),
            doctest::Contains("(2, 5)"), ShapeError);
    }

    TEST_CASE("scatter_add's gradient to src is gather, zero where no index reaches") {
        Tensor x = zeros({2, 3}, kFloat64).requires_grad_();
        Tensor src = ones({2, 2}, kFloat64).requires_grad_();
        Tensor w = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, kFloat64);
        sum(mul(scatter_add(x, 1, indices({2, 0}, {2, 1}), src), w)).backward();
        CHECK(x.grad().to_vector() == Values{1, 2, 3, 4, 5, 6});
        CHECK(src.grad().to_vector() == Values{3, 0, 4, 0});
    }

    TEST_CASE("one_hot gives int64 rows and infers num_classes") {
        Tensor y = one_hot(indices({0, 2, 1}, {3}));
        CHECK(y.dtype() == kInt64);
        CHECK(shape_of(y) == Shape{3, 3});
        CHECK(y.to_vector() == Values{1, 0, 0, 0, 0, 1, 0, 1, 0});
        CHECK(shape_of(one_hot(indices({0, 2, 1, 1}, {2, 2}), 4)) == Shape{2, 2, 4});
        CHECK(shape_of(one_hot(indices({}, {0}), 3)) == Shape{0, 3});
        CHECK_THROWS_WITH_AS(one_hot(indices({0, 3}, {2}), 3), doctest::Contains("index 3"),
                             std::out_of_range);
        CHECK_THROWS_WITH_AS(one_hot(indices({-1}, {1})), doctest::Contains("index -1"),
                             std::out_of_range);
        CHECK_THROWS_AS(one_hot(indices({}, {0})), std::invalid_argument);
        CHECK_THROWS_AS(one_hot(tensor({0}, {1}, kFloat64)), DtypeError);
    }

    TEST_CASE("gather, scatter_add, slicing and index_select match PyTorch on rank 3") {
        const Tensor x = iota({2, 3, 4});
        std::vector<double> picks(golden::kIndex.begin(), golden::kIndex.end());
        const Tensor index = indices(picks, {2, 2, 3});
        auto check = [](const Tensor& t, const Shape& shape, const Values& values) {
            CHECK(shape_of(t) == shape);
            CHECK(t.to_vector() == values);
        };
        check(gather(x, 1, index), golden::k_gather_axis1_shape, golden::k_gather_axis1);
        check(scatter_add(zeros({2, 4, 4}, kFloat64), 1, index, iota({2, 3, 4})),
              golden::k_scatter_add_axis1_shape, golden::k_scatter_add_axis1);
        // The last-axis case clamps the index to 3, as the generator does.
        for (double& p : picks) {
            p = std::min(p, 3.0);
        }
        check(gather(x, -1, indices(picks, {2, 2, 3})), golden::k_gather_axis_last_shape,
              golden::k_gather_axis_last);
        check(slice(slice(x, 1, 0, 3, 2), 2, 1, -1, 2), golden::k_slice_two_axes_shape,
              golden::k_slice_two_axes);
        check(index_select(x, 1, indices({2, 0, 2, 1}, {4})), golden::k_index_select_axis1_shape,
              golden::k_index_select_axis1);
    }
}
