#pragma once
// Optimizer: the shared base of every optimizer, with parameter groups and per-parameter state.
//
// Note [optimizer layout]: an optimizer holds parameter groups, each a list of leaf tensors
// with its own options (lr, weight decay, betas...). step() walks every parameter that has a
// gradient and calls the one virtual method an optimizer defines, update(), under NoGradGuard.
// update() changes the parameter's values in place through data_ptr<T>() and keeps its
// running averages in ParamState buffers, which are created (sized like the parameter) the
// first time they are needed; later steps allocate nothing. State is kept per parameter in
// the order of the groups, so state_dict() is a plain structure indexed by parameter that can
// be copied, saved by a checkpoint, or averaged across processes.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../autograd/tensor.hpp"

namespace wengert::optim {

/// A named hyper-parameter of an options struct: a number or a flag (exactly one is set).
struct OptionField {
    OptionField(std::string_view field_name, double* value) : name(field_name), number(value) {}
    OptionField(std::string_view field_name, bool* value) : name(field_name), flag(value) {}
    std::string_view name;
    double* number = nullptr;
    bool* flag = nullptr;
};

/// The options of one parameter group. Each optimizer derives its own struct with PyTorch's
/// names and defaults and chained setters: `SGDOptions(0.1).momentum(0.9).nesterov(true)`.
/// Fields are reachable by name (get/set), which is how schedulers change "lr", "momentum"
/// or "beta1" of any optimizer, and how state_dict() saves them.
class OptimizerOptions {
public:
    virtual ~OptimizerOptions() = default;
    virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
    /// The name of the optimizer these options belong to ("SGD", "Adam"...).
    virtual std::string_view optimizer_name() const = 0;
    /// Every hyper-parameter by its PyTorch name; betas appear as "beta1" and "beta2".
    virtual std::vector<OptionField> fields() = 0;
    /// Throws std::invalid_argument naming the first bad value, e.g.
    /// "Adam: invalid beta parameter at index 0; beta1 is 1.5 (expected 0 <= beta1 < 1)".
    virtual void validate() const = 0;

    bool has(std::string_view name) const;
    /// The value of a field (flags as 0 or 1); std::out_of_range names an unknown field.
    double get(std::string_view name) const;
    /// Sets a field (flags take value != 0); std::out_of_range names an unknown field.
    void set(std::string_view name, double value);
    /// All fields as name -> value (flags as 0 or 1).
    std::map<std::string, double> to_map() const;
    /// Sets every field named in `values`; unknown names throw std::out_of_range.
    void from_map(const std::map<std::string, double>& values);
};

/// Declares a hyper-parameter `name` of type Type with a chained setter and a getter:
/// `auto& momentum(double v)` returns the options struct, `double momentum() const` reads.
#define WENGERT_OPTION(Type, name) \
public:                            \
    auto& name(Type value) {       \
        name##_ = value;           \
        return *this;              \
    }                              \
    Type name() const {            \
        return name##_;            \
    }                              \
                                   \
private:                           \
    Type name##_

/// Declares the chained setter `betas({beta1, beta2})` and the getter `betas()` of an
/// Adam-like options class whose beta1 and beta2 are WENGERT_OPTIONs: betas are set
/// together, as PyTorch's tuple, and read one at a time or as a pair.
#define WENGERT_BETAS_OPTION                   \
public:                                        \
    auto& betas(std::array<double, 2> betas) { \
        beta1_ = betas[0];                     \
        beta2_ = betas[1];                     \
        return *this;                          \
    }                                          \
    std::array<double, 2> betas() const {      \
        return {beta1_, beta2_};               \
    }

/// Parameters optimized with one set of options.
struct ParamGroup {
    /// A group that takes the optimizer's default options.
    explicit ParamGroup(TensorList group_params);
    /// A group with options of its own (of the optimizer's options type).
    ParamGroup(TensorList group_params, std::unique_ptr<OptimizerOptions> group_options);
    template <std::derived_from<OptimizerOptions> Options>
    ParamGroup(TensorList group_params, const Options& group_options)
        : ParamGroup(std::move(group_params), group_options.clone()) {}

    ParamGroup(const ParamGroup& other);
    ParamGroup& operator=(const ParamGroup& other);
    ParamGroup(ParamGroup&&) noexcept = default;
    ParamGroup& operator=(ParamGroup&&) noexcept = default;
    ~ParamGroup() = default;

