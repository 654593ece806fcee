#include "norm_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "kernel.hpp"

namespace wengert::detail {

namespace {

constexpr std::size_t kSumBlock = 1024;

// Rows per block of layer_norm's weight and bias gradients: each block sums its rows in T
// into a partial of its own, and the partials then add up in double.
constexpr std::size_t kRowsPerBlock = 256;

// The sum over i < n of f(p[i]), f taking either an xsimd batch or a scalar of T.
template <class T, class F>
double sum_map(const T* p, std::size_t n, F f) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t width = Batch::size;
    static_assert(kSumBlock % (4 * width) == 0);
    double total = 0.0;
    for (std::size_t start = 0; start < n; start += kSumBlock) {
        const std::size_t end = std::min(n, start + kSumBlock);
        // Four accumulators hide the latency of the adds when the run sits in L1.
        Batch a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
        std::size_t i = start;
        for (; i + 4 * width <= end; i += 4 * width) {
            a0 += f(Batch::load_unaligned(p + i));
            a1 += f(Batch::load_unaligned(p + i + width));
            a2 += f(Batch::load_unaligned(p + i + 2 * width));
            a3 += f(Batch::load_unaligned(p + i + 3 * width));
        }
        for (; i + width <= end; i += width) {
            a0 += f(Batch::load_unaligned(p + i));
        }
        T s = xsimd::hadd((a0 + a1) + (a2 + a3));
        for (; i < end; ++i) {
            s += f(p[i]);
        }
        total += static_cast<double>(s);
    }
    return total;
}

// The batch of T at p holding p[0, count) and zeros after, count <= the batch width: the
// tail of a run goes through the same instructions as the rest, so an element's result
// does not depend on its position (Note [Elementwise kernels] in kernel.hpp).
template <class T>
xsimd::batch<T> load_part(const T* p, std::size_t count) {
    using Batch = xsimd::batch<T>;
    if (count == Batch::size) {
        return Batch::load_unaligned(p);
    }
    alignas(64) T padded[Batch::size] = {};
    std::copy(p, p + count, padded);
    return Batch::load_aligned(padded);
}

template <class T>
void store_part(const xsimd::batch<T>& v, T* p, std::size_t count) {
    using Batch = xsimd::batch<T>;
    if (count == Batch::size) {
        v.store_unaligned(p);
        return;
    }
    alignas(64) T padded[Batch::size];
    v.store_aligned(padded);
    std::copy(padded, padded + count, p);
}

// The sums over i < n of g[i] and of g[i] (x[i] - m), in one pass; the padding of a tail
// holds g = 0, so it adds nothing.
template <class T>
void sum_g_and_g_centred(const T* g, const T* x, std::size_t n, T m, double& sum_g,
                         double& sum_gc) {
    using Batch = xsimd::batch<T>;
    const Batch mv(m);
    for (std::size_t start = 0; start < n; start += kSumBlock) {
        const std::size_t end = std::min(n, start + kSumBlock);
        Batch s(T(0)), c(T(0));
        for (std::size_t i = start; i < end; i += Batch::size) {
            const std::size_t count = std::min(Batch::size, end - i);
            const Batch gv = load_part(g + i, count);
            s += gv;
            c = xsimd::fma(gv, load_part(x + i, count) - mv, c);
        }
        sum_g += static_cast<double>(xsimd::hadd(s));
        sum_gc += static_cast<double>(xsimd::hadd(c));
    }
}

// Where one group's values lie: `count` runs of `length` values, run k at offset k * stride
// from the group's first value. A layer_norm row is one run; a batch_norm channel of
// (N, C, *) is N runs of prod(*) values, C * prod(*) apart.
struct Runs {
    std::size_t count = 1;
    std::size_t stride = 0;
    std::size_t length = 0;

