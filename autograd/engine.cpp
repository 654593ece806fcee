#include "engine.hpp"

#include <algorithm>
#include <unordered_map>

#include "node.hpp"

namespace wengert {

namespace detail {

namespace {

std::atomic<std::uint64_t> next_sequence_nr{0};
std::atomic<std::uint64_t> next_sweep_id{1};

// Sum of two gradients of one shape. It is differentiable (its backward passes the gradient
// to both terms), so that create_graph can differentiate a graph in which a tensor was used
// twice. The engine is the only caller: ops sum their own broadcast gradients.
Tensor add_gradients(const Tensor& a, const Tensor& b) {
    AnyArray sum = visit2("backward", a, b, [](const auto& x, const auto& y) -> AnyArray {
        using T = typename std::decay_t<decltype(x)>::value_type;
        return Array<T>(x + y);
    });
    return record("add_gradients", std::move(sum), {a, b},
                  [](const BackwardCall& call) -> TensorList {
                      return {call.grad_output, call.grad_output};
                  });
}

// In place: `into` += `grad`. Only for gradients without history.
void add_into(Tensor& into, const Tensor& grad) {
    visit2("backward", into, grad, [](auto& x, const auto& y) { x += y; });
}

}  // namespace

Node::Node(const char* name, std::vector<std::shared_ptr<Node>> next)
    : name_(name), sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {
    std::shared_ptr<Node>* edges = allocate_edges(next.size());
    std::ranges::move(next, edges);
}

Node::Node(const char* name, const TensorList& inputs)
    : name_(name), sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {
    std::shared_ptr<Node>* edges = allocate_edges(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].defined()) {
            edges[i] = gradient_edge(inputs[i]);
        }
    }
}

std::shared_ptr<Node>* Node::allocate_edges(std::size_t count) {
    if (count > kInlineEdges) {
        heap_edges_ = std::make_unique<std::shared_ptr<Node>[]>(count);
        edges_ = heap_edges_.get();
    }
    edge_count_ = count;
    return edges_;
}

namespace {

// Every needs_grad pattern of nodes with up to `inputs` inputs, indexed by input count and
// then by the bit mask of the inputs that need a gradient.
std::vector<std::vector<std::vector<bool>>> make_patterns(std::size_t inputs) {
    std::vector<std::vector<std::vector<bool>>> patterns(inputs + 1);
    for (std::size_t n = 0; n <= inputs; ++n) {
        for (std::size_t mask = 0; mask < (std::size_t{1} << n); ++mask) {
            std::vector<bool> needs(n);
            for (std::size_t i = 0; i < n; ++i) {
                needs[i] = (mask >> i & 1) != 0;
            }
            patterns[n].push_back(std::move(needs));
        }
    }
    return patterns;
}

}  // namespace

const std::vector<bool>& Node::needs_grad() const {
    const std::size_t n = edge_count_;
    if (n <= kSharedPatternInputs) {
        static const auto patterns = make_patterns(kSharedPatternInputs);
        std::size_t mask = 0;
        for (std::size_t i = 0; i < n; ++i) {
            mask |= static_cast<std::size_t>(edges_[i] != nullptr) << i;
        }
        return patterns[n][mask];
    }
    needs_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        needs_[i] = edges_[i] != nullptr;
    }
    return needs_;
}

AccumulateGrad::AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf)
    : Node("accumulate_grad", TensorList{}), leaf_(leaf) {}

TensorList AccumulateGrad::apply(const Tensor&) {
    return {};
}

void AccumulateGrad::accumulate(const Tensor& grad, bool create_graph) {
    std::shared_ptr<TensorImpl> leaf = leaf_.lock();
    if (!leaf) {
        return;  // The leaf is gone, so nobody can read its gradient.
    }
    const Tensor leaf_handle(leaf);
    // Tested before formatting: shape_string would otherwise run on every accumulation.
    if (!std::ranges::equal(grad.shape(), leaf_handle.shape())) [[unlikely]] {
        throw ShapeError(
            fmt::format("backward: gradient of shape {} does not match its leaf of "
                        "shape {}",
                        shape_string(grad.shape()), shape_string(leaf_handle.shape())));
    }
    Tensor& stored = leaf->grad;
    if (!stored.defined()) {
        // Copied unless create_graph or nobody else can see it: the engine may hand one
        // gradient tensor to several inputs (add passes its gradient through), the seed of
        // backward may be the user's, and a later in-place accumulation into one leaf's
        // gradient must not change another tensor. A gradient held only by the engine's
        // buffer (the caller's local is its one handle) and owning its values is taken as
        // it is, which saves a copy of every parameter's gradient per step.
        const detail::TensorImpl& incoming = *grad.impl();
        const bool unshared = grad.impl().use_count() == 1 && incoming.data.use_count() == 1 &&
                              !incoming.grad_fn && !incoming.requires_grad;
        stored = create_graph || unshared ? grad : grad.clone();
    } else if (create_graph || stored.requires_grad()) {
        stored = add_gradients(stored, grad);
    } else {
        add_into(stored, grad);
    }
}

