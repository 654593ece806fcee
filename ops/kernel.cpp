#include "kernel.hpp"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <utility>

namespace wengert::detail {

Shape broadcast_shapes(const char* op, ShapeView a, ShapeView b) {
    const std::size_t rank = std::max(a.size(), b.size());
    Shape result(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        const std::size_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const std::size_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        // Tested before require() so that the shapes are formatted only on failure.
        if (da != db && da != 1 && db != 1) [[unlikely]] {
            throw ShapeError(fmt::format("{}: shapes {} and {} cannot be broadcast together "
                                         "(axis {} has sizes {} and {})",
                                         op, shape_string(a), shape_string(b), i, da, db));
        }
        result[i] = da == 1 ? db : da;
    }
    return result;
}

BroadcastPlan broadcast_plan(ShapeView a, ShapeView b, ShapeView out) {
    // Strides of each operand along the output's axes (0 where it is broadcast), leaving out
    // the output's axes of size 1.
    const std::size_t rank = out.size();
    std::vector<std::size_t> sizes, sa, sb;
    std::size_t a_step = 1, b_step = 1;
    std::vector<std::size_t> a_all(rank, 0), b_all(rank, 0);
    for (std::size_t i = rank; i-- > 0;) {
        const std::size_t lead_a = rank - a.size(), lead_b = rank - b.size();
        const std::size_t da = i < lead_a ? 1 : a[i - lead_a];
        const std::size_t db = i < lead_b ? 1 : b[i - lead_b];
        a_all[i] = da == 1 ? 0 : a_step;
        b_all[i] = db == 1 ? 0 : b_step;
        a_step *= da;
        b_step *= db;
    }
    for (std::size_t i = 0; i < rank; ++i) {
        if (out[i] == 1) {
            continue;
        }
        // Merge into the previous axis when both operands step through them as one.
        if (!sizes.empty() && sa.back() == a_all[i] * out[i] && sb.back() == b_all[i] * out[i]) {
            sizes.back() *= out[i];
            sa.back() = a_all[i];
            sb.back() = b_all[i];
            continue;
        }
        sizes.push_back(out[i]);
        sa.push_back(a_all[i]);
        sb.push_back(b_all[i]);
    }

    BroadcastPlan plan;
    if (sizes.empty()) {
        return plan;
    }
    // The innermost axis is the run when each operand steps 0 or 1 along it; otherwise (an
    // operand strided there, which merging rules out) the run is one element long.
    const bool unit = sa.back() <= 1 && sb.back() <= 1;
    if (unit) {
        plan.inner = sizes.back();
        plan.a_inner = sa.back();
        plan.b_inner = sb.back();
        sizes.pop_back();
        sa.pop_back();
        sb.pop_back();
    } else {
        plan.a_inner = 0;
        plan.b_inner = 0;
    }
    plan.outer = std::move(sizes);
    plan.a_stride = std::move(sa);
    plan.b_stride = std::move(sb);
    return plan;
}

std::size_t normalize_axis(const char* op, std::int64_t axis, std::size_t rank) {
    const auto signed_rank = static_cast<std::int64_t>(rank);
    const std::int64_t resolved = axis < 0 ? axis + signed_rank : axis;
    require<std::out_of_range>(resolved >= 0 && resolved < signed_rank,
                               "{}: axis {} is out of range for a tensor of rank {} (expected "
                               "{} to {})",
                               op, axis, rank, -signed_rank, signed_rank - 1);
    return static_cast<std::size_t>(resolved);
}

std::vector<std::size_t> normalize_axes(const char* op, const std::vector<std::int64_t>& axes,
                                        std::size_t rank) {
    std::vector<std::size_t> result;
    if (axes.empty()) {
        for (std::size_t i = 0; i < rank; ++i) {
            result.push_back(i);
        }
        return result;
    }
    for (std::int64_t axis : axes) {
        result.push_back(normalize_axis(op, axis, rank));
    }
    std::ranges::sort(result);
    require(std::ranges::adjacent_find(result) == result.end(), "{}: an axis is repeated in [{}]",
            op, fmt::join(axes, ", "));
    return result;
}

namespace {

// Adds rows [begin, end) of `in` (rows of `inner` values, the last axis) into dst: each row
// is summed into one value when the last axis is reduced, or added element by element
// otherwise. out_stride gives each input axis's stride in dst (0 along reduced axes).
template <class T>
void sum_rows(const Array<T>& in, const std::vector<std::size_t>& out_stride, bool inner_reduced,
              std::size_t begin, std::size_t end, T* dst) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t width = Batch::size;
    const std::size_t rank = in.dimension();
    const std::size_t inner = in.shape()[rank - 1];
    std::vector<std::size_t> index(rank, 0);
    std::size_t offset = 0;  // output offset of the current row
    std::size_t rest = begin;
    for (std::size_t i = rank - 1; i-- > 0;) {
        index[i] = rest % in.shape()[i];
        rest /= in.shape()[i];
        offset += index[i] * out_stride[i];
    }
    for (std::size_t row = begin; row < end; ++row) {
        const T* values = in.data() + row * inner;
        std::size_t j = 0;
        if (inner_reduced) {
            Batch acc(T(0));
            for (; j + width <= inner; j += width) {
                acc += Batch::load_unaligned(values + j);
            }
            T total = xsimd::hadd(acc);
            for (; j < inner; ++j) {
                total += values[j];
            }
            dst[offset] += total;
        } else {
            T* target = dst + offset;
            for (; j + width <= inner; j += width) {
                (Batch::load_unaligned(target + j) + Batch::load_unaligned(values + j))
                    .store_unaligned(target + j);
            }
            for (; j < inner; ++j) {
                target[j] += values[j];
            }
        }
        // Advance the multi-index over all axes but the last.
        for (std::size_t i = rank - 1; i-- > 0;) {
            offset += out_stride[i];
            if (++index[i] < in.shape()[i]) {
                break;
            }
            offset -= out_stride[i] * index[i];
            index[i] = 0;
        }
    }
}

}  // namespace