    std::size_t size() const { return count * length; }
};

// Items per thread below which a kernel stays on the calling thread, for items of `size`
// values each.
std::size_t grain_for(std::size_t size) {
    return std::max<std::size_t>(1, detail::kMemoryBoundGrain / std::max<std::size_t>(1, size));
}

// The mean of a group's values (rounded to T, as backward recomputes xhat with it) and
// their biased variance about it.
template <class T>
void group_moments(const T* p, const Runs& runs, T& mean, double& var) {
    const auto n = static_cast<double>(runs.size());
    double total = 0.0;
    for (std::size_t k = 0; k < runs.count; ++k) {
        total += sum_map(p + k * runs.stride, runs.length, [](auto v) { return v; });
    }
    const T m = static_cast<T>(total / n);
    double squares = 0.0;
    for (std::size_t k = 0; k < runs.count; ++k) {
        squares += sum_map(p + k * runs.stride, runs.length, [m](auto v) {
            using V = decltype(v);
            const V d = v - V(m);
            return d * d;
        });
    }
    mean = m;
    var = squares / n;
}

// Runs of fewer values than this make batch_norm walk rows rather than channels (Note
// [Short runs]).
constexpr std::size_t kShortRun = 64;

// Note [Short runs]
// In (N, C) inputs, and (N, C, *) with a small prod(*), a channel holds one or a few
// values per row: walking a channel at a time would touch a cache line, and pay a loop's
// setup, for each of them. Such inputs go row by row instead, as an (N, L) matrix with
// L = C prod(*): sums accumulate in one double per column, vectorised across columns, and
// each channel then adds up its prod(*) columns; elementwise passes expand the
// per-channel constants to one per column.

// (N, C, *) as batch_norm walks it.
struct ChannelLayout {
    std::size_t batch = 0;
    std::size_t channels = 0;
    std::size_t inner = 0;  // prod(*)

    explicit ChannelLayout(ShapeView shape) : batch(shape[0]), channels(shape[1]), inner(1) {
        for (std::size_t axis = 2; axis < shape.size(); ++axis) {
            inner *= shape[axis];
        }
    }
    std::size_t columns() const { return channels * inner; }
    Runs runs() const { return {batch, channels * inner, inner}; }
    bool short_runs() const { return inner < kShortRun; }
};

// Per channel, the sum of term(i, j) over the channel's values, i indexing x and j its
// column (Note [Short runs]).
template <class F>
std::vector<double> column_sums(const ChannelLayout& l, F term) {
    std::vector<double> columns(l.columns(), 0.0);
    double* col = columns.data();
    const std::size_t width = l.columns();
    detail::parallel_for(width, grain_for(l.batch), [&](std::size_t begin, std::size_t end) {
        for (std::size_t n = 0; n < l.batch; ++n) {
            for (std::size_t j = begin; j < end; ++j) {
                col[j] += term(n * width + j, j);
            }
        }
    });
    std::vector<double> sums(l.channels, 0.0);
    for (std::size_t j = 0; j < width; ++j) {
        sums[j / l.inner] += columns[j];
    }
    return sums;
}

// One value per column from one per channel (Note [Short runs]).
template <class T>
std::vector<T> per_column(const ChannelLayout& l, const std::vector<T>& per_channel) {
    std::vector<T> out(l.columns());
    for (std::size_t j = 0; j < out.size(); ++j) {
        out[j] = per_channel[j / l.inner];
    }
    return out;
}

// Per-channel constants of the elementwise pass out = k (x - m) + a g + q, which is
// batch_norm's forward (no g) and its input gradient.
template <class T>
struct ChannelPass {
    std::vector<T> m, k, a, q;

