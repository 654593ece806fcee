// Cases of the core: the tape's per-op cost, elementwise kernels, matmul.
#include <cblas.h>
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <vector>
#include <wengert/wengert.hpp>

#include "harness.hpp"

namespace wengert_bench {

namespace {

using namespace wengert;

constexpr int kChainLength = 10000;

// y <- y + c, y * c', tanh(y) in turn: the values stay in (-1, 1) for any length.
Tensor chain(const Tensor& x, const Tensor& shift, const Tensor& scale) {
    Tensor y = x;
    for (int i = 0; i < kChainLength; ++i) {
        switch (i % 3) {
            case 0:
                y = add(y, shift);
                break;
            case 1:
                y = mul(y, scale);
                break;
            default:
                y = tanh(y);
                break;
        }
    }
    return y;
}

void tape_chain() {
    Tensor x = tensor({0.5}, {1}, kFloat32).requires_grad_();
    Tensor shift = tensor({0.01}, {1}, kFloat32);
    Tensor scale = tensor({0.99}, {1}, kFloat32);
    const int reps = options().repetitions;

    // Forward, backward and freeing the graph: everything a training step pays per op.
    const Measurement full = measure(
        [&] {
            Tensor y = chain(x, shift, scale);
            y.backward();
            keep(x.grad().item());
        },
        reps);
    const Measurement no_grad = measure(
        [&] {
            NoGradGuard guard;
            keep(chain(x, shift, scale).item());
        },
        reps);
    const double per_op = 1e9 / kChainLength;
    // The chain runs on one thread, so its CPU time is the cost without the machine's
    // other load; both are printed.
    report("tape_chain_1elem", "ns_per_op", full.wall * per_op, "", 0.0,
           {{"ops", kChainLength},
            {"mix", "add, mul, tanh"},
            {"cpu_ns_per_op", full.cpu * per_op},
            {"no_grad_ns_per_op", no_grad.wall * per_op}});
    report("tape_chain_1elem_nograd", "ns_per_op", no_grad.wall * per_op, "", 0.0,
           {{"ops", kChainLength},
            {"mix", "add, mul, tanh"},
            {"cpu_ns_per_op", no_grad.cpu * per_op}});
}

constexpr std::size_t kElements = std::size_t{1} << 24;

// An elementwise op on 16M floats against a plain loop over the same arrays into a
// preallocated output (the machine's bandwidth for this access pattern). Ours returns a
// fresh tensor each time, as every op does.
template <class Ours, class Loop>
void elementwise(const char* name, int arrays, Ours&& ours, Loop&& loop) {
    Tensor a = randn({kElements}, kFloat32);
    Tensor b = randn({kElements}, kFloat32);
    std::vector<float> out(kElements, 0.0f);
    const float* pa = a.data_ptr<float>();
    const float* pb = b.data_ptr<float>();
    float* po = out.data();
    const Timings t = compare(
        [&] {
            NoGradGuard guard;
            Tensor c = ours(a, b);
            keep(c.data_ptr<float>()[kElements / 2]);
        },
        [&] {
            loop(pa, pb, po, kElements);
            keep(po[kElements / 3]);
        },
        options().repetitions);
    // The same loop into a fresh buffer each time shows what the page faults of a new
    // 64 MiB output cost on this machine, which any op returning a new tensor pays.
    const double fresh = measure(
                             [&] {
                                 std::unique_ptr<float[]> buffer(new float[kElements]);
                                 loop(pa, pb, buffer.get(), kElements);
                                 keep(buffer[kElements / 3]);
                             },
                             options().repetitions)
                             .wall;
    const double bytes = static_cast<double>(arrays) * kElements * sizeof(float);
    report(name, "ms", t.ours * 1e3, "plain C loop, preallocated output", t.reference * 1e3,
           {{"gb_per_s", bytes / t.ours * 1e-9},
            {"reference_gb_per_s", bytes / t.reference * 1e-9},
            {"fresh_output_loop_ms", fresh * 1e3}});
}

void elementwise_cases() {
    elementwise(
        "add_f32_16M", 3, [](const Tensor& a, const Tensor& b) { return add(a, b); },
        [](const float* a, const float* b, float* c, std::size_t n) {
            for (std::size_t i = 0; i < n; ++i) {
                c[i] = a[i] + b[i];
            }
        });
    elementwise(
        "mul_f32_16M", 3, [](const Tensor& a, const Tensor& b) { return mul(a, b); },
        [](const float* a, const float* b, float* c, std::size_t n) {
            for (std::size_t i = 0; i < n; ++i) {
                c[i] = a[i] * b[i];
            }
        });
    elementwise(
        "relu_f32_16M", 2, [](const Tensor& a, const Tensor&) { return relu(a); },
        [](const float* a, const float*, float* c, std::size_t n) {
            for (std::size_t i = 0; i < n; ++i) {
                c[i] = a[i] > 0.0f ? a[i] : 0.0f;
            }
        });
}

// tanh is compute-bound, so it shows the SIMD transcendental rather than bandwidth.
void tanh_case() {
    constexpr std::size_t n = std::size_t{1} << 20;
    Tensor a = randn({n}, kFloat32);
    std::vector<float> out(n);
    const float* pa = a.data_ptr<float>();
    const Timings t = compare(
        [&] {
            NoGradGuard guard;
            keep(tanh(a).data_ptr<float>()[n / 2]);
        },
        [&] {
            for (std::size_t i = 0; i < n; ++i) {
                out[i] = std::tanh(pa[i]);
            }
            keep(out[n / 3]);
        },
        options().repetitions);
    report("tanh_f32_1M", "ms", t.ours * 1e3, "std::tanh loop", t.reference * 1e3,
           {{"gelem_per_s", n / t.ours * 1e-9}});
}

void matmul_case(std::size_t n) {
    Tensor a = randn({n, n}, kFloat32);
    Tensor b = randn({n, n}, kFloat32);
    std::vector<float> c(n * n);
    const int size = static_cast<int>(n);
    const Timings t = compare(
        [&] {
            NoGradGuard guard;
            keep(matmul(a, b).data_ptr<float>()[n]);
        },
        [&] {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1.0f,
                        a.data_ptr<float>(), size, b.data_ptr<float>(), size, 0.0f, c.data(), size);
            keep(c[n]);
        },
        n >= 2048 ? std::min(options().repetitions, 5) : options().repetitions);
    const double flop = 2.0 * static_cast<double>(n) * n * n;
    report(fmt::format("matmul_f32_{}", n), "ms", t.ours * 1e3, "cblas_sgemm", t.reference * 1e3,
           {{"gflop_per_s", flop / t.ours * 1e-9},
            {"reference_gflop_per_s", flop / t.reference * 1e-9}});
}

}  // namespace

std::vector<Case> core_cases() {
    return {
        {"tape_chain_1elem", tape_chain},
        {"elementwise_f32_16M", elementwise_cases},
        {"tanh_f32_1M", tanh_case},
        {"matmul_f32_512", [] { matmul_case(512); }},
        {"matmul_f32_1024", [] { matmul_case(1024); }},
        {"matmul_f32_2048", [] { matmul_case(2048); }},
    };
}

}  // namespace wengert_bench
