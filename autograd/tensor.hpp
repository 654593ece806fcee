#pragma once
// Tensor: the user-facing differentiable handle.
//
// A Tensor is a cheap-to-copy handle (one shared pointer) on a TensorImpl that holds the
// values, the requires_grad flag, the accumulated gradient and the node of the tape that
// produced it. Copying a handle never copies values, as in PyTorch: t2 = t1 makes both
// names refer to one tensor. detach() makes a new tensor that shares the values but has no
// history. Arithmetic lives in ops/; this header only declares the handle, so that it stays
// cheap to include.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dtype.hpp"

namespace wengert {

using Shape = std::vector<std::size_t>;
/// A read-only view of a shape owned by a tensor; valid while the tensor lives.
using ShapeView = std::span<const std::size_t>;

namespace detail {
struct TensorImpl;
class Node;
}  // namespace detail

class Tensor {
public:
    /// An undefined tensor: the result of grad() before any backward, for example.
    Tensor() = default;
    explicit Tensor(std::shared_ptr<detail::TensorImpl> impl);

    bool defined() const noexcept { return impl_ != nullptr; }

    // Metadata.
    ShapeView shape() const;
    std::size_t dim() const;
    /// Size of one axis; negative axes count from the end.
    std::size_t size(std::int64_t axis) const;
    std::size_t numel() const;
    Dtype dtype() const;

    // Values.
    /// The single value of a one-element tensor, as double.
    double item() const;
    template <class T>
    T item() const {
        return static_cast<T>(item());
    }
    /// A copy of all values in row-major order, converted to double.
    std::vector<double> to_vector() const;
    /// Pointer to the contiguous row-major values; T must match dtype().
    template <class T>
    T* data_ptr();
    template <class T>
    const T* data_ptr() const;
    /// A copy with another dtype (the same tensor when the dtype already matches). Between
    /// float32 and float64 the conversion is differentiable; to int64 it truncates toward
    /// zero and carries no gradient.
    Tensor to(Dtype dtype) const;
    /// A copy of the values with its own storage and no history.
    Tensor clone() const;

    // Autograd.
    bool requires_grad() const;
    /// Marks a leaf as a parameter whose gradient backward() accumulates; returns *this.
    Tensor& requires_grad_(bool enabled = true);
    /// True for tensors not produced by a recorded op (user-created or detached).
    bool is_leaf() const;
    /// The gradient accumulated by backward(); undefined until the first backward.
    Tensor grad() const;
    /// Replaces the accumulated gradient (an undefined tensor clears it).
    void set_grad(const Tensor& grad);
    /// Fills the accumulated gradient with zeros in place, keeping its memory for the next
    /// backward; with set_to_none the gradient becomes undefined instead.
    void zero_grad(bool set_to_none = false);
    /// A tensor sharing these values with no history and requires_grad false.
    Tensor detach() const;
    /// The op that produced this tensor on the tape, or nullptr for a leaf.
    const detail::Node* grad_fn() const;

    /// Reverse-mode sweep from this tensor. A scalar needs no seed; any other shape needs
    /// `gradient` of the same shape. Gradients accumulate into .grad() of the leaves that
    /// require grad. The graph's saved values are freed unless retain_graph; create_graph
    /// records the backward pass itself so that it can be differentiated again.
    void backward(const Tensor& gradient = Tensor(), bool retain_graph = false,
                  bool create_graph = false) const;

    /// "tensor([[1, 2], [3, 4]], dtype=float32, grad_fn=<add>)".
    std::string to_string() const;

    /// True when both handles refer to one tensor.
    bool is_same(const Tensor& other) const noexcept { return impl_ == other.impl_; }

    const std::shared_ptr<detail::TensorImpl>& impl() const noexcept { return impl_; }

private:
    std::shared_ptr<detail::TensorImpl> impl_;
};

using TensorList = std::vector<Tensor>;

// Factories. Shapes are given as {2, 3}; a scalar has shape {}.

/// A tensor holding `values` (row-major) with `shape`; sizes must agree.
Tensor tensor(std::vector<double> values, Shape shape, Dtype dtype = default_dtype());
/// A 0-d tensor holding `value`.
Tensor scalar_tensor(double value, Dtype dtype = default_dtype());
Tensor zeros(Shape shape, Dtype dtype = default_dtype());
Tensor ones(Shape shape, Dtype dtype = default_dtype());
Tensor full(Shape shape, double value, Dtype dtype = default_dtype());
Tensor zeros_like(const Tensor& like);
Tensor ones_like(const Tensor& like);
Tensor full_like(const Tensor& like, double value);
/// Values start, start + step, ... below end (as torch.arange).
Tensor arange(double start, double end, double step = 1.0, Dtype dtype = default_dtype());
Tensor arange(double end, Dtype dtype = default_dtype());

/// A seedable source of random numbers; the same seed gives the same values on every run.
class Generator {
public:
    explicit Generator(std::uint64_t seed = 5489);
    void manual_seed(std::uint64_t seed);
    std::uint64_t seed() const noexcept { return seed_; }
    /// Uniform on [0, 1) with 53 random bits.
    double uniform();
    /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
    double normal();
    std::uint64_t next_u64();
    /// A uniform integer in [0, n).
    std::uint64_t below(std::uint64_t n);

    /// Complete state, so that checkpoints can resume a random stream exactly.
    std::vector<std::uint64_t> state() const;
    void set_state(const std::vector<std::uint64_t>& state);

private:
    std::uint64_t seed_;
    std::uint64_t s_[4];
    double spare_normal_ = 0.0;
    bool has_spare_ = false;
};

/// The process-wide generator used when none is passed.
Generator& default_generator();
/// Seeds the default generator.
void manual_seed(std::uint64_t seed);

/// Uniform on [low, high).
Tensor rand(Shape shape, Dtype dtype = default_dtype(), Generator* generator = nullptr);
Tensor uniform(Shape shape, double low, double high, Dtype dtype = default_dtype(),
               Generator* generator = nullptr);
/// Uniform integers in [low, high), as an int64 tensor.
Tensor randint(std::int64_t low, std::int64_t high, Shape shape, Generator* generator = nullptr);
/// A random permutation of 0 .. n-1, as an int64 tensor.
Tensor randperm(std::size_t n, Generator* generator = nullptr);
/// Normal with mean 0 and standard deviation 1.
Tensor randn(Shape shape, Dtype dtype = default_dtype(), Generator* generator = nullptr);
Tensor normal(Shape shape, double mean, double std, Dtype dtype = default_dtype(),
              Generator* generator = nullptr);

}  // namespace wengert