    explicit ChannelPass(std::size_t channels)
        : m(channels, T(0)), k(channels, T(0)), a(channels, T(0)), q(channels, T(0)) {}
};

// The pass over one channel's runs; g may be null (then a is unused).
template <class T>
void pass_group(const T* x, const T* g, T* out, const Runs& runs, T m, T k, T a, T q) {
    using Batch = xsimd::batch<T>;
    const Batch mv(m), kv(k), av(a), qv(q);
    for (std::size_t r = 0; r < runs.count; ++r) {
        const std::size_t at = r * runs.stride;
        for (std::size_t i = 0; i < runs.length; i += Batch::size) {
            const std::size_t count = std::min(Batch::size, runs.length - i);
            const Batch xv = load_part(x + at + i, count);
            const Batch base = g != nullptr ? xsimd::fma(av, load_part(g + at + i, count), qv) : qv;
            store_part(xsimd::fma(kv, xv - mv, base), out + at + i, count);
        }
    }
}

// The pass over all of (N, C, *), by channels or by rows (Note [Short runs]).
template <class T>
void channel_pass(const ChannelLayout& l, const T* x, const T* g, T* out, const ChannelPass<T>& p) {
    if (!l.short_runs()) {
        const Runs runs = l.runs();
        detail::parallel_for(l.channels, grain_for(runs.size()), [&](std::size_t b, std::size_t e) {
            for (std::size_t c = b; c < e; ++c) {
                const std::size_t at = c * l.inner;
                pass_group(x + at, g != nullptr ? g + at : nullptr, out + at, runs, p.m[c], p.k[c],
                           p.a[c], p.q[c]);
            }
        });
        return;
    }
    const std::vector<T> m = per_column(l, p.m), k = per_column(l, p.k);
    const std::vector<T> a = per_column(l, p.a), q = per_column(l, p.q);
    const std::size_t width = l.columns();
    detail::parallel_for(l.batch, grain_for(width), [&](std::size_t begin, std::size_t end) {
        for (std::size_t n = begin; n < end; ++n) {
            const T* xr = x + n * width;
            T* o = out + n * width;
            if (g == nullptr) {
                for (std::size_t j = 0; j < width; ++j) {
                    o[j] = std::fma(k[j], xr[j] - m[j], q[j]);
                }
            } else {
                const T* gr = g + n * width;
                for (std::size_t j = 0; j < width; ++j) {
                    o[j] = std::fma(k[j], xr[j] - m[j], std::fma(a[j], gr[j], q[j]));
                }
            }
        }
    });
}

// Per channel of (N, C, *): sum(g) and sum(g (x - m[c])).
template <class T>
void channel_sums(const ChannelLayout& l, const T* g, const T* x, const std::vector<T>& m,
                  std::vector<double>& sum_g, std::vector<double>& sum_gc) {
    if (l.short_runs()) {
        const std::vector<T> mc = per_column(l, m);
        sum_g = column_sums(l, [g](std::size_t i, std::size_t) { return double(g[i]); });
        sum_gc = column_sums(
            l, [g, x, &mc](std::size_t i, std::size_t j) { return double(g[i] * (x[i] - mc[j])); });
        return;
    }
    sum_g.assign(l.channels, 0.0);
    sum_gc.assign(l.channels, 0.0);
    const Runs runs = l.runs();
    detail::parallel_for(l.channels, grain_for(runs.size()), [&](std::size_t b, std::size_t e) {
        for (std::size_t c = b; c < e; ++c) {
            for (std::size_t r = 0; r < runs.count; ++r) {
                const std::size_t at = c * l.inner + r * runs.stride;
                sum_g_and_g_centred(g + at, x + at, runs.length, m[c], sum_g[c], sum_gc[c]);
            }
        }
    });
}

}  // namespace

