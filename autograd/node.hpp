#pragma once
// Node: one recorded op on the tape, and record(), the call every op makes to add one.
//
// Note [Backward formulas are ops]
// A node's backward is a lambda written with the same differentiable ops as forward code.
// Without create_graph the engine runs it under NoGradGuard, so it records nothing and
// costs what plain array arithmetic costs; with create_graph it records the backward pass
// as a new graph, which is how Hessian-vector products and gradient penalties work.
//
// Note [Saved outputs]
// Some backward formulas want the op's own output (tanh, exp, softmax). A lambda that
// captured the output tensor would own it while the output owned the node: a cycle that
// leaks the graph. Instead, record(..., save_output = true) keeps the output's values in
// the node and hands backward a tensor rebuilt from them, whose grad_fn is the node itself.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "grad_mode.hpp"
#include "tensor_impl.hpp"

namespace wengert::detail {

/// What a backward lambda receives.
struct BackwardCall {
    /// Gradient of the loss with respect to the op's output (same shape as the output).
    const Tensor& grad_output;
    /// The op's output when it was recorded with save_output, else undefined.
    const Tensor& output;
    /// Which inputs need a gradient; backward may leave the others undefined.
    const std::vector<bool>& needs_grad;
};

class Node : public std::enable_shared_from_this<Node> {
public:
    Node(const char* name, std::vector<std::shared_ptr<Node>> next);
    /// A node whose edges lead to the gradient edges of `inputs` (null where an input is
    /// undefined or needs no gradient).
    Node(const char* name, const TensorList& inputs);
    virtual ~Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    /// The op's name, as shown in grad_fn=<name> and in error messages.
    const char* name() const noexcept { return name_; }
    /// One entry per input: the node that receives that input's gradient, or null when
    /// the input needs none. A backward without retain_graph sets every entry of the nodes
    /// it ran to null (Note [Unlinking a used graph] in engine.cpp).
    std::span<const std::shared_ptr<Node>> next() const noexcept { return {edges_, edge_count_}; }
    /// Order of creation; later nodes depend only on earlier ones.
    std::uint64_t sequence_nr() const noexcept { return sequence_nr_; }

    /// Where the engine's current sweep keeps this node's gradient (Note [Engine order] in
    /// engine.cpp): valid only while `sweep` holds that sweep's id.
    struct SweepMark {
        std::uint64_t sweep = 0;
        std::size_t slot = 0;
    };
    SweepMark& sweep_mark() noexcept { return mark_; }

    /// Gradients of the inputs (undefined where an input needs none).
    virtual TensorList apply(const Tensor& grad_output) = 0;
    /// Frees what backward saved; a later apply() throws std::logic_error.
    virtual void release() noexcept {}
    /// True for the node that accumulates into a leaf's .grad().
    virtual bool is_accumulator() const noexcept { return false; }

protected:
    /// One flag per input: true where next()[i] is not null. Shared tables serve nodes of up
    /// to kSharedPatternInputs inputs, so that backward allocates nothing for them.
    const std::vector<bool>& needs_grad() const;

private:
    static constexpr std::size_t kSharedPatternInputs = 4;
    // Edges of nodes with up to this many inputs live inside the node: one allocation less
    // per recorded op.
    static constexpr std::size_t kInlineEdges = 2;

    std::shared_ptr<Node>* allocate_edges(std::size_t count);

    const char* name_;
    std::shared_ptr<Node> inline_edges_[kInlineEdges];
    std::unique_ptr<std::shared_ptr<Node>[]> heap_edges_;
    std::shared_ptr<Node>* edges_ = inline_edges_;
    std::size_t edge_count_ = 0;
    std::uint64_t sequence_nr_;
    SweepMark mark_;
    mutable std::vector<bool> needs_;  // only for nodes with more inputs than the tables
};

/// Routes gradients into the .grad() of one leaf.
class AccumulateGrad final : public Node {
public:
    explicit AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf);
    TensorList apply(const Tensor& grad_output) override;
    bool is_accumulator() const noexcept override { return true; }
    /// Adds `grad` to the leaf's .grad() (in place when possible, else out of place so that
    /// create_graph keeps the sum differentiable).
    void accumulate(const Tensor& grad, bool create_graph);
    std::shared_ptr<TensorImpl> leaf() const { return leaf_.lock(); }

private:
    std::weak_ptr<TensorImpl> leaf_;
};

