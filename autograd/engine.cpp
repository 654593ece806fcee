#include "engine.hpp"

#include <algorithm>
#include <unordered_map>

#include "node.hpp"

namespace wengert {

namespace detail {

namespace {

std::atomic<std::uint64_t> next_sequence_nr{0};

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
    : name_(name), next_(std::move(next)), sequence_nr_(next_sequence_nr++) {}

std::vector<bool> Node::needs_grad() const {
    std::vector<bool> needs(next_.size());
    for (std::size_t i = 0; i < next_.size(); ++i) {
        needs[i] = next_[i] != nullptr;
    }
    return needs;
}

AccumulateGrad::AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf)
    : Node("accumulate_grad", {}), leaf_(leaf) {}

TensorList AccumulateGrad::apply(const Tensor&) {
    return {};
}

void AccumulateGrad::accumulate(const Tensor& grad, bool create_graph) {
    std::shared_ptr<TensorImpl> leaf = leaf_.lock();
    if (!leaf) {
        return;  // The leaf is gone, so nobody can read its gradient.
    }
    const Tensor leaf_handle(leaf);
    require<ShapeError>(std::ranges::equal(grad.shape(), leaf_handle.shape()),
                        "backward: gradient of shape {} does not match its leaf of shape {}",
                        shape_string(grad.shape()), shape_string(leaf_handle.shape()));
    Tensor& stored = leaf->grad;
    if (!stored.defined()) {
        // Copied unless create_graph: the engine may hand one gradient tensor to several
        // inputs (add passes its gradient through), and a later in-place accumulation into
        // one leaf's gradient must not change another's.
        stored = create_graph ? grad : grad.clone();
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
    return std::ranges::any_of(inputs, [](const Tensor& t) { return t.defined() && t.requires_grad(); });
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
struct Sweep {
    std::vector<Node*> order;                       // reverse topological: roots first
    std::unordered_map<Node*, std::size_t> index;  // node -> position in `order`
};

Sweep topological_order(const std::vector<Node*>& roots) {
    Sweep sweep;
    std::vector<Node*> post_order;
    std::unordered_map<Node*, bool> seen;
    std::vector<std::pair<Node*, std::size_t>> stack;
    for (Node* root : roots) {
        if (!seen.emplace(root, true).second) {
            continue;
        }
        stack.emplace_back(root, 0);
        while (!stack.empty()) {
            auto& [node, child] = stack.back();
            if (child < node->next().size()) {
                Node* next = node->next()[child++].get();
                if (next != nullptr && seen.emplace(next, true).second) {
                    stack.emplace_back(next, 0);
                }
                continue;
            }
            post_order.push_back(node);
            stack.pop_back();
        }
    }
    sweep.order.assign(post_order.rbegin(), post_order.rend());
    sweep.index.reserve(sweep.order.size());
    for (std::size_t i = 0; i < sweep.order.size(); ++i) {
        sweep.index.emplace(sweep.order[i], i);
    }
    return sweep;
}

Tensor seed_for(const Tensor& output, const TensorList& grad_outputs, std::size_t i,
                const char* caller) {
    if (!grad_outputs.empty() && grad_outputs[i].defined()) {
        const Tensor& seed = grad_outputs[i];
        require<ShapeError>(std::ranges::equal(seed.shape(), output.shape()),
                            "{}: seed gradient {} has shape {} but output {} has shape {}", caller,
                            i, shape_string(seed.shape()), i, shape_string(output.shape()));
        require<DtypeError>(seed.dtype() == output.dtype(),
                            "{}: seed gradient {} is {} but output {} is {}", caller, i,
                            dtype_name(seed.dtype()), i, dtype_name(output.dtype()));
        return seed;
    }
    require(output.numel() == 1,
            "{}: output {} has shape {}; a seed gradient is needed for non-scalar outputs "
            "(pass grad_outputs, or reduce the output to a scalar first)",
            caller, i, shape_string(output.shape()));
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
                        const std::vector<Target>& targets, std::size_t n_inputs,
                        bool retain_graph, bool create_graph, const char* caller) {
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

    Sweep sweep = topological_order(roots);
    const std::size_t n = sweep.order.size();
    std::vector<Tensor> buffers(n);
    const bool accumulate_into_leaves = targets.empty();

    // Without create_graph, backward formulas run as plain arithmetic (Note [Backward
    // formulas are ops] in node.hpp).
    GradModeGuard grad_mode(create_graph);

    auto deposit = [&](std::size_t slot, const Tensor& grad) {
        buffers[slot] = buffers[slot].defined() ? add_gradients(buffers[slot], grad) : grad;
    };
    for (auto& [node, seed] : seeds) {
        deposit(sweep.index.at(node), seed);
    }

    // In grad() mode a node runs only if some target is reachable from it.
    std::vector<bool> needed(n, accumulate_into_leaves);
    std::vector<int> target_of(n, -1);
    for (std::size_t t = 0; t < targets.size(); ++t) {
        auto found = sweep.index.find(targets[t].node);
        if (found != sweep.index.end()) {
            needed[found->second] = true;
            target_of[found->second] = static_cast<int>(t);
        }
    }
    if (!accumulate_into_leaves) {
        for (std::size_t i = n; i-- > 0;) {  // consumers before producers, reversed
            for (const auto& next : sweep.order[i]->next()) {
                if (next && needed[sweep.index.at(next.get())]) {
                    needed[i] = true;
                    break;
                }
            }
        }
    }

    TensorList results(n_inputs);
    for (std::size_t i = 0; i < n; ++i) {
        Node* node = sweep.order[i];
        Tensor grad = std::move(buffers[i]);
        if (!grad.defined() || !needed[i]) {
            continue;  // not run, so its saved values stay, as in PyTorch
        }
        if (target_of[i] >= 0) {
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
        const auto& next = node->next();
        if (input_grads.size() != next.size()) {
            internal_error(caller, fmt::format("backward of '{}' returned {} gradients for {} inputs",
                                               node->name(), input_grads.size(), next.size()));
        }
        for (std::size_t k = 0; k < next.size(); ++k) {
            if (next[k] && input_grads[k].defined()) {
                const std::size_t slot = sweep.index.at(next[k].get());
                if (needed[slot]) {
                    deposit(slot, input_grads[k]);
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

TensorList grad(const TensorList& outputs, const TensorList& inputs,
                const TensorList& grad_outputs, bool retain_graph, bool create_graph,
                bool allow_unused) {
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