// Long runs compute the statistics and y per channel, while the channel is in cache.
template <class T>
Array<T> batch_norm_forward(const Array<T>& x, const T* weight, const T* bias, double eps, T* mean,
                            T* var, T* rstd) {
    const ChannelLayout l(x.shape());
    Array<T> y = detail::fresh_array<T>(x.shape());
    const T* px = x.data();
    T* py = y.data();
    // y = k (x - m) + q with k = rstd weight and q = bias.
    auto set_channel = [&](std::size_t c, T m, double v, ChannelPass<T>& p) {
        const double r = 1.0 / std::sqrt(v + eps);
        mean[c] = m;
        var[c] = static_cast<T>(v);
        rstd[c] = static_cast<T>(r);
        p.m[c] = m;
        p.k[c] = static_cast<T>(weight != nullptr ? r * weight[c] : r);
        p.q[c] = bias != nullptr ? bias[c] : T(0);
    };
    ChannelPass<T> p(l.channels);
    if (l.short_runs()) {
        const auto count = static_cast<double>(l.batch * l.inner);
        const std::vector<double> sums =
            column_sums(l, [px](std::size_t i, std::size_t) { return double(px[i]); });
        std::vector<T> m(l.channels);
        for (std::size_t c = 0; c < l.channels; ++c) {
            m[c] = static_cast<T>(sums[c] / count);
        }
        const std::vector<T> mc = per_column(l, m);
        const std::vector<double> squares = column_sums(l, [px, &mc](std::size_t i, std::size_t j) {
            const T d = px[i] - mc[j];
            return double(d * d);
        });
        for (std::size_t c = 0; c < l.channels; ++c) {
            set_channel(c, m[c], squares[c] / count, p);
        }
        channel_pass(l, px, static_cast<const T*>(nullptr), py, p);
        return y;
    }
    const Runs runs = l.runs();
    detail::parallel_for(l.channels, grain_for(runs.size()), [&](std::size_t b, std::size_t e) {
        for (std::size_t c = b; c < e; ++c) {
            T m;
            double v;
            group_moments(px + c * l.inner, runs, m, v);
            set_channel(c, m, v, p);
            pass_group(px + c * l.inner, static_cast<const T*>(nullptr), py + c * l.inner, runs,
                       p.m[c], p.k[c], T(0), p.q[c]);
        }
    });
    return y;
}

template <class T>
Array<T> channel_affine_forward(const Array<T>& x, const T* mean, const T* scale, const T* shift) {
    const ChannelLayout l(x.shape());
    ChannelPass<T> p(l.channels);
    for (std::size_t c = 0; c < l.channels; ++c) {
        p.m[c] = mean != nullptr ? mean[c] : T(0);
        p.k[c] = scale[c];
        p.q[c] = shift != nullptr ? shift[c] : T(0);
    }
    Array<T> y = detail::fresh_array<T>(x.shape());
    channel_pass(l, x.data(), static_cast<const T*>(nullptr), y.data(), p);
    return y;
}

template <class T>
void batch_norm_affine_sums(const Array<T>& g, const Array<T>& x, const T* mean,
                            std::vector<double>& sum_g, std::vector<double>& sum_gc) {
    const ChannelLayout l(x.shape());
    std::vector<T> m(l.channels, T(0));
    if (mean != nullptr) {
        std::copy_n(mean, l.channels, m.begin());
    }
    channel_sums(l, g.data(), x.data(), m, sum_g, sum_gc);
}

// Long runs compute the sums and dx per channel, while the channel is in cache.
template <class T>
void batch_norm_backward(const Array<T>& g, const Array<T>& x, const T* weight, const T* mean,
                         const T* rstd, T* dx, T* dweight, T* dbias) {
    const ChannelLayout l(x.shape());
    const auto n = static_cast<double>(l.batch * l.inner);
    const T* pg = g.data();
    const T* px = x.data();
    ChannelPass<T> p(l.channels);
    std::copy(mean, mean + l.channels, p.m.begin());
    // The gradients of channel c from its two sums.
    auto set_channel = [&](std::size_t c, double sum_g, double sum_gc) {
        const double r = rstd[c];
        dweight[c] = static_cast<T>(r * sum_gc);
        dbias[c] = static_cast<T>(sum_g);
        const double a = weight != nullptr ? r * weight[c] : r;
        p.a[c] = static_cast<T>(a);
        p.q[c] = static_cast<T>(-a * sum_g / n);
        p.k[c] = static_cast<T>(-a * r * r * sum_gc / n);
    };
    if (l.short_runs()) {
        std::vector<double> sum_g, sum_gc;
        channel_sums(l, pg, px, p.m, sum_g, sum_gc);
        for (std::size_t c = 0; c < l.channels; ++c) {
            set_channel(c, sum_g[c], sum_gc[c]);
        }
        if (dx != nullptr) {
            channel_pass(l, px, pg, dx, p);
        }
        return;
    }
    const Runs runs = l.runs();
    detail::parallel_for(l.channels, grain_for(runs.size()), [&](std::size_t b, std::size_t e) {
        for (std::size_t c = b; c < e; ++c) {
            double sum_g = 0.0, sum_gc = 0.0;
            for (std::size_t r = 0; r < runs.count; ++r) {
                const std::size_t at = c * l.inner + r * runs.stride;
                sum_g_and_g_centred(pg + at, px + at, runs.length, mean[c], sum_g, sum_gc);
            }
            set_channel(c, sum_g, sum_gc);
            if (dx != nullptr) {
                const std::size_t at = c * l.inner;
                pass_group(px + at, pg + at, dx + at, runs, p.m[c], p.k[c], p.a[c], p.q[c]);
            }
        }
    });
}