template <class T>
Array<T> sum_axes(const Array<T>& in, const std::vector<std::size_t>& axes) {
    const std::size_t rank = in.dimension();
    std::vector<bool> reduced(rank, false);
    for (std::size_t axis : axes) {
        reduced[axis] = true;
    }
    Shape out_shape;
    for (std::size_t i = 0; i < rank; ++i) {
        if (!reduced[i]) {
            out_shape.push_back(in.shape()[i]);
        }
    }
    Array<T> out(out_shape, T(0));
    if (in.size() == 0) {
        return out;
    }
    if (rank == 0) {
        out() = in();
        return out;
    }
    // Stride of each input axis in the output (0 along reduced axes).
    std::vector<std::size_t> out_stride(rank, 0);
    std::size_t stride = 1;
    for (std::size_t i = rank; i-- > 0;) {
        if (!reduced[i]) {
            out_stride[i] = stride;
            stride *= in.shape()[i];
        }
    }
    const std::size_t inner = in.shape()[rank - 1];
    const bool inner_reduced = reduced[rank - 1];
    const std::size_t rows = in.size() / inner;

    // A small output (a broadcast operand's gradient, a per-channel sum) gets one partial sum
    // per thread, added together at the end; a large one is summed on the calling thread.
    // The split depends only on the thread count, so results are deterministic for it.
    T* dst = out.data();
    if (out.size() * 8 > in.size() || !parallel_available() || in.size() <= 2 * kMemoryBoundGrain) {
        sum_rows(in, out_stride, inner_reduced, 0, rows, dst);
        return out;
    }
    std::mutex done;
    std::vector<std::pair<std::size_t, std::vector<T>>> partials;
    const std::size_t grain = std::max<std::size_t>(1, kMemoryBoundGrain / inner);
    parallel_for(rows, grain, [&](std::size_t begin, std::size_t end) {
        std::vector<T> partial(out.size(), T(0));
        sum_rows(in, out_stride, inner_reduced, begin, end, partial.data());
        const std::lock_guard<std::mutex> lock(done);
        partials.emplace_back(begin, std::move(partial));
    });
    // In order of the rows, so that the sum does not depend on which thread finished first.
    std::ranges::sort(partials, {}, &std::pair<std::size_t, std::vector<T>>::first);
    for (const auto& [begin, partial] : partials) {
        for (std::size_t i = 0; i < partial.size(); ++i) {
            dst[i] += partial[i];
        }
    }
    return out;
}

template Array<float> sum_axes(const Array<float>&, const std::vector<std::size_t>&);
template Array<double> sum_axes(const Array<double>&, const std::vector<std::size_t>&);

}  // namespace wengert::detail
