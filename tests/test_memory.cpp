// The storage allocator: statistics, reuse of freed large buffers, the cache's cap, and
// what a training step's peak memory is made of.
#include <doctest/doctest.h>

#include <thread>
#include <wengert/wengert.hpp>

using namespace wengert;

namespace {

// 1 Mi floats: well above the size from which freed buffers are cached.
constexpr std::size_t kLarge = std::size_t{1} << 20;

// Restores the cache's cap at the end of a test that changes it.
struct CacheLimitScope {
    std::size_t saved = memory_cache_limit();
    ~CacheLimitScope() { set_memory_cache_limit(saved); }
};

}  // namespace

TEST_SUITE("memory") {
    TEST_CASE("memory_allocated follows live tensors and the peak remembers the highest") {
        const std::size_t before = memory_allocated();
        reset_peak_memory_stats();
        {
            Tensor a = zeros({kLarge}, kFloat32);
            CHECK(memory_allocated() >= before + kLarge * sizeof(float));
            CHECK(memory_allocated() <= before + kLarge * sizeof(float) * 9 / 8);
        }
        CHECK(memory_allocated() == before);
        CHECK(max_memory_allocated() >= before + kLarge * sizeof(float));
        CHECK(max_memory_reserved() >= max_memory_allocated());

        reset_peak_memory_stats();
        CHECK(max_memory_allocated() == memory_allocated());
    }

    TEST_CASE("a freed large buffer serves the next request of its size class") {
        CacheLimitScope scope;
        set_memory_cache_limit(std::size_t{256} << 20);
        const float* first = nullptr;
        {
            Tensor a = ones({kLarge}, kFloat32);
            first = a.data_ptr<float>();
        }
        CHECK(memory_reserved() >= memory_allocated() + kLarge * sizeof(float));

        // Slightly smaller still rounds to the same block size.
        Tensor b = full({kLarge - 1000}, 2.0, kFloat32);
        CHECK(b.data_ptr<float>() == first);
        CHECK(b.to_vector()[kLarge - 1001] == 2.0);

        // A reused buffer is a fresh tensor: ops write all of it.
        Tensor c = add(b, 1.0);
        CHECK(c.to_vector()[0] == 3.0);
    }

    TEST_CASE("empty_cache and a zero cap give freed buffers back") {
        CacheLimitScope scope;
        { Tensor a = zeros({kLarge}, kFloat64); }
        empty_cache();
        CHECK(memory_reserved() == memory_allocated());

        set_memory_cache_limit(0);
        CHECK(memory_cache_limit() == 0);
        { Tensor a = zeros({kLarge}, kFloat64); }
        CHECK(memory_reserved() == memory_allocated());

        // Lowering the cap below what is cached releases it.
        set_memory_cache_limit(std::size_t{64} << 20);
        { Tensor a = zeros({kLarge}, kFloat64); }
        CHECK(memory_reserved() > memory_allocated());
        set_memory_cache_limit(1024);
        CHECK(memory_reserved() == memory_allocated());
    }

    TEST_CASE("a freed small buffer serves the thread's next request of its size") {
        const float* first = nullptr;
        {
            Tensor a = ones({3}, kFloat32);
            first = a.data_ptr<float>();
        }
        Tensor b = full({5}, 2.0, kFloat32);  // 20 bytes: the same 64-byte block
        CHECK(b.data_ptr<float>() == first);
        CHECK(b.to_vector() == std::vector<double>(5, 2.0));

        // Buffers may die on other threads than the one that made them, and threads that
        // kept freed buffers give them back when they end (LeakSanitizer checks in CI).
        Tensor made_here = ones({4}, kFloat32);
        Tensor made_there;
        std::thread worker([&] {
            for (int i = 0; i < 100; ++i) {
                Tensor scratch = add(ones({8}, kFloat32), 1.0);
            }
            made_there = full({2}, 7.0, kFloat32);
            made_here = Tensor();
        });
        worker.join();
        CHECK(made_there.to_vector() == std::vector<double>{7, 7});
        made_there = Tensor();
    }

    TEST_CASE("small tensors count in the statistics too") {
        const std::size_t before = memory_allocated();
        Tensor a = zeros({3}, kFloat32);
        CHECK(memory_allocated() > before);
        CHECK(memory_allocated() - before < 1024);
    }

    TEST_CASE("backward frees saved values: a step peaks under twice parameters plus activations") {
        // An MLP 784-256-256-10 on a batch of 128, as the bench's mlp_step: the peak of a whole
        // training step, over the parameters and the values the forward pass keeps alive.
        // With momentum the optimizer's state adds one more copy of the parameters, so the
        // bound is then on what no implementation avoids: parameters, their gradients, the
        // momentum and the activations.
        for (const double momentum : {0.0, 0.9}) {
            Generator generator(11);
            Sequential model(std::make_shared<Linear>(784, 256, true, &generator), ReLU(),
                             std::make_shared<Linear>(256, 256, true, &generator), ReLU(),
                             std::make_shared<Linear>(256, 10, true, &generator));
            optim::SGD sgd(model.parameters(), optim::SGDOptions(0.01).momentum(momentum));
            Tensor x = randn({128, 784}, kFloat32, &generator);
            Tensor y = randint(0, 10, {128}, &generator);
            std::size_t parameter_bytes = 0;
            for (const Tensor& p : model.parameters()) {
                parameter_bytes += p.numel() * sizeof(float);
            }

            auto step = [&](std::size_t* activation_bytes) {
                sgd.zero_grad();
                const std::size_t before_forward = memory_allocated();
                Tensor loss = cross_entropy(model.forward(x), y);
                *activation_bytes = memory_allocated() - before_forward + x.numel() * sizeof(float);
                loss.backward();
                sgd.step();
            };
            std::size_t activation_bytes = 0;
            step(&activation_bytes);  // creates the momentum buffers
            const std::size_t settled = memory_allocated();
            reset_peak_memory_stats();
            step(&activation_bytes);

            // Nothing of the graph survives the step.
            CHECK(memory_allocated() == settled);
            const auto peak = static_cast<double>(max_memory_allocated());
            const auto budget = static_cast<double>(parameter_bytes + activation_bytes);
            MESSAGE("momentum ", momentum, ": peak ", peak, " bytes, parameters ", parameter_bytes,
                    ", activations ", activation_bytes, ", peak / (parameters + activations) ",
                    peak / budget);
            if (momentum == 0.0) {
                CHECK(peak <= 2.0 * budget);
            } else {
                const double unavoidable = budget + 2.0 * static_cast<double>(parameter_bytes);
                CHECK(peak <= 1.2 * unavoidable);
            }
        }
    }
}