template <class T>
Array<T> layer_norm_forward(const Array<T>& x, std::size_t d, const T* weight, const T* bias,
                            double eps, T* mean, T* rstd) {
    using Batch = xsimd::batch<T>;
    const std::size_t rows = d == 0 ? 0 : x.size() / d;
    const Runs runs{1, 0, d};
    Array<T> y = detail::fresh_array<T>(x.shape());
    const T* px = x.data();
    T* py = y.data();
    detail::parallel_for(rows, grain_for(runs.size()), [&](std::size_t begin, std::size_t end) {
        // Local copies: stores through `out` could otherwise alias the captured pointers.
        const T* const w = weight;
        const T* const b = bias;
        for (std::size_t row = begin; row < end; ++row) {
            const T* in = px + row * d;
            T* out = py + row * d;
            T m;
            double v;
            group_moments(in, runs, m, v);
            const auto s = static_cast<T>(1.0 / std::sqrt(v + eps));
            mean[row] = m;
            rstd[row] = s;
            const Batch mv(m), sv(s);
            for (std::size_t i = 0; i < d; i += Batch::size) {
                const std::size_t count = std::min(Batch::size, d - i);
                Batch yv = (load_part(in + i, count) - mv) * sv;
                if (w != nullptr) {
                    yv *= load_part(w + i, count);
                }
                if (b != nullptr) {
                    yv += load_part(b + i, count);
                }
                store_part(yv, out + i, count);
            }
        }
    });
    return y;
}

namespace {

// One row of layer_norm's backward: sum(g w) and sum(g w xhat) in one pass, which also
// adds g xhat and g into the row's block partials (weight and bias gradients); then, when
// dx is given, dx = rstd (g w - mean(g w)) - rstd mean(g w xhat) xhat. Parameters come by
// value, so the stores into the partials cannot make the compiler reload them.
template <class T>
void layer_norm_backward_row(const T* g, const T* x, std::size_t d, const T* weight, T m, T s,
                             T* part_w, T* part_b, T* dx) {
    using Batch = xsimd::batch<T>;
    const Batch mv(m), sv(s);
    // Padding lanes hold g = 0, so they add nothing to the sums or partials.
    double sum_gw = 0.0, sum_gwx = 0.0;
    for (std::size_t start = 0; start < d; start += kSumBlock) {
        const std::size_t stop = std::min(d, start + kSumBlock);
        Batch acc_gw(T(0)), acc_gwx(T(0));
        for (std::size_t i = start; i < stop; i += Batch::size) {
            const std::size_t count = std::min(Batch::size, stop - i);
            const Batch gv = load_part(g + i, count);
            const Batch xh = (load_part(x + i, count) - mv) * sv;
            const Batch gw = weight != nullptr ? gv * load_part(weight + i, count) : gv;
            acc_gw += gw;
            acc_gwx = xsimd::fma(gw, xh, acc_gwx);
            store_part(xsimd::fma(gv, xh, load_part(part_w + i, count)), part_w + i, count);
            store_part(load_part(part_b + i, count) + gv, part_b + i, count);
        }
        sum_gw += static_cast<double>(xsimd::hadd(acc_gw));
        sum_gwx += static_cast<double>(xsimd::hadd(acc_gwx));
    }
    if (dx == nullptr) {
        return;
    }

    const Batch m1(static_cast<T>(sum_gw / static_cast<double>(d)));
    const Batch k(static_cast<T>(-s * sum_gwx / static_cast<double>(d)));
    for (std::size_t i = 0; i < d; i += Batch::size) {
        const std::size_t count = std::min(Batch::size, d - i);
        const Batch gv = load_part(g + i, count);
        const Batch xh = (load_part(x + i, count) - mv) * sv;
        const Batch gw = weight != nullptr ? gv * load_part(weight + i, count) : gv;
        store_part(xsimd::fma(k, xh, sv * (gw - m1)), dx + i, count);
    }
}

}  // namespace

