// Cases of whole training steps. Each case is one function; a case whose ops are not in
// the library yet prints a line saying so, so that the list of names stays complete.
#include <wengert/wengert.hpp>

#include "harness.hpp"

namespace wengert_bench {

namespace {

// The Fashion-MNIST CNN's first layer (conv 1 -> 32, 3x3, on 64 images of 28x28), forward
// plus backward.
void conv2d_b64() {
    report_missing("conv2d_f32_b64", "conv2d is not in the library yet");
}

// MLP 784-256-256-10 on a batch of 128: forward, cross-entropy, backward, SGD step.
void mlp_step_b128() {
    report_missing("mlp_step_f32_b128", "linear, cross_entropy and SGD are not in the library yet");
}

}  // namespace

std::vector<Case> training_cases() {
    return {
        {"conv2d_f32_b64", conv2d_b64},
        {"mlp_step_f32_b128", mlp_step_b128},
    };
}

}  // namespace wengert_bench