/// The node that receives the gradient of `t`: its grad_fn, or its leaf accumulator
/// (created on first use). Null when t does not require grad.
std::shared_ptr<Node> gradient_edge(const Tensor& t);

/// A node whose backward is the lambda `Fn(const BackwardCall&) -> TensorList`.
template <class Fn>
class FunctionNode final : public Node {
public:
    FunctionNode(const char* name, const TensorList& inputs, Fn fn,
                 std::shared_ptr<AnyArray> saved_output)
        : Node(name, inputs), fn_(std::move(fn)),
          saved_output_(std::move(saved_output)) {}

    TensorList apply(const Tensor& grad_output) override;

    void release() noexcept override {
        fn_.reset();
        saved_output_.reset();
    }

private:
    std::optional<Fn> fn_;
    std::shared_ptr<AnyArray> saved_output_;
};

[[noreturn]] void throw_released(const char* name);
Tensor rebuild_output(const std::shared_ptr<AnyArray>& data, std::shared_ptr<Node> node);

template <class Fn>
TensorList FunctionNode<Fn>::apply(const Tensor& grad_output) {
    if (!fn_) {
        throw_released(name());
    }
    Tensor output;
    if (saved_output_) {
        output = rebuild_output(saved_output_, shared_from_this());
    }
    return (*fn_)(BackwardCall{grad_output, output, needs_grad()});
}

/// True when an op with these inputs must be recorded: grad mode is on and some input
/// requires grad.
inline bool should_record(std::initializer_list<const Tensor*> inputs) {
    if (!is_grad_enabled()) {
        return false;
    }
    for (const Tensor* input : inputs) {
        if (input->defined() && input->requires_grad()) {
            return true;
        }
    }
    return false;
}
bool should_record(const TensorList& inputs);

Tensor attach_node(Tensor output, std::shared_ptr<Node> node);

/// Wraps `output` (values of the op named `name`) as a tensor and, when grad mode is on and
/// an input requires grad, records a node whose backward is `backward`. The lambda should
/// capture by value only the tensors it reads.
template <class Fn>
Tensor record_values(const char* name, AnyArray&& output, const TensorList& inputs,
                     Fn&& backward, bool save_output);

template <class Fn>
Tensor record(const char* name, AnyArray output, const TensorList& inputs, Fn&& backward,
              bool save_output = false) {
    return record_values(name, std::move(output), inputs, std::forward<Fn>(backward), save_output);
}

/// record() for values already in their shared home: kernels that build their output there
/// (ops/kernel.hpp, Note [Elementwise kernels]) never move it. Moving an xtensor array
/// copies three small vectors, which a 1-element op feels.
template <class Fn>
Tensor record_values(const char* name, std::shared_ptr<AnyArray> data, const TensorList& inputs,
                     Fn&& backward, bool save_output) {
    auto impl = std::make_shared<TensorImpl>();
    impl->data = std::move(data);
    if (!should_record(inputs)) {
        return Tensor(std::move(impl));
    }
    auto saved = save_output ? impl->data : nullptr;
    impl->grad_fn = std::make_shared<FunctionNode<std::decay_t<Fn>>>(
        name, inputs, std::forward<Fn>(backward), std::move(saved));
    impl->requires_grad = true;
    return Tensor(std::move(impl));
}

template <class Fn>
Tensor record_values(const char* name, AnyArray&& output, const TensorList& inputs,
                     Fn&& backward, bool save_output) {
    return record_values(name, std::make_shared<AnyArray>(std::move(output)), inputs,
                         std::forward<Fn>(backward), save_output);
}

}  // namespace wengert::detail
