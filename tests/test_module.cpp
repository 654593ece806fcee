#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <wengert/autograd/xtensor_interop.hpp>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

// A dense layer written with matmul, so this suite needs only the ops on main.
class Dense : public Module {
public:
    Dense(std::size_t in, std::size_t out, Generator* g, Dtype dtype = kFloat32) : Module("Dense") {
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        weight_ = register_parameter("weight", uniform({in, out}, -bound, bound, dtype, g));
        bias_ = register_parameter("bias", zeros({out}, dtype));
        register_buffer("calls", zeros({1}, kInt64));
    }
    Tensor forward(const Tensor& x) override { return add(matmul(x, weight_), bias_); }
    std::string extra_repr() const override {
        return "in=" + std::to_string(weight_.size(0)) + ", out=" + std::to_string(weight_.size(1));
    }

    Tensor weight_;
    Tensor bias_;
};

// A model with nested submodules and a shared one.
class Net : public Module {
public:
    explicit Net(Generator* g) : Module("Net") {
        encoder_ = register_module(
            "encoder", std::make_shared<Sequential>(std::make_shared<Dense>(3, 4, g), Tanh()));
        head_ = register_module("head", std::make_shared<Dense>(4, 2, g));
        register_buffer("scale", ones({2}));
    }
    Tensor forward(const Tensor& x) override { return (*head_)((*encoder_)(x)); }

    std::shared_ptr<Sequential> encoder_;
    std::shared_ptr<Dense> head_;
};

std::vector<std::string> names(const NamedTensors& named) {
    std::vector<std::string> out;
    for (const auto& [name, tensor] : named) {
        out.push_back(name);
    }
    return out;
}

}  // namespace

