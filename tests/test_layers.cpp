#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

Shape shape_of(const Tensor& t) {
    return Shape(t.shape().begin(), t.shape().end());
}

std::vector<std::string> names(const NamedTensors& named) {
    std::vector<std::string> out;
    for (const auto& [name, tensor] : named) {
        out.push_back(name);
    }
    return out;
}

// Every value within [-bound, bound), and the spread of a uniform distribution.
void check_uniform(const Tensor& t, double bound) {
    const auto v = t.to_vector();
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    CHECK(*lo >= -bound);
    CHECK(*hi < bound);
    double squares = 0.0;
    for (double x : v) {
        squares += x * x;
    }
    const double rms = std::sqrt(squares / static_cast<double>(v.size()));
    CHECK(rms == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.1));
}

}  // namespace

TEST_SUITE("layers") {
    TEST_CASE("Linear: PyTorch's default bounds, seeded, and y = x W^T + b") {
        Generator g1(1), g2(1);
        Linear a(400, 30, true, &g1);
        Linear b(400, 30, true, &g2);
        CHECK(shape_of(a.weight) == Shape{30, 400});
        CHECK(shape_of(a.bias) == Shape{30});
        check_uniform(a.weight, 1.0 / 20.0);
        CHECK(a.weight.to_vector() == b.weight.to_vector());
        CHECK(a.bias.to_vector() == b.bias.to_vector());
        for (double v : a.bias.to_vector()) {
            CHECK(std::abs(v) <= 1.0 / 20.0);
        }
        CHECK(names(a.named_parameters()) == std::vector<std::string>{"weight", "bias"});
        CHECK(a.to_string() == "Linear(in_features=400, out_features=30, bias=true)");

        Linear small(2, 1, true, &g1);
        Tensor x = tensor({1, 2, 3, 4}, {2, 2});
        const auto w = small.weight.to_vector();
        const double bias = small.bias.item();
        const auto y = small(x).to_vector();
        CHECK(y[0] == doctest::Approx(w[0] + 2 * w[1] + bias));
        CHECK(y[1] == doctest::Approx(3 * w[0] + 4 * w[1] + bias));

        Linear no_bias(3, 2, false, &g1);
        CHECK_FALSE(no_bias.bias.defined());
        CHECK(no_bias.parameter_count() == 6);
        CHECK_THROWS_AS(Linear(0, 2), std::invalid_argument);
    }

    TEST_CASE("Conv2d and Conv1d: fan_in over the receptive field, shapes, groups") {
        Generator g(2);
        Conv2d conv(4, 8, 3, 1, 1, 1, 2, true, &g);
        CHECK(shape_of(conv.weight) == Shape{8, 2, 3, 3});
        check_uniform(conv.weight, 1.0 / std::sqrt(18.0));
        CHECK(shape_of(conv(zeros({2, 4, 5, 5}))) == Shape{2, 8, 5, 5});
        CHECK(conv.to_string() == "Conv2d(4, 8, kernel_size=3, stride=1, padding=1, groups=2)");
        CHECK_THROWS_WITH_AS(Conv2d(3, 4, 3, 1, 0, 1, 2), doctest::Contains("groups (2)"),
                             std::invalid_argument);

        Conv1d conv1(2, 3, 5, 1, 2, 1, 1, true, &g);
        CHECK(shape_of(conv1.weight) == Shape{3, 2, 5});
        CHECK(shape_of(conv1(zeros({1, 2, 7}))) == Shape{1, 3, 7});
    }

    TEST_CASE("pools as modules") {
        Tensor x = arange(16, kFloat64);
        x = reshape(x, {1, 1, 4, 4});
        CHECK(MaxPool2d(2)(x).to_vector() == std::vector<double>{5, 7, 13, 15});
        CHECK(AvgPool2d(2)(x).to_vector() == std::vector<double>{2.5, 4.5, 10.5, 12.5});
        CHECK(AdaptiveAvgPool2d(1)(x).to_vector() == std::vector<double>{7.5});
        CHECK(MaxPool2d(2).to_string() == "MaxPool2d(kernel_size=2, stride=2, padding=0)");
    }

    TEST_CASE("BatchNorm: PyTorch's parameters and buffers, running statistics, modes") {
        BatchNorm1d bn(2);
        CHECK(names(bn.state_dict()) == std::vector<std::string>{"weight", "bias", "running_mean",
                                                                 "running_var",
                                                                 "num_batches_tracked"});
        CHECK(bn.weight.to_vector() == std::vector<double>{1, 1});
        CHECK(bn.running_var.to_vector() == std::vector<double>{1, 1});
        CHECK(bn.num_batches_tracked.dtype() == kInt64);

        Tensor x = tensor({1, 10, 3, 20}, {2, 2});
        Tensor y = bn(x);
        // Batch statistics: per channel (x - mean) / sqrt(var + eps), biased var.
        CHECK(y.to_vector()[0] == doctest::Approx(-1.0 / std::sqrt(1.0 + 1e-5)));
        CHECK(bn.num_batches_tracked.item() == 1);
        CHECK(bn.running_mean.to_vector()[0] == doctest::Approx(0.2));
        CHECK(bn.running_mean.to_vector()[1] == doctest::Approx(1.5));
        // Unbiased variance: channel 0 has var 2, so 0.9 + 0.1 * 2.
        CHECK(bn.running_var.to_vector()[0] == doctest::Approx(1.1));

        bn.eval();
        Tensor z = bn(x);
        CHECK(z.to_vector()[0] == doctest::Approx((1 - 0.2) / std::sqrt(1.1 + 1e-5)));
        CHECK(bn.num_batches_tracked.item() == 1);
        CHECK_THROWS_WITH_AS(bn(zeros({2, 2, 2, 2})),
                             doctest::Contains("BatchNorm1d: expected a 2-D or 3-D input; got "
                                               "shape (2, 2, 2, 2)"),
                             ShapeError);

        BatchNorm2d bn2(3, 1e-5, 0.1, false, false);
        CHECK(bn2.state_dict().empty());
        bn2.eval();  // no running statistics: batch statistics in evaluation too
        CHECK(shape_of(bn2(randn({2, 3, 2, 2}))) == Shape{2, 3, 2, 2});
        CHECK_THROWS_AS(bn2(zeros({2, 3})), ShapeError);
    }

    TEST_CASE("BatchNorm with momentum nullopt keeps a cumulative average, as PyTorch's None") {
        BatchNorm1d bn(2, 1e-5, std::nullopt);
        CHECK(bn.extra_repr().find("momentum=None") != std::string::npos);
        // Channel means 2 and 3, unbiased variances 2 and 2; then 6 and 0, variances 2 and 0.
        bn(tensor({1, 2, 3, 4}, {2, 2}));
        CHECK(bn.running_mean.to_vector() == std::vector<double>{2, 3});
        CHECK(bn.running_var.to_vector() == std::vector<double>{2, 2});
        bn(tensor({5, 0, 7, 0}, {2, 2}));
        CHECK(bn.num_batches_tracked.item() == 2);
        CHECK(bn.running_mean.to_vector() == std::vector<double>{4, 1.5});
        CHECK(bn.running_var.to_vector() == std::vector<double>{2, 1});

        CHECK_THROWS_WITH_AS(BatchNorm2d(2, 1e-5, 1.5), doctest::Contains("momentum"),
                             std::invalid_argument);
    }

    TEST_CASE("LayerNorm, Dropout and Embedding") {
        LayerNorm ln({3});
        Tensor y = ln(tensor({1, 2, 3}, {1, 3}, kFloat32));
        CHECK(y.to_vector()[2] == doctest::Approx(1.0 / std::sqrt(2.0 / 3.0 + 1e-5)));
        CHECK(names(ln.named_parameters()) == std::vector<std::string>{"weight", "bias"});

        Generator g(3);
        Dropout drop(0.5, &g);
        Tensor ones_in = ones({1000});
        const auto kept = drop(ones_in).to_vector();
        const auto zeros_count = std::count(kept.begin(), kept.end(), 0.0);
        CHECK(zeros_count > 400);
        CHECK(zeros_count < 600);
        CHECK(std::count(kept.begin(), kept.end(), 2.0) == 1000 - zeros_count);
        drop.eval();
        CHECK(drop(ones_in).is_same(ones_in));
        CHECK_THROWS_AS(Dropout(1.5), std::invalid_argument);

        Embedding emb(5, 3, -1, &g);
        const auto table = emb.weight.to_vector();
        CHECK(std::all_of(table.begin() + 12, table.end(), [](double v) { return v == 0.0; }));
        Tensor out = emb(tensor({4, 0}, {2}, kInt64));
        CHECK(shape_of(out) == Shape{2, 3});
        CHECK(out.to_vector()[3] == table[0]);
        CHECK(emb.to_string() == "Embedding(5, 3, padding_idx=4)");
    }

    TEST_CASE("a small CNN of these layers runs forward and backward to every parameter") {
        Generator g(4);
        Sequential net(Conv2d(1, 4, 3, 1, 1, 1, 1, true, &g), BatchNorm2d(4), ReLU(), MaxPool2d(2),
                       Dropout(0.25, &g), Flatten(), Linear(4 * 4 * 4, 3, true, &g));
        CHECK(net.parameter_count() == 4 * 9 + 4 + 4 + 4 + 64 * 3 + 3);
        Tensor out = net(randn({2, 1, 8, 8}, kFloat32, &g));
        CHECK(shape_of(out) == Shape{2, 3});
        sum(out).backward();
        for (const auto& [name, p] : net.named_parameters()) {
            CAPTURE(name);
            CHECK(p.grad().defined());
        }
        net.eval();
        net.to(kFloat64);
        CHECK(net(randn({1, 1, 8, 8}, kFloat64, &g)).dtype() == kFloat64);
    }
}
