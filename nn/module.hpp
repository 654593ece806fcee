#pragma once
// Module: the base of every layer and model, as torch::nn::Module.
//
//   class Mlp : public Module {
//   public:
//       Mlp() : Module("Mlp") {
//           fc1_ = register_module("fc1", std::make_shared<Linear>(784, 256));
//           fc2_ = register_module("fc2", std::make_shared<Linear>(256, 10));
//       }
//       Tensor forward(const Tensor& x) override { return (*fc2_)(relu((*fc1_)(x))); }
//   private:
//       std::shared_ptr<Linear> fc1_, fc2_;
//   };
//
// A module owns named parameters (tensors that require grad), named buffers (state such as
// running statistics, saved but not trained) and named submodules. Names nest with dots:
// "fc1.weight". Every enumeration of a module's tensors (parameters(), state_dict(), to(),
// zero_grad()) walks one function, so checkpoints, optimizers and dtype changes always agree
// on the set and the order: registration order, the module's own tensors before its
// children's, depth first (as PyTorch).

#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../autograd/tensor.hpp"

namespace wengert {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
/// Parameters and buffers by dotted name, in enumeration order.
using StateDict = NamedTensors;

class Module {
public:
    /// `name` is the type name shown in messages and to_string() ("Linear").
    explicit Module(std::string name = "Module");
    virtual ~Module() = default;
    // Copies would share parameters silently; moves keep every handle on the same tensors.
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    Module(Module&&) = default;
    Module& operator=(Module&&) = default;

    const std::string& name() const { return name_; }

    /// The computation of a single-input module. The base throws std::logic_error: modules
    /// that take other inputs declare their own call operator.
    virtual Tensor forward(const Tensor& input);
    Tensor operator()(const Tensor& input) { return forward(input); }

    // Registration. Names are non-empty, hold no '.', and are unique within the module among
    // parameters, buffers and submodules; std::invalid_argument otherwise.

    /// Registers a floating-point tensor as a parameter, sets requires_grad, and returns
    /// the same handle. DtypeError for int64, std::invalid_argument for an undefined tensor.
    Tensor register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
    /// Registers state that is saved and moved with the module but not trained.
    Tensor register_buffer(std::string name, Tensor tensor);
    /// Registers a submodule and returns it with its own type; std::invalid_argument for null.
    template <class M>
    requires std::derived_from<M, Module> std::shared_ptr<M> register_module(
        std::string name, std::shared_ptr<M> module) {
        add_child(std::move(name), module);
        return module;
    }

    // Enumeration (recursive unless recurse is false). A tensor registered twice (a shared
    // submodule) appears once in parameters() and buffers(), as in PyTorch.

    TensorList parameters(bool recurse = true) const;
    NamedTensors named_parameters(bool recurse = true) const;
    TensorList buffers(bool recurse = true) const;
    NamedTensors named_buffers(bool recurse = true) const;
    /// Direct submodules, in registration order.
    std::vector<std::shared_ptr<Module>> children() const;
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
        return children_;
    }
    /// Number of scalars in all parameters (each shared parameter counted once).
    std::size_t parameter_count() const;

    // Mode.

    /// Sets training mode on this module and every submodule; modules such as Dropout and
    /// BatchNorm read it.
    virtual void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }

    /// Zeroes every parameter's gradient (or undefines it with set_to_none).
    void zero_grad(bool set_to_none = false);

    // State.

    /// A copy of every parameter and buffer by dotted name, detached, with storage of its
    /// own: unlike PyTorch's state_dict(), it does not change when training continues, so it
    /// doubles as a snapshot to restore (lr_find, checkpoints).
    StateDict state_dict() const;
    /// Copies `state` into the parameters and buffers in place (so every handle held on them
    /// sees the new values). Everything is checked before anything is copied:
    /// std::invalid_argument lists missing and unexpected keys and names an undefined
    /// tensor, ShapeError names the key and both shapes, DtypeError the key and both dtypes.
    void load_state_dict(const StateDict& state);
    /// Converts every parameter and floating-point buffer to `dtype` in place (int64
    /// buffers such as num_batches_tracked stay); gradients are cleared. DtypeError for int64.
    void to(Dtype dtype);

    /// "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=true)\n)".
    std::string to_string() const;
    /// The text between the parentheses of to_string() for this module alone.
    virtual std::string extra_repr() const { return ""; }

private:
    enum class Kind { parameter, buffer };
    struct Entry {
        std::string name;
        Tensor tensor;
        Kind kind;
    };

    void add_child(std::string name, std::shared_ptr<Module> module);
    void check_new_name(const char* what, const std::string& name) const;
    /// The one walk over the tree: every entry with its dotted name, depth first.
    std::vector<Entry> entries(bool recurse) const;
    void collect(const std::string& prefix, bool recurse, std::vector<Entry>& out) const;
    NamedTensors named(Kind kind, bool recurse) const;

    std::string name_;
    std::vector<Entry> tensors_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    bool training_ = true;
};

/// Modules applied in order, each to the previous one's output; children are named "0",
/// "1", ... . An empty Sequential returns its input.
class Sequential : public Module {
public:
    Sequential() : Module("Sequential") {}
    /// Sequential(std::make_shared<Linear>(2, 3), ReLU(), ...): shared pointers are kept,
    /// module values are moved into new shared pointers.
    template <class... Ms>
    requires(sizeof...(Ms) > 1 || (!std::is_same_v<std::remove_cvref_t<Ms>, Sequential> &&
                                   ...)) explicit Sequential(Ms&&... modules)
        : Module("Sequential") {
        (push_back(std::forward<Ms>(modules)), ...);
    }

    template <class M>
    requires std::derived_from<M, Module>
    void push_back(std::shared_ptr<M> module) {
        register_module(std::to_string(size()), std::move(module));
    }
    template <class M>
    requires std::derived_from<std::remove_cvref_t<M>, Module> &&
        (!std::is_lvalue_reference_v<M>)void push_back(M&& module) {
        push_back(std::make_shared<std::remove_cvref_t<M>>(std::forward<M>(module)));
    }

    std::size_t size() const { return named_children().size(); }
    /// The i-th module; std::out_of_range naming i and size().
    std::shared_ptr<Module> operator[](std::size_t index) const;

    Tensor forward(const Tensor& input) override;
};

}  // namespace wengert