std::shared_ptr<Node> gradient_edge(const Tensor& t) {
    TensorImpl& impl = *t.impl();
    if (impl.grad_fn) {
        return impl.grad_fn;
    }
    if (!impl.requires_grad) {
        return nullptr;
    }
    if (auto existing = impl.grad_accumulator.lock()) {
        return existing;
    }
    auto accumulator = std::make_shared<AccumulateGrad>(t.impl());
    impl.grad_accumulator = accumulator;
    return accumulator;
}

bool should_record(const TensorList& inputs) {
    if (!is_grad_enabled()) {
        return false;
    }
    return std::ranges::any_of(inputs,
                               [](const Tensor& t) { return t.defined() && t.requires_grad(); });
}

Tensor attach_node(Tensor output, std::shared_ptr<Node> node) {
    output.impl()->grad_fn = std::move(node);
    output.impl()->requires_grad = true;
    return output;
}

[[noreturn]] void throw_released(const char* name) {
    throw std::logic_error(fmt::format(
        "backward: the saved values of '{}' were already freed by an earlier backward; pass "
        "retain_graph=true to the first backward (or grad) to run backward through this graph "
        "twice",
        name));
}

Tensor rebuild_output(const std::shared_ptr<AnyArray>& data, std::shared_ptr<Node> node) {
    auto impl = std::make_shared<TensorImpl>();
    impl->data = data;
    impl->grad_fn = std::move(node);
    impl->requires_grad = true;
    return Tensor(std::move(impl));
}

namespace {

// Note [Engine order]
// The sweep needs each node's gradient complete before the node runs. A depth-first
// post-order from the roots lists every node after all nodes it depends on; reversed, it
// lists each node after all of its consumers. The search keeps its own stack, so a chain of
// any depth runs in constant native stack.
//
// The sweep's bookkeeping lives in the nodes (Node::SweepMark: the sweep's id and the node's
// slot in `order`), not in hash maps: a map costs an allocation and a hash per node, more
// than the arithmetic of a small op. A sweep started from inside a backward formula (a
// grad() call within an op's backward) overwrites the marks of nodes both sweeps share;
// slot() notices that and falls back to a map built from `order`.
//
// The sweep's vectors are kept per thread between sweeps (Scratch): freeing blocks of this
// size makes malloc consolidate its free lists, which after a large graph is a pass over
// every small block the graph just released.
struct Scratch {
    std::vector<Node*> order;
    std::vector<std::pair<Node*, std::size_t>> stack;
    std::vector<Tensor> buffers;
    bool busy = false;
};

thread_local Scratch thread_scratch;

// The thread's scratch, or a fresh one for a sweep started inside another sweep.
class ScratchLease {
public:
    ScratchLease() : scratch_(thread_scratch.busy ? local_ : thread_scratch) {
        scratch_.busy = true;
    }
    ~ScratchLease() {
        // A graph of more than a million nodes gives its memory back rather than keep it.
        constexpr std::size_t kKeep = std::size_t{1} << 20;
        scratch_.buffers.clear();
        scratch_.order.clear();
        scratch_.stack.clear();
        if (scratch_.order.capacity() > kKeep) {
            scratch_.order.shrink_to_fit();
            scratch_.buffers.shrink_to_fit();
        }
        scratch_.busy = false;
    }
    ScratchLease(const ScratchLease&) = delete;
    ScratchLease& operator=(const ScratchLease&) = delete;
    Scratch& get() noexcept { return scratch_; }

private:
    Scratch local_;
    Scratch& scratch_;
};

class Sweep {
public:
    Sweep(const std::vector<Node*>& roots, Scratch& scratch)
        : id_(next_sweep_id.fetch_add(1, std::memory_order_relaxed)), order_(scratch.order) {
        auto& stack = scratch.stack;
        for (Node* root : roots) {
            if (!visit(root)) {
                continue;
            }
            stack.emplace_back(root, 0);
            while (!stack.empty()) {
                auto& [node, child] = stack.back();
                if (child < node->next().size()) {
                    Node* next = node->next()[child++].get();
                    if (next != nullptr && visit(next)) {
                        stack.emplace_back(next, 0);
                    }
                    continue;
                }
                order_.push_back(node);
                stack.pop_back();
            }
        }
        std::ranges::reverse(order_);
        for (std::size_t i = 0; i < order_.size(); ++i) {
            order_[i]->sweep_mark().slot = i;
        }
    }

