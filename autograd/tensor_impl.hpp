#pragma once
// Internal: what a Tensor handle points at, and the dtype dispatch every kernel uses.
// Included by .cpp files and by the xtensor interop header, never by tensor.hpp, so that
// code which only passes tensors around does not compile xtensor's templates.

#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include <xtensor/xarray.hpp>

#include "error.hpp"
#include "tensor.hpp"

namespace wengert::detail {

template <class T>
using Array = xt::xarray<T>;

/// Values of one tensor: a row-major xtensor array of one of the supported dtypes.
using AnyArray = std::variant<Array<float>, Array<double>>;

template <class T>
constexpr Dtype dtype_of() {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "wengert tensors hold float or double");
    return std::is_same_v<T, float> ? Dtype::float32 : Dtype::float64;
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
    return array.index() == 0 ? Dtype::float32 : Dtype::float64;
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

/// Calls f(array) with the tensor's xtensor array of its actual element type.
template <class F>
decltype(auto) visit(const Tensor& t, F&& f) {
    return std::visit(std::forward<F>(f), *t.impl()->data);
}

/// Calls f(a, b) with both arrays; the dtypes must agree, else DtypeError names the op.
template <class F>
decltype(auto) visit2(const char* op, const Tensor& a, const Tensor& b, F&& f) {
    AnyArray& x = *a.impl()->data;
    AnyArray& y = *b.impl()->data;
    require<DtypeError>(x.index() == y.index(), "{}: operands have different dtypes; {} and {}",
                        op, dtype_name(dtype_of(x)), dtype_name(dtype_of(y)));
    if (x.index() == 0) {
        return f(std::get<0>(x), std::get<0>(y));
    }
    return f(std::get<1>(x), std::get<1>(y));
}

/// Throws a DtypeError naming `op` unless every defined tensor has the dtype of the first.
void require_same_dtype(const char* op, std::initializer_list<const Tensor*> tensors);

/// Throws std::invalid_argument naming `op` when `t` is undefined.
void require_defined(const char* op, const Tensor& t, const char* what = "input");

}  // namespace wengert::detail
