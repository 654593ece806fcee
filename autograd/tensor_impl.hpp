#pragma once
// Internal: what a Tensor handle points at, and the dtype dispatch every kernel uses.
// Included by .cpp files and by the xtensor interop header, never by tensor.hpp, so that
// code which only passes tensors around does not compile xtensor's templates.

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include <xtensor/xarray.hpp>

#include "allocator.hpp"
#include "error.hpp"
#include "tensor.hpp"

namespace wengert::detail {

/// The array type of tensor values: row-major, its buffer from the storage allocator.
template <class T>
using Array = xt::xarray<T, xt::layout_type::row_major, StorageAllocator<T>>;

/// Values of one tensor: a row-major xtensor array of one of the supported dtypes, in the
/// order of Dtype.
using AnyArray = std::variant<Array<float>, Array<double>, Array<std::int64_t>>;

template <class T>
constexpr Dtype dtype_of() {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> ||
                      std::is_same_v<T, std::int64_t>,
                  "wengert tensors hold float, double or std::int64_t");
    if constexpr (std::is_same_v<T, float>) {
        return Dtype::float32;
    } else if constexpr (std::is_same_v<T, double>) {
        return Dtype::float64;
    } else {
        return Dtype::int64;
    }
}

struct TensorImpl {
    // Shared so that detach() and saved outputs can alias the values without copying them.
    std::shared_ptr<AnyArray> data;
    // The node that produced this tensor; null for leaves.
    std::shared_ptr<Node> grad_fn;
    // Accumulated gradient of a leaf.
    Tensor grad;
    // The accumulator node that routes gradients into `grad`, shared by every op that reads
    // this leaf within one graph; weak, because the graph owns it.
    std::weak_ptr<Node> grad_accumulator;
    bool requires_grad = false;
};

inline Dtype dtype_of(const AnyArray& array) {
    return static_cast<Dtype>(array.index());
}

inline AnyArray& array_of(const Tensor& t) {
    return *t.impl()->data;
}

template <class T>
Array<T>& array_as(const Tensor& t) {
    return std::get<Array<T>>(*t.impl()->data);
}

/// A new tensor without history that owns `data`.
Tensor make_tensor(AnyArray data);

template <class T>
Tensor make_tensor(Array<T> data) {
    return make_tensor(AnyArray(std::move(data)));
}

[[noreturn]] void throw_not_floating(const char* op, const Tensor& t);

/// Calls f(array) with the tensor's float or double array. Arithmetic goes through here, so
/// an int64 tensor throws a DtypeError naming `op` rather than instantiating every kernel
/// for integers.
template <class F>
decltype(auto) visit(const char* op, const Tensor& t, F&& f) {
    AnyArray& x = *t.impl()->data;
    if (x.index() == 0) {
        return f(std::get<0>(x));
    }
    if (x.index() != 1) {
        throw_not_floating(op, t);
    }
    return f(std::get<1>(x));
}

/// visit() for code that names no op (the message then says "operation").
template <class F>
decltype(auto) visit(const Tensor& t, F&& f) {
    return visit("operation", t, std::forward<F>(f));
}

/// Calls f(array) for every dtype, int64 included: for code that only moves elements
/// (shape ops, indexing, copies, printing).
template <class F>
decltype(auto) visit_any(const Tensor& t, F&& f) {
    return std::visit(std::forward<F>(f), *t.impl()->data);
}

/// Calls f(a, b) with both float or both double arrays; DtypeError names the op when the
/// dtypes differ or are not floating point.
template <class F>
decltype(auto) visit2(const char* op, const Tensor& a, const Tensor& b, F&& f) {
    AnyArray& x = *a.impl()->data;
    AnyArray& y = *b.impl()->data;
    require<DtypeError>(x.index() == y.index(), "{}: operands have different dtypes; {} and {}",
                        op, dtype_name(dtype_of(x)), dtype_name(dtype_of(y)));
    if (x.index() == 0) {
        return f(std::get<0>(x), std::get<0>(y));
    }
    if (x.index() != 1) {
        throw_not_floating(op, a);
    }
    return f(std::get<1>(x), std::get<1>(y));
}

/// Throws a DtypeError naming `op` unless every defined tensor has the dtype of the first.
void require_same_dtype(const char* op, std::initializer_list<const Tensor*> tensors);

/// Throws a DtypeError naming `op` unless `t` is float32 or float64.
void require_floating(const char* op, const Tensor& t, const char* what = "input");

/// Throws a DtypeError naming `op` unless `t` is an int64 tensor of indices.
void require_int64(const char* op, const Tensor& t, const char* what = "index");

/// Throws std::invalid_argument naming `op` when `t` is undefined.
void require_defined(const char* op, const Tensor& t, const char* what = "input");

}  // namespace wengert::detail