    /// Reverse topological order: roots first.
    const std::vector<Node*>& order() const noexcept { return order_; }

    /// True when `node` is part of this sweep.
    bool contains(Node* node) {
        if (marked(node)) {
            return true;
        }
        return overwritten() && fallback().contains(node);
    }

    /// Position of `node` (which must be part of this sweep) in order().
    std::size_t slot(Node* node) {
        return marked(node) ? node->sweep_mark().slot : fallback().at(node);
    }

private:
    // True when the node's mark is this sweep's and still points at the node.
    bool marked(Node* node) const {
        const Node::SweepMark& mark = node->sweep_mark();
        return mark.sweep == id_ && mark.slot < order_.size() && order_[mark.slot] == node;
    }

    // True when another sweep started after this one (and may have re-marked shared nodes).
    bool overwritten() const { return next_sweep_id.load(std::memory_order_relaxed) != id_ + 1; }

    // Marks `node` as seen; false when it already was.
    bool visit(Node* node) {
        Node::SweepMark& mark = node->sweep_mark();
        if (mark.sweep == id_) {
            return false;
        }
        mark.sweep = id_;
        return true;
    }

    const std::unordered_map<Node*, std::size_t>& fallback() {
        if (index_.empty() && !order_.empty()) {
            for (std::size_t i = 0; i < order_.size(); ++i) {
                index_.emplace(order_[i], i);
            }
        }
        return index_;
    }

    std::uint64_t id_;
    std::vector<Node*>& order_;
    std::unordered_map<Node*, std::size_t> index_;  // built only when marks were overwritten
};

Tensor seed_for(const Tensor& output, const TensorList& grad_outputs, std::size_t i,
                const char* caller) {
    if (!grad_outputs.empty() && grad_outputs[i].defined()) {
        const Tensor& seed = grad_outputs[i];
        if (!std::ranges::equal(seed.shape(), output.shape())) [[unlikely]] {
            throw ShapeError(fmt::format(
                "{}: seed gradient {} has shape {} but output {} has "
                "shape {}",
                caller, i, shape_string(seed.shape()), i, shape_string(output.shape())));
        }
        require<DtypeError>(seed.dtype() == output.dtype(),
                            "{}: seed gradient {} is {} but output {} is {}", caller, i,
                            dtype_name(seed.dtype()), i, dtype_name(output.dtype()));
        return seed;
    }
    if (output.numel() != 1) [[unlikely]] {
        throw std::invalid_argument(fmt::format(
            "{}: output {} has shape {}; a seed gradient is needed for non-scalar outputs (pass "
            "grad_outputs, or reduce the output to a scalar first)",
            caller, i, shape_string(output.shape())));
    }
    return ones_like(output);
}

struct Target {
    Node* node;
    std::size_t input;
};

// The one sweep behind backward() and grad(). With `targets` empty it accumulates into
// leaves; otherwise it only runs nodes from which a target can be reached and returns the
// gradient arriving at each target.
TensorList run_backward(const TensorList& outputs, const TensorList& grad_outputs,
                        const std::vector<Target>& targets, std::size_t n_inputs, bool retain_graph,
                        bool create_graph, const char* caller) {
    require(!outputs.empty(), "{}: no outputs were given", caller);
    require(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
            "{}: got {} grad_outputs for {} outputs", caller, grad_outputs.size(), outputs.size());

    std::vector<Node*> roots;
    std::vector<std::shared_ptr<Node>> root_owners;  // keeps roots alive during the sweep
    std::vector<std::pair<Node*, Tensor>> seeds;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const Tensor& output = outputs[i];
        require_defined(caller, output, "output");
        require<std::logic_error>(output.requires_grad(),
                                  "{}: output {} does not require grad and has no grad_fn; make "
                                  "sure a parameter has requires_grad_() and that the output was "
                                  "not computed under NoGradGuard",
                                  caller, i);
        std::shared_ptr<Node> root = gradient_edge(output);
        seeds.emplace_back(root.get(), seed_for(output, grad_outputs, i, caller));
        roots.push_back(root.get());
        root_owners.push_back(std::move(root));
    }

    ScratchLease lease;
    Sweep sweep(roots, lease.get());
    const std::vector<Node*>& order = sweep.order();
    const std::size_t n = order.size();
    std::vector<Tensor>& buffers = lease.get().buffers;
    buffers.resize(n);
    const bool accumulate_into_leaves = targets.empty();

    // Without create_graph, backward formulas run as plain arithmetic (Note [Backward
    // formulas are ops] in node.hpp).
    GradModeGuard grad_mode(create_graph);

