// A small model that trains with nothing but the tape: a 2-16-1 MLP learns to separate two
// interleaved half circles. Prints the loss every 100 steps, so its fall can be watched.
#include <cmath>
#include <cstdio>
#include <numbers>

#include <wengert/wengert.hpp>

using namespace wengert;

int main() {
    Generator generator(0);
    constexpr std::size_t kPoints = 256;

    // Two half circles, one shifted and flipped, with a little noise; labels 0 and 1.
    std::vector<double> coordinates, labels;
    for (std::size_t i = 0; i < kPoints; ++i) {
        const bool upper = i % 2 == 0;
        const double angle = std::numbers::pi * generator.uniform();
        const double x = upper ? std::cos(angle) : 1.0 - std::cos(angle);
        const double y = upper ? std::sin(angle) : 0.5 - std::sin(angle);
        coordinates.push_back(x + 0.1 * generator.normal());
        coordinates.push_back(y + 0.1 * generator.normal());
        labels.push_back(upper ? 0.0 : 1.0);
    }
    const Tensor inputs = tensor(coordinates, {kPoints, 2});
    const Tensor targets = tensor(labels, {kPoints, 1});

    Tensor w1 = mul(randn({2, 16}, kFloat32, &generator), 0.7).detach().requires_grad_();
    Tensor b1 = zeros({16}).requires_grad_();
    Tensor w2 = mul(randn({16, 1}, kFloat32, &generator), 0.25).detach().requires_grad_();
    Tensor b2 = zeros({1}).requires_grad_();
    const TensorList parameters{w1, b1, w2, b2};

    const double learning_rate = 0.5;
    for (int step = 0; step <= 2000; ++step) {
        const Tensor hidden = tanh(add(matmul(inputs, w1), b1));
        const Tensor probability = sigmoid(add(matmul(hidden, w2), b2));
        const Tensor loss = mean(pow(sub(probability, targets), 2.0));

        for (Tensor p : parameters) {
            p.zero_grad();
        }
        loss.backward();
        {
            NoGradGuard no_grad;
            for (const Tensor& p : parameters) {
                float* value = const_cast<Tensor&>(p).data_ptr<float>();
                const float* gradient = p.grad().data_ptr<float>();
                for (std::size_t i = 0; i < p.numel(); ++i) {
                    value[i] -= static_cast<float>(learning_rate) * gradient[i];
                }
            }
        }
        if (step % 250 == 0) {
            std::printf("step %4d  mse %.4f\n", step, loss.item());
        }
    }
    return 0;
}
