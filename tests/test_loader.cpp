#include <doctest/doctest.h>

#include <algorithm>
#include <vector>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

// A dataset whose inputs row i is (i, 10 i) and target i is i, so batches reveal the order.
TensorDataset numbered(std::size_t n) {
    std::vector<double> inputs;
    std::vector<double> targets;
    for (std::size_t i = 0; i < n; ++i) {
        inputs.push_back(static_cast<double>(i));
        inputs.push_back(10.0 * static_cast<double>(i));
        targets.push_back(static_cast<double>(i));
    }
    return TensorDataset(tensor(inputs, {n, 2}), tensor(targets, {n}, kInt64));
}

// The sample order and batch sizes of one epoch.
std::vector<double> one_epoch(DataLoader& loader, std::vector<std::size_t>* sizes = nullptr) {
    std::vector<double> order;
    for (const Batch& batch : loader) {
        const auto targets = batch.targets.to_vector();
        const auto inputs = batch.inputs.to_vector();
        for (std::size_t r = 0; r < targets.size(); ++r) {
            CHECK(inputs[2 * r] == targets[r]);
            CHECK(inputs[2 * r + 1] == 10 * targets[r]);
        }
        order.insert(order.end(), targets.begin(), targets.end());
        if (sizes != nullptr) {
            sizes->push_back(batch.targets.size(0));
        }
    }
    return order;
}

std::vector<double> sorted(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v;
}

std::vector<double> iota(std::size_t n) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<double>(i);
    }
    return v;
}

}  // namespace

TEST_SUITE("loader") {
    TEST_CASE("TensorDataset: rows are copied with their dtype and shape") {
        TensorDataset data(arange(24, kFloat64).to(kFloat32), arange(24, kFloat64));
        CHECK_THROWS_WITH_AS(TensorDataset(zeros({3, 2}), zeros({4})),
                             doctest::Contains("inputs are (3, 2), targets are (4)"), ShapeError);
        TensorDataset images(zeros({5, 1, 2, 2}), zeros({5}, kInt64));
        const std::vector<std::size_t> picks = {4, 0, 1};
        Batch batch = images.get_batch(picks);
        CHECK(Shape(batch.inputs.shape().begin(), batch.inputs.shape().end()) == Shape{3, 1, 2, 2});
        CHECK(batch.targets.dtype() == kInt64);
        const std::vector<std::size_t> bad = {2, 5};
        CHECK_THROWS_WITH_AS(images.get_batch(bad),
                             doctest::Contains("index 5 is out of range for 5 samples"),
                             std::out_of_range);
    }

    TEST_CASE("DataLoader: each sample exactly once per epoch, in order without shuffle") {
        DataLoader loader(numbered(10), {.batch_size = 3});
        CHECK(loader.size() == 4);
        std::vector<std::size_t> sizes;
        CHECK(one_epoch(loader, &sizes) == iota(10));
        CHECK(sizes == std::vector<std::size_t>{3, 3, 3, 1});
    }

    TEST_CASE("DataLoader: drop_last drops the short remainder") {
        DataLoader loader(numbered(10),
                          {.batch_size = 3, .shuffle = true, .drop_last = true, .seed = 1});
        CHECK(loader.size() == 3);
        std::vector<std::size_t> sizes;
        const auto order = one_epoch(loader, &sizes);
        CHECK(sizes == std::vector<std::size_t>{3, 3, 3});
        auto unique = sorted(order);
        CHECK(std::adjacent_find(unique.begin(), unique.end()) == unique.end());
        DataLoader exact(numbered(9), {.batch_size = 3, .shuffle = false, .drop_last = true});
        CHECK(exact.size() == 3);
    }

    TEST_CASE("DataLoader: shuffling is a permutation, new each epoch, equal for one seed") {
        DataLoader a(numbered(50),
                     {.batch_size = 8, .shuffle = true, .drop_last = false, .seed = 42});
        DataLoader b(numbered(50),
                     {.batch_size = 8, .shuffle = true, .drop_last = false, .seed = 42});
        DataLoader c(numbered(50),
                     {.batch_size = 8, .shuffle = true, .drop_last = false, .seed = 43});
        const auto a0 = one_epoch(a);
        const auto a1 = one_epoch(a);
        CHECK(sorted(a0) == iota(50));
        CHECK(sorted(a1) == iota(50));
        CHECK(a0 != iota(50));
        CHECK(a0 != a1);
        CHECK(one_epoch(b) == a0);
        CHECK(one_epoch(b) == a1);
        CHECK(one_epoch(c) != a0);

        // Resuming at epoch 1 replays epoch 1's order.
        DataLoader resumed(numbered(50),
                           {.batch_size = 8, .shuffle = true, .drop_last = false, .seed = 42});
        resumed.set_epoch(1);
        CHECK(one_epoch(resumed) == a1);
        CHECK(resumed.epoch() == 2);
    }

    TEST_CASE("DataLoader: set_batch_size applies from the next epoch") {
        DataLoader loader(numbered(12), {.batch_size = 4});
        std::vector<std::size_t> sizes;
        bool first = true;
        for (const Batch& batch : loader) {
            sizes.push_back(batch.targets.size(0));
            if (first) {
                loader.set_batch_size(6);  // mid-epoch: this epoch keeps 4
                first = false;
                CHECK(loader.batch_size() == 4);
                CHECK(loader.size() == 3);
            }
        }
        CHECK(sizes == std::vector<std::size_t>{4, 4, 4});
        CHECK(loader.batch_size() == 6);
        CHECK(loader.size() == 2);
        sizes.clear();
        CHECK(one_epoch(loader, &sizes) == iota(12));
        CHECK(sizes == std::vector<std::size_t>{6, 6});
        CHECK_THROWS_WITH_AS(loader.set_batch_size(0), doctest::Contains("positive"),
                             std::invalid_argument);
        CHECK_THROWS_AS(DataLoader(numbered(3), {.batch_size = 0}), std::invalid_argument);
    }

    TEST_CASE("DataLoader: a transform sees every batch") {
        DataLoader loader(numbered(4), {.batch_size = 2});
        loader.set_transform([](Batch& batch) { normalize_(batch.inputs, 1.0, 2.0); });
        std::vector<double> values;
        for (const Batch& batch : loader) {
            const auto v = batch.inputs.to_vector();
            values.insert(values.end(), v.begin(), v.end());
        }
        CHECK(values == std::vector<double>{-0.5, -0.5, 0, 4.5, 0.5, 9.5, 1, 14.5});
        // The dataset itself is untouched: batches are copies.
        loader.set_transform(nullptr);
        CHECK(one_epoch(loader) == iota(4));
    }

    TEST_CASE("mean_std and normalize standardise to mean 0 and std 1") {
        Tensor x = tensor({1, 2, 3, 4}, {2, 2}, kFloat64);
        MeanStd stats = mean_std(x);
        CHECK(stats.mean == doctest::Approx(2.5));
        CHECK(stats.std == doctest::Approx(std::sqrt(1.25)));
        Tensor y = normalize(x, stats.mean, stats.std);
        CHECK(x.to_vector() == std::vector<double>{1, 2, 3, 4});
        MeanStd after = mean_std(y);
        CHECK(after.mean == doctest::Approx(0.0));
        CHECK(after.std == doctest::Approx(1.0));
        CHECK_THROWS_WITH_AS(normalize(x, 0.0, 0.0), doctest::Contains("got 0"),
                             std::invalid_argument);
        CHECK_THROWS_AS(mean_std(zeros({0})), std::invalid_argument);
    }
}