TEST_SUITE("module") {
    TEST_CASE("parameters and buffers get dotted names in registration order") {
        Generator g(1);
        Net net(&g);
        CHECK(names(net.named_parameters()) ==
              std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "head.weight",
                                       "head.bias"});
        CHECK(names(net.named_buffers()) ==
              std::vector<std::string>{"scale", "encoder.0.calls", "head.calls"});
        CHECK(names(net.named_parameters(false)).empty());
        CHECK(net.parameters().size() == 4);
        CHECK(net.parameters()[2].is_same(net.head_->weight_));
        CHECK(net.parameters()[0].requires_grad());
        CHECK(net.parameter_count() == 3 * 4 + 4 + 4 * 2 + 2);
        CHECK(net.children().size() == 2);
        CHECK(net.encoder_->size() == 2);
        CHECK((*net.encoder_)[1]->name() == "Tanh");
        CHECK_THROWS_WITH_AS((*net.encoder_)[2], doctest::Contains("index 2 is out of range for 2"),
                             std::out_of_range);
    }

    TEST_CASE("a shared submodule's parameters are listed and counted once") {
        Generator g(2);
        auto shared = std::make_shared<Dense>(2, 2, &g);
        Sequential twice(shared, shared);
        CHECK(twice.parameters().size() == 2);
        CHECK(twice.parameter_count() == 6);
        CHECK(twice.state_dict().size() == 6);  // the state lists both names
    }

    TEST_CASE("registration rejects bad and duplicate names, int64 parameters, null modules") {
        Module m("Custom");
        m.register_parameter("w", zeros({2}));
        CHECK_THROWS_WITH_AS(m.register_buffer("w", zeros({2})),
                             doctest::Contains("Custom already has a parameter, buffer or "
                                               "submodule named \"w\""),
                             std::invalid_argument);
        CHECK_THROWS_WITH_AS(m.register_parameter("a.b", zeros({2})), doctest::Contains("'.'"),
                             std::invalid_argument);
        CHECK_THROWS_AS(m.register_parameter("", zeros({2})), std::invalid_argument);
        CHECK_THROWS_WITH_AS(m.register_parameter("i", zeros({2}, kInt64)),
                             doctest::Contains("must be float32 or float64, not int64"),
                             DtypeError);
        CHECK_THROWS_AS(m.register_parameter("u", Tensor()), std::invalid_argument);
        CHECK_THROWS_WITH_AS(m.register_module("child", std::shared_ptr<Module>()),
                             doctest::Contains("\"child\" is null"), std::invalid_argument);
        CHECK_THROWS_WITH_AS(m.forward(zeros({1})), doctest::Contains("Custom: forward"),
                             std::logic_error);
        Tensor frozen = m.register_parameter("frozen", zeros({1}), false);
        CHECK_FALSE(frozen.requires_grad());
    }

    TEST_CASE("train and eval propagate to every submodule") {
        Generator g(3);
        Net net(&g);
        CHECK(net.is_training());
        net.eval();
        CHECK_FALSE(net.is_training());
        CHECK_FALSE(net.encoder_->is_training());
        CHECK_FALSE((*net.encoder_)[0]->is_training());
        CHECK_FALSE(net.head_->is_training());
        net.head_->train();
        CHECK(net.head_->is_training());
        CHECK_FALSE(net.is_training());
        net.train(true);
        CHECK((*net.encoder_)[1]->is_training());
    }

    TEST_CASE("state_dict is a snapshot and load_state_dict restores it in place") {
        Generator g(4);
        Net net(&g);
        StateDict saved = net.state_dict();
        CHECK(names(saved) == std::vector<std::string>{"scale", "encoder.0.weight",
                                                       "encoder.0.bias", "encoder.0.calls",
                                                       "head.weight", "head.bias", "head.calls"});
        const auto before = net.head_->weight_.to_vector();
        {
            NoGradGuard no_grad;
            as_xarray<float>(net.head_->weight_) += 1.0f;
        }
        CHECK(saved[4].second.to_vector() == before);  // the snapshot did not move
        Tensor handle = net.head_->weight_;
        net.load_state_dict(saved);
        CHECK(handle.to_vector() == before);  // copied into the same tensor
        CHECK(handle.is_same(net.head_->weight_));

        Generator other(5);
        Net second(&other);
        CHECK(second.head_->weight_.to_vector() != before);
        second.load_state_dict(net.state_dict());
        Tensor x = randn({2, 3}, kFloat32, &other);
        CHECK(second(x).to_vector() == net(x).to_vector());
    }

    TEST_CASE("load_state_dict names missing, unexpected, misshapen and mistyped keys") {
        Generator g(6);
        Net net(&g);
        StateDict state = net.state_dict();
        StateDict missing(state.begin() + 1, state.end());
        missing.emplace_back("head.extra", zeros({1}));
        CHECK_THROWS_WITH_AS(net.load_state_dict(missing),
                             doctest::Contains("missing keys: [scale]; unexpected keys: "
                                               "[head.extra]"),
                             std::invalid_argument);
        StateDict twice = state;
        twice.push_back(state[0]);
        CHECK_THROWS_WITH_AS(net.load_state_dict(twice),
                             doctest::Contains("key \"scale\" appears twice"),
                             std::invalid_argument);
        StateDict wrong_shape = state;
        wrong_shape[4].second = zeros({2, 4});
        CHECK_THROWS_WITH_AS(net.load_state_dict(wrong_shape),
                             doctest::Contains("key \"head.weight\" has shape (2, 4) in the state "
                                               "dict and (4, 2) in the module"),
                             ShapeError);
        StateDict wrong_dtype = state;
        wrong_dtype[5].second = zeros({2}, kFloat64);
        CHECK_THROWS_WITH_AS(net.load_state_dict(wrong_dtype),
                             doctest::Contains("key \"head.bias\" is float64 in the state dict "
                                               "and float32 in the module"),
                             DtypeError);
        // Nothing was copied by the failed loads.
        StateDict after = net.state_dict();
        for (std::size_t i = 0; i < state.size(); ++i) {
            CHECK(after[i].second.to_vector() == state[i].second.to_vector());
        }
    }

    TEST_CASE("to converts parameters and float buffers in place; zero_grad clears grads") {
        Generator g(7);
        Net net(&g);
        Tensor handle = net.head_->weight_;
        Tensor x = randn({5, 3}, kFloat32, &g);
        sum(net(x)).backward();
        CHECK(handle.grad().defined());
        net.zero_grad();
        CHECK(handle.grad().to_vector() == std::vector<double>(8, 0.0));
        net.zero_grad(true);
        CHECK_FALSE(handle.grad().defined());

        const auto values = handle.to_vector();
        net.to(kFloat64);
        CHECK(handle.dtype() == kFloat64);
        CHECK(handle.requires_grad());
        CHECK(handle.to_vector() == values);
        CHECK(net.named_buffers()[0].second.dtype() == kFloat64);
        CHECK(net.named_buffers()[1].second.dtype() == kInt64);
        Tensor y = net(x.to(kFloat64));
        CHECK(y.dtype() == kFloat64);
        CHECK_THROWS_AS(net.to(kInt64), DtypeError);
    }

    TEST_CASE("Sequential chains forward and prints its children") {
        Generator g(8);
        Sequential model(std::make_shared<Dense>(2, 3, &g), ReLU(), Identity());
        model.push_back(Flatten());
        Tensor x = tensor({1, -2, 0.5, 3}, {2, 2});
        auto* dense = dynamic_cast<Dense*>(model[0].get());
        REQUIRE(dense != nullptr);
        CHECK(model(x).to_vector() == relu((*dense)(x)).to_vector());
        CHECK(model.to_string() ==
              "Sequential(\n  (0): Dense(in=2, out=3)\n  (1): ReLU()\n  (2): Identity()\n"
              "  (3): Flatten(start_dim=1, end_dim=-1)\n)");
        Sequential empty;
        CHECK(empty(x).is_same(x));
    }

    TEST_CASE("stateless modules compute their functions") {
        Tensor x = tensor({-2, -0.5, 0, 1.5}, {2, 2}, kFloat64);
        CHECK(ReLU()(x).to_vector() == std::vector<double>{0, 0, 0, 1.5});
        CHECK(Tanh()(x).to_vector()[3] == doctest::Approx(std::tanh(1.5)));
        CHECK(Sigmoid()(x).to_vector()[0] == doctest::Approx(1 / (1 + std::exp(2.0))));
        CHECK(LeakyReLU(0.1)(x).to_vector() == std::vector<double>{-0.2, -0.05, 0, 1.5});
        const auto exact = GELU()(x).to_vector();
        const auto approx = GELU("tanh")(x).to_vector();
        for (std::size_t i = 0; i < 4; ++i) {
            const double v = x.to_vector()[i];
            CHECK(exact[i] == doctest::Approx(0.5 * v * (1 + std::erf(v / std::sqrt(2.0)))));
            const double inner = std::sqrt(2.0 / 3.141592653589793) * (v + 0.044715 * v * v * v);
            CHECK(approx[i] == doctest::Approx(0.5 * v * (1 + std::tanh(inner))));
        }
        CHECK_THROWS_WITH_AS(GELU("fast"), doctest::Contains("got \"fast\""),
                             std::invalid_argument);

        Tensor images = zeros({2, 3, 4, 5});
        auto shape = [](const Tensor& t) { return Shape(t.shape().begin(), t.shape().end()); };
        CHECK(shape(Flatten()(images)) == Shape{2, 60});
        CHECK(shape(Flatten(0, 1)(images)) == Shape{6, 4, 5});
        CHECK(shape(Flatten(-2)(images)) == Shape{2, 3, 20});
        CHECK_THROWS_WITH_AS(Flatten(5)(images), doctest::Contains("axis 5 is out of range"),
                             std::out_of_range);
        CHECK_THROWS_AS(Flatten(2, 1)(images), std::invalid_argument);
    }

    TEST_CASE("a small model trained through the DataLoader with SGD lowers its loss") {
        // Synthetic regression: y = sin(x0) + 0.5 x1 x2, 256 samples.
        Generator g(9);
        Tensor inputs = uniform({256, 3}, -1.5, 1.5, kFloat32, &g);
        std::vector<double> targets;
        const auto flat = inputs.to_vector();
        for (std::size_t i = 0; i < 256; ++i) {
            targets.push_back(std::sin(flat[3 * i]) + 0.5 * flat[3 * i + 1] * flat[3 * i + 2]);
        }
        DataLoader loader(TensorDataset(inputs, tensor(targets, {256, 1})),
                          {.batch_size = 32, .shuffle = true, .drop_last = false, .seed = 3});
        Sequential model(std::make_shared<Dense>(3, 16, &g), Tanh(),
                         std::make_shared<Dense>(16, 1, &g));

        std::vector<double> epoch_loss;
        for (int epoch = 0; epoch < 30; ++epoch) {
            double total = 0.0;
            for (const Batch& batch : loader) {
                Tensor loss = mean(pow(sub(model(batch.inputs), batch.targets), 2.0));
                model.zero_grad();
                loss.backward();
                NoGradGuard no_grad;
                for (Tensor& p : model.parameters()) {
                    as_xarray<float>(p) -= 0.3f * as_xarray<float>(p.grad());
                }
                total += loss.item();
            }
            epoch_loss.push_back(total / static_cast<double>(loader.size()));
        }
        MESSAGE("loss: first epoch " << epoch_loss.front() << ", last " << epoch_loss.back());
        CHECK(epoch_loss.back() < 0.1 * epoch_loss.front());
        CHECK(epoch_loss.back() < epoch_loss[15]);
    }
}