    auto deposit = [&](std::size_t slot, const Tensor& grad) {
        buffers[slot] = buffers[slot].defined() ? add_gradients(buffers[slot], grad) : grad;
    };
    for (auto& [node, seed] : seeds) {
        deposit(sweep.slot(node), seed);
    }

    // In grad() a node runs only if some target is reachable from it.
    std::vector<char> needed;
    std::vector<char> is_target;
    if (!accumulate_into_leaves) {
        needed.assign(n, 0);
        is_target.assign(n, 0);
        for (const Target& target : targets) {
            if (sweep.contains(target.node)) {
                const std::size_t slot = sweep.slot(target.node);
                needed[slot] = 1;
                is_target[slot] = 1;
            }
        }
        for (std::size_t i = n; i-- > 0;) {  // consumers before producers, reversed
            for (const auto& next : order[i]->next()) {
                if (next && needed[sweep.slot(next.get())]) {
                    needed[i] = 1;
                    break;
                }
            }
        }
    }

    TensorList results(n_inputs);
    // Declared before the loop and after `lease`, so that it is destroyed first, while the
    // sweep's order (raw pointers) is no longer read.
    std::vector<std::shared_ptr<Node>> unlinked;
    for (std::size_t i = 0; i < n; ++i) {
        Node* node = order[i];
        Tensor grad = std::move(buffers[i]);
        if (!grad.defined() || (!accumulate_into_leaves && !needed[i])) {
            continue;  // not run, so its saved values stay, as in PyTorch
        }
        if (!accumulate_into_leaves && is_target[i]) {
            for (const Target& target : targets) {
                if (target.node == node) {
                    results[target.input] = grad;
                }
            }
        }
        if (node->is_accumulator()) {
            if (accumulate_into_leaves) {
                static_cast<AccumulateGrad*>(node)->accumulate(grad, create_graph);
            }
            continue;
        }
        TensorList input_grads = node->apply(grad);
        grad = Tensor();
        if (!retain_graph) {
            node->release();  // frees saved values as soon as they are used
        }
        const auto next = node->next();
        if (input_grads.size() != next.size()) {
            internal_error(caller,
                           fmt::format("backward of '{}' returned {} gradients for {} inputs",
                                       node->name(), input_grads.size(), next.size()));
        }
        for (std::size_t k = 0; k < next.size(); ++k) {
            if (next[k] && input_grads[k].defined()) {
                const std::size_t slot = sweep.slot(next[k].get());
                if (accumulate_into_leaves || needed[slot]) {
                    deposit(slot, input_grads[k]);
                }
            }
        }
        if (!retain_graph) {
            // Note [Unlinking a used graph]: a node that ran without retain_graph cannot run
            // again, so its edges move into `unlinked`. The graph then dies one node at a
            // time when the sweep ends, instead of by one destructor calling the next down a
            // chain as long as the graph (which overflows the stack for deep chains under
            // sanitizers). A later backward through it still reports the freed values.
            for (const std::shared_ptr<Node>& edge : next) {
                if (edge) {
                    unlinked.push_back(std::move(const_cast<std::shared_ptr<Node>&>(edge)));
                }
            }
        }
    }
    return results;
}

}  // namespace
}  // namespace detail

void backward(const TensorList& outputs, const TensorList& grad_outputs, bool retain_graph,
              bool create_graph) {
    detail::run_backward(outputs, grad_outputs, {}, 0, retain_graph || create_graph, create_graph,
                         "backward");
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs,
                bool retain_graph, bool create_graph, bool allow_unused) {
    std::vector<detail::Target> targets;
    std::vector<std::shared_ptr<detail::Node>> target_owners;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        detail::require_defined("grad", inputs[i], "input");
        detail::require<std::logic_error>(inputs[i].requires_grad(),
                                          "grad: input {} (shape {}) does not require grad", i,
                                          shape_string(inputs[i].shape()));
        auto edge = detail::gradient_edge(inputs[i]);
        targets.push_back({edge.get(), i});
        target_owners.push_back(std::move(edge));
    }
    detail::require(!inputs.empty(), "grad: no inputs were given");
    TensorList results = detail::run_backward(outputs, grad_outputs, targets, inputs.size(),
                                              retain_graph || create_graph, create_graph, "grad");
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        detail::require<std::logic_error>(
            allow_unused || results[i].defined(),
            "grad: input {} (shape {}) was not used to compute the outputs; pass allow_unused "
            "to get an undefined gradient for it",
            i, shape_string(inputs[i].shape()));
    }
    return results;
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const GradOptions& options) {
    return grad(outputs, inputs, options.grad_outputs, options.retain_graph, options.create_graph,
                options.allow_unused);
}

}  // namespace wengert
