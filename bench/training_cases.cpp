// Cases of whole training steps and of the layers they are made of, one function each.
#include <cblas.h>

#include <cmath>
#include <vector>
#include <wengert/wengert.hpp>

#include "harness.hpp"

namespace wengert_bench {

namespace {

using namespace wengert;

// The Fashion-MNIST CNN's first layer (conv 1 -> 32, 3x3, padding 1, on 64 images of
// 28x28), forward plus backward to the weight and bias.
void conv2d_b64() {
    Tensor x = randn({64, 1, 28, 28}, kFloat32);
    Tensor w = mul(randn({32, 1, 3, 3}, kFloat32), 0.3).detach().requires_grad_();
    Tensor b = zeros({32}, kFloat32).requires_grad_();
    const Measurement t = measure(
        [&] {
            w.zero_grad(true);
            b.zero_grad(true);
            Tensor y = conv2d(x, w, b, 1, 1);
            sum(y).backward();
            keep(w.grad().numel() + b.grad().numel());
        },
        options().repetitions);
    // As im2col + GEMM: (N OH OW, C kH kW) x (C kH kW, O), and twice that backward.
    const double flop = 3.0 * 2.0 * 64 * 28 * 28 * 9 * 32;
    report("conv2d_f32_b64", "ms", t.wall * 1e3, "", 0.0,
           {{"shape", "x (64, 1, 28, 28), w (32, 1, 3, 3), padding 1"},
            {"gflop_per_s", flop / t.wall * 1e-9},
            {"cpu_ms", t.cpu * 1e3}});
}

// c = op(a) op(b), row-major (m x n), for the references.
void sgemm(bool ta, bool tb, int m, int n, int k, const float* a, const float* b, float* c) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
                k, 1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
}

Tensor labels_for(int batch, int classes) {
    std::vector<double> labels(static_cast<std::size_t>(batch));
    for (int i = 0; i < batch; ++i) {
        labels[static_cast<std::size_t>(i)] = static_cast<double>(i % classes);
    }
    return tensor(labels, {static_cast<std::size_t>(batch)}, kInt64);
}

// MLP 784-256-256-10 on a batch of 128: forward, cross-entropy, backward, SGD momentum
// step. The reference is the step's eight matrix products as direct cblas_sgemm calls (what
// a perfect implementation could not avoid); libtorch takes 2.64 ms (ANCHORS.md).
void mlp_step_b128() {
    constexpr int batch = 128, d0 = 784, d1 = 256, d2 = 256, d3 = 10;
    Generator generator(3);
    auto param = [&](Shape shape, double scale) {
        return mul(randn(std::move(shape), kFloat32, &generator), scale).detach().requires_grad_();
    };
    Tensor w1 = param({d1, d0}, 0.05), b1 = param({d1}, 0.01);
    Tensor w2 = param({d2, d1}, 0.06), b2 = param({d2}, 0.01);
    Tensor w3 = param({d3, d2}, 0.06), b3 = param({d3}, 0.01);
    Tensor x = randn({batch, d0}, kFloat32, &generator);
    Tensor y = labels_for(batch, d3);
    optim::SGD sgd({w1, b1, w2, b2, w3, b3}, optim::SGDOptions(0.01).momentum(0.9));

    std::vector<float> h1(batch * d1), h2(batch * d2), out(batch * d3), g3(batch * d3);
    std::vector<float> gw3(d3 * d2), gh2(batch * d2), gw2(d2 * d1), gh1(batch * d1);
    std::vector<float> gw1(d1 * d0);
    const float* px = x.data_ptr<float>();
    const float* pw1 = w1.data_ptr<float>();
    const float* pw2 = w2.data_ptr<float>();
    const float* pw3 = w3.data_ptr<float>();
    const Timings t = compare(
        [&] {
            sgd.zero_grad();
            Tensor h = relu(linear(x, w1, b1));
            h = relu(linear(h, w2, b2));
            Tensor loss = cross_entropy(linear(h, w3, b3), y);
            loss.backward();
            sgd.step();
            keep(loss.item());
        },
        [&] {
            sgemm(false, true, batch, d1, d0, px, pw1, h1.data());
            sgemm(false, true, batch, d2, d1, h1.data(), pw2, h2.data());
            sgemm(false, true, batch, d3, d2, h2.data(), pw3, out.data());
            sgemm(true, false, d3, d2, batch, g3.data(), h2.data(), gw3.data());
            sgemm(false, false, batch, d2, d3, g3.data(), pw3, gh2.data());
            sgemm(true, false, d2, d1, batch, gh2.data(), h1.data(), gw2.data());
            sgemm(false, false, batch, d1, d2, gh2.data(), pw2, gh1.data());
            sgemm(true, false, d1, d0, batch, gh1.data(), px, gw1.data());
            keep(gw1[0]);
        },
        options().repetitions * 3);

    // Memory of one more step: its peak over the parameters plus what the forward pass
    // keeps alive (the input included), and the share the allocator kept cached.
    sgd.zero_grad();
    const double parameter_bytes = 4.0 * (w1.numel() + b1.numel() + w2.numel() + b2.numel() +
                                          w3.numel() + b3.numel());
    reset_peak_memory_stats();
    const std::size_t before_forward = memory_allocated();
    Tensor loss = cross_entropy(linear(relu(linear(relu(linear(x, w1, b1)), w2, b2)), w3, b3), y);
    const double activation_bytes =
        static_cast<double>(memory_allocated() - before_forward) + 4.0 * x.numel();
    loss.backward();
    sgd.step();
    const auto peak = static_cast<double>(max_memory_allocated());
    const double budget = parameter_bytes + activation_bytes;
    const double mb = 1.0 / (1 << 20);
    report("mlp_step_f32_b128", "ms", t.ours * 1e3, "the step's 8 cblas_sgemm calls",
           t.reference * 1e3,
           {{"layers", "784-256-256-10, SGD momentum 0.9"},
            {"libtorch_ms", 2.64},
            {"parameters_mb", parameter_bytes * mb},
            {"activations_mb", activation_bytes * mb},
            {"peak_allocated_mb", peak * mb},
            {"peak_reserved_mb", static_cast<double>(max_memory_reserved()) * mb},
            {"peak_over_parameters_plus_activations", peak / budget}});
}

// The Fashion-MNIST CNN's training step on a batch of 64: conv 1 -> 32 3x3 (padding 1),
// relu, max pool 2, conv 32 -> 64 3x3 (padding 1), relu, max pool 2, fc 3136 -> 128, relu,
// fc 128 -> 10, cross-entropy, backward, SGD momentum step. No reference is run here:
// libtorch 1.13 takes 46 ms for the same step (ANCHORS.md).
void cnn_step_b64() {
    constexpr int batch = 64;
    Generator generator(5);
    auto param = [&](Shape shape, double scale) {
        return mul(randn(std::move(shape), kFloat32, &generator), scale).detach().requires_grad_();
    };
    Tensor c1 = param({32, 1, 3, 3}, 0.3), cb1 = param({32}, 0.01);
    Tensor c2 = param({64, 32, 3, 3}, 0.06), cb2 = param({64}, 0.01);
    Tensor f1 = param({128, 64 * 7 * 7}, 0.018), fb1 = param({128}, 0.01);
    Tensor f2 = param({10, 128}, 0.09), fb2 = param({10}, 0.01);
    Tensor x = randn({batch, 1, 28, 28}, kFloat32, &generator);
    Tensor y = labels_for(batch, 10);
    optim::SGD sgd({c1, cb1, c2, cb2, f1, fb1, f2, fb2}, optim::SGDOptions(0.01).momentum(0.9));

    const Measurement t = measure(
        [&] {
            sgd.zero_grad();
            Tensor h = max_pool2d(relu(conv2d(x, c1, cb1, 1, 1)), 2);
            h = max_pool2d(relu(conv2d(h, c2, cb2, 1, 1)), 2);
            h = relu(linear(flatten(h, 1), f1, fb1));
            Tensor loss = cross_entropy(linear(h, f2, fb2), y);
            loss.backward();
            sgd.step();
            keep(loss.item());
        },
        options().repetitions);
    // Forward multiply-adds of the convolutions and the fully connected layers; backward
    // is about twice the forward (the first conv needs no input gradient).
    const double conv1 = 2.0 * batch * 28 * 28 * 9 * 32;
    const double conv2 = 2.0 * batch * 14 * 14 * 9 * 32 * 64;
    const double fc = 2.0 * batch * (3136.0 * 128 + 128 * 10);
    const double flop = 2.0 * conv1 + 3.0 * (conv2 + fc);
    report("cnn_step_f32_b64", "ms", t.wall * 1e3, "", 0.0,
           {{"layers", "conv32 3x3, pool 2, conv64 3x3, pool 2, fc128, fc10; SGD momentum 0.9"},
            {"gflop_per_s", flop / t.wall * 1e-9},
            {"cpu_ms", t.cpu * 1e3},
            {"libtorch_ms", 46.0}});
}

// batch_norm in training on (64, 32, 28, 28), forward plus backward to input, weight and
// bias. The reference is a plain C loop doing the same work in five passes over the data
// (mean and variance; normalise; the two sums of backward; the input gradient).
void batch_norm_b64() {
    constexpr std::size_t n = 64, c = 32, hw = 28 * 28;
    Tensor x = randn({n, c, 28, 28}, kFloat32).requires_grad_();
    Tensor w = ones({c}, kFloat32).requires_grad_();
    Tensor b = zeros({c}, kFloat32).requires_grad_();
    Tensor g = randn({n, c, 28, 28}, kFloat32);
    std::vector<float> y(n * c * hw), gx(n * c * hw), xhat(n * c * hw);
    const float* px = x.data_ptr<float>();
    const float* pg = g.data_ptr<float>();
    const Timings t = compare(
        [&] {
            x.zero_grad(true);
            w.zero_grad(true);
            b.zero_grad(true);
            Tensor out = batch_norm(x, Tensor(), Tensor(), w, b, true);
            out.backward(g);
            keep(x.grad().numel());
        },
        [&] {
            const double count = static_cast<double>(n * hw);
            for (std::size_t ch = 0; ch < c; ++ch) {
                double s = 0.0, ss = 0.0;
                for (std::size_t i = 0; i < n; ++i) {
                    const float* row = px + (i * c + ch) * hw;
                    for (std::size_t j = 0; j < hw; ++j) {
                        s += row[j];
                        ss += static_cast<double>(row[j]) * row[j];
                    }
                }
                const double mu = s / count;
                const auto inv = static_cast<float>(1.0 / std::sqrt(ss / count - mu * mu + 1e-5));
                double sg = 0.0, sgx = 0.0;
                for (std::size_t i = 0; i < n; ++i) {
                    const std::size_t at = (i * c + ch) * hw;
                    for (std::size_t j = 0; j < hw; ++j) {
                        const float xh = (px[at + j] - static_cast<float>(mu)) * inv;
                        xhat[at + j] = xh;
                        y[at + j] = xh;
                        sg += pg[at + j];
                        sgx += static_cast<double>(pg[at + j]) * xh;
                    }
                }
                const auto mg = static_cast<float>(sg / count);
                const auto mgx = static_cast<float>(sgx / count);
                for (std::size_t i = 0; i < n; ++i) {
                    const std::size_t at = (i * c + ch) * hw;
                    for (std::size_t j = 0; j < hw; ++j) {
                        gx[at + j] = inv * (pg[at + j] - mg - xhat[at + j] * mgx);
                    }
                }
            }
            keep(gx[0] + y[0]);
        },
        options().repetitions);
    report("batch_norm_f32_b64", "ms", t.ours * 1e3, "plain C loops, preallocated buffers",
           t.reference * 1e3, {{"shape", "(64, 32, 28, 28), training, weight and bias"}});
}

// layer_norm over the last axis of (128, 64, 512) (a transformer's activations), forward
// plus backward; the reference is the same plain C loop structure as batch_norm's.
void layer_norm_f32() {
    constexpr std::size_t rows = 128 * 64, d = 512;
    Tensor x = randn({128, 64, d}, kFloat32).requires_grad_();
    Tensor w = ones({d}, kFloat32).requires_grad_();
    Tensor b = zeros({d}, kFloat32).requires_grad_();
    Tensor g = randn({128, 64, d}, kFloat32);
    std::vector<float> y(rows * d), gx(rows * d);
    const float* px = x.data_ptr<float>();
    const float* pg = g.data_ptr<float>();
    const Timings t = compare(
        [&] {
            x.zero_grad(true);
            w.zero_grad(true);
            b.zero_grad(true);
            Tensor out = layer_norm(x, {d}, w, b);
            out.backward(g);
            keep(x.grad().numel());
        },
        [&] {
            for (std::size_t r = 0; r < rows; ++r) {
                const float* row = px + r * d;
                const float* grow = pg + r * d;
                float s = 0.0f, ss = 0.0f;
                for (std::size_t j = 0; j < d; ++j) {
                    s += row[j];
                    ss += row[j] * row[j];
                }
                const float mu = s / d;
                const float inv = 1.0f / std::sqrt(ss / d - mu * mu + 1e-5f);
                float sg = 0.0f, sgx = 0.0f;
                for (std::size_t j = 0; j < d; ++j) {
                    const float xh = (row[j] - mu) * inv;
                    y[r * d + j] = xh;
                    sg += grow[j];
                    sgx += grow[j] * xh;
                }
                for (std::size_t j = 0; j < d; ++j) {
                    gx[r * d + j] = inv * (grow[j] - sg / d - y[r * d + j] * sgx / d);
                }
            }
            keep(gx[0]);
        },
        options().repetitions);
    report("layer_norm_f32", "ms", t.ours * 1e3, "plain C loops, preallocated buffers",
           t.reference * 1e3, {{"shape", "(128, 64, 512) over the last axis, weight and bias"}});
}

// sub of (64, 32, 28, 28) and a per-channel (1, 32, 1, 1) operand, and mul of two such
// tensors broadcast the other way ((64, 32, 28, 28) by (64, 1, 28, 28)); the reference is
// mean over the broadcast axes of the same tensor (one read of the data).
void broadcast_sub_b64() {
    Tensor x = randn({64, 32, 28, 28}, kFloat32);
    Tensor m = randn({1, 32, 1, 1}, kFloat32);
    Tensor s = randn({64, 1, 28, 28}, kFloat32);
    const Timings t = compare([&] { keep(sub(x, m).numel()); },
                              [&] {
                                  keep(mean(x, {0, 2, 3}, true).numel());
                              },
                              options().repetitions);
    const Timings u = compare([&] { keep(mul(x, s).numel()); }, [&] { keep(mul(x, x).numel()); },
                              options().repetitions);
    report("broadcast_sub_f32_b64", "ms", t.ours * 1e3, "mean over axes (0, 2, 3)",
           t.reference * 1e3,
           {{"shape", "(64, 32, 28, 28) - (1, 32, 1, 1)"},
            {"mul_by_64_1_28_28_ms", u.ours * 1e3},
            {"same_shape_mul_ms", u.reference * 1e3}});
}

}  // namespace

std::vector<Case> training_cases() {
    return {
        {"conv2d_f32_b64", conv2d_b64},         {"mlp_step_f32_b128", mlp_step_b128},
        {"cnn_step_f32_b64", cnn_step_b64},     {"broadcast_sub_f32_b64", broadcast_sub_b64},
        {"batch_norm_f32_b64", batch_norm_b64}, {"layer_norm_f32", layer_norm_f32},
    };
}

}  // namespace wengert_bench