// Rows go in fixed blocks of kRowsPerBlock, each with partial weight and bias gradients
// of its own, so the totals do not depend on the thread count.
template <class T>
void layer_norm_backward(const Array<T>& g, const Array<T>& x, std::size_t d, const T* weight,
                         const T* mean, const T* rstd, T* dx, T* dweight, T* dbias) {
    const std::size_t rows = d == 0 ? 0 : x.size() / d;
    const std::size_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
    // Two partials (weight, bias) of d values per block, zeroed.
    std::vector<T> partials(blocks * 2 * d, T(0));
    const T* pg = g.data();
    const T* px = x.data();
    detail::parallel_for(blocks, grain_for(kRowsPerBlock * d), [&](std::size_t b, std::size_t e) {
        for (std::size_t block = b; block < e; ++block) {
            T* part_w = partials.data() + block * 2 * d;
            const std::size_t last = std::min(rows, (block + 1) * kRowsPerBlock);
            for (std::size_t row = block * kRowsPerBlock; row < last; ++row) {
                const std::size_t at = row * d;
                layer_norm_backward_row(pg + at, px + at, d, weight, mean[row], rstd[row], part_w,
                                        part_w + d, dx != nullptr ? dx + at : nullptr);
            }
        }
    });

    // The blocks' partials add up in a fixed order, whatever the thread count.
    for (std::size_t j = 0; j < d; ++j) {
        double total_w = 0.0, total_b = 0.0;
        for (std::size_t block = 0; block < blocks; ++block) {
            total_w += static_cast<double>(partials[block * 2 * d + j]);
            total_b += static_cast<double>(partials[block * 2 * d + d + j]);
        }
        dweight[j] = static_cast<T>(total_w);
        dbias[j] = static_cast<T>(total_b);
    }
}

// The only instantiations: the header declares the kernels without their bodies.
#define WENGERT_NORM_KERNELS(T)                                                                    \
    template Array<T> batch_norm_forward(const Array<T>&, const T*, const T*, double, T*, T*, T*); \
    template Array<T> channel_affine_forward(const Array<T>&, const T*, const T*, const T*);       \
    template void batch_norm_affine_sums(const Array<T>&, const Array<T>&, const T*,               \
                                         std::vector<double>&, std::vector<double>&);              \
    template void batch_norm_backward(const Array<T>&, const Array<T>&, const T*, const T*,        \
                                      const T*, T*, T*, T*);                                       \
    template Array<T> layer_norm_forward(const Array<T>&, std::size_t, const T*, const T*, double, \
                                         T*, T*);                                                  \
    template void layer_norm_backward(const Array<T>&, const Array<T>&, std::size_t, const T*,     \
                                      const T*, const T*, T*, T*, T*);
WENGERT_NORM_KERNELS(float)
WENGERT_NORM_KERNELS(double)
#undef WENGERT_NORM_KERNELS

}  // namespace wengert::detail