    TensorList params;
    /// Never null once the group belongs to an optimizer.
    std::unique_ptr<OptimizerOptions> options;
    /// The lr a scheduler started from (PyTorch's group['initial_lr']); set by the first
    /// scheduler constructed on the optimizer, kept by state_dict().
    std::optional<double> initial_lr;
};

/// What an optimizer remembers about one parameter: its step count, named buffers
/// ("exp_avg", "momentum_buffer"...), each shaped and typed like the parameter, and named
/// scalars (NAdam's "mu_product").
struct ParamState {
    std::int64_t step = 0;
    std::map<std::string, Tensor, std::less<>> buffers;
    std::map<std::string, double, std::less<>> scalars;
};

/// An optimizer's complete state as plain values: group options by name, and one ParamState
/// per parameter in group order (index i is the i-th parameter of the flattened groups).
/// Buffers are copies, so the structure outlives further steps.
struct OptimizerState {
    struct Group {
        std::map<std::string, double> options;
        /// Flat indices of the group's parameters.
        std::vector<std::size_t> params;
        std::optional<double> initial_lr;
    };
    std::vector<Group> param_groups;
    std::vector<ParamState> state;
};

class Optimizer {
public:
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// One update of every parameter whose gradient is defined, under NoGradGuard.
    /// Throws DtypeError or ShapeError when a gradient does not match its parameter.
    virtual void step();
    /// Re-evaluates the loss with grad enabled (closure typically zeroes gradients, runs
    /// forward and backward), then steps; returns the closure's loss.
    double step(const std::function<double()>& closure);
    /// Clears the gradient of every parameter (set_to_none, as PyTorch 2 does by default) or
    /// fills it with zeros, keeping its memory.
    void zero_grad(bool set_to_none = true);

    std::vector<ParamGroup>& param_groups() noexcept { return groups_; }
    const std::vector<ParamGroup>& param_groups() const noexcept { return groups_; }
    /// Adds a group; its options default to the optimizer's. Throws std::invalid_argument when
    /// a parameter is undefined, not a leaf, already in a group, or the options are of
    /// another optimizer or invalid.
    void add_param_group(ParamGroup group);
    const OptimizerOptions& defaults() const noexcept { return *defaults_; }

    /// The learning rate of one group (std::out_of_range for a bad index).
    double lr(std::size_t group = 0) const;
    /// Sets the learning rate of every group.
    void set_lr(double lr);
    void set_lr(std::size_t group, double lr);

    /// The number of parameters over all groups (the size of state_dict().state).
    std::size_t num_params() const;
    /// The state of the index-th parameter of a group.
    ParamState& state(std::size_t group, std::size_t index);
    const ParamState& state(std::size_t group, std::size_t index) const;

    /// A copy of the options and per-parameter state.
    OptimizerState state_dict() const;
    /// Restores a state_dict() of an optimizer of the same kind with the same group sizes;
    /// throws std::invalid_argument naming the mismatch (group count, group size, buffer
    /// shape or dtype), and leaves this optimizer unchanged when it throws.
    void load_state_dict(const OptimizerState& state);

    /// "SGD", "Adam"...
    std::string_view name() const { return defaults_->optimizer_name(); }

protected:
    Optimizer(std::vector<ParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults);

    /// The method an optimizer defines: update `param` in place from `grad` (defined, same
    /// shape and dtype), reading the group's `options` and keeping running values in
    /// `state`. state.step has already been incremented (1 on the first update). Runs under
    /// NoGradGuard. A user optimizer derives from Optimizer, passes its options to the
    /// constructor and overrides this one method.
    virtual void update(Tensor& param, const Tensor& grad, ParamState& state,
                        const OptimizerOptions& options) = 0;

private:
    std::unique_ptr<OptimizerOptions> defaults_;
    std::vector<ParamGroup> groups_;
    std::vector<std::vector<ParamState>> state_;
};

namespace detail {

/// The buffer `name` of `state`, created filled with `initial` and shaped like `param` on
/// first use; returns its values (T must be the parameter's element type).
template <class T>
T* state_buffer(ParamState& state, std::string_view name, const Tensor& param,
                double initial = 0.0);

/// The buffer `name` of `state` if it exists, else nullptr.
template <class T>
T* find_buffer(ParamState& state, std::string_view name);

/// Calls f(T{}) with T the float type of `param` (float or double).
template <class F>
void dispatch(const Tensor& param, F&& f) {
    if (param.dtype() == Dtype::float32) {
        f(float{});
    } else {
        f(double{});
    }
}

/// Throws std::invalid_argument "<optimizer>: invalid <what>; <field> is <value>" unless ok.
void check_option(bool ok, std::string_view optimizer, std::string_view what,
                  std::string_view field, double value, std::string_view expected = "");

}  // namespace detail
}  // namespace wengert::optim
