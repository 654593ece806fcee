#include "kernel.hpp"

#include <algorithm>
#include <cstdint>

#include <sys/mman.h>

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

void advise_huge_pages(void* data, std::size_t bytes) noexcept {
    constexpr std::uintptr_t huge_page = std::uintptr_t{1} << 21;
    if (bytes < 2 * huge_page) {
        return;
    }
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (begin + huge_page - 1) & ~(huge_page - 1);
    const std::uintptr_t last = (begin + bytes) & ~(huge_page - 1);
    if (last > first) {
        // The result is ignored: without transparent huge pages the buffer keeps small pages.
        (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
    }
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
    const T* src = in.data();
    T* dst = out.data();
    std::vector<std::size_t> index(rank, 0);
    std::size_t offset = 0;  // output offset of the current row
    for (std::size_t row = 0; row < in.size() / inner; ++row) {
        const T* values = src + row * inner;
        if (inner_reduced) {
            T total = T(0);
            for (std::size_t j = 0; j < inner; ++j) {
                total += values[j];
            }
            dst[offset] += total;
        } else {
            T* target = dst + offset;
            for (std::size_t j = 0; j < inner; ++j) {
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
    return out;
}

template Array<float> sum_axes(const Array<float>&, const std::vector<std::size_t>&);
template Array<double> sum_axes(const Array<double>&, const std::vector<std::size_t>&);

}  // namespace wengert::detail
