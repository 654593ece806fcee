#include "optimizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <typeinfo>
#include <unordered_set>

#include "../autograd/error.hpp"
#include "../autograd/grad_mode.hpp"

namespace wengert::optim {

namespace {

const OptionField* find_field(const std::vector<OptionField>& fields, std::string_view name) {
    for (const auto& field : fields) {
        if (field.name == name) {
            return &field;
        }
    }
    return nullptr;
}

std::string field_names(const std::vector<OptionField>& fields) {
    std::string names;
    for (const auto& field : fields) {
        names += names.empty() ? "" : ", ";
        names += field.name;
    }
    return names;
}

bool same_shape(const Tensor& a, const Tensor& b) {
    const auto sa = a.shape();
    const auto sb = b.shape();
    return std::equal(sa.begin(), sa.end(), sb.begin(), sb.end());
}

}  // namespace

bool OptimizerOptions::has(std::string_view name) const {
    const auto fields = const_cast<OptimizerOptions*>(this)->fields();
    return find_field(fields, name) != nullptr;
}

double OptimizerOptions::get(std::string_view name) const {
    const auto fields = const_cast<OptimizerOptions*>(this)->fields();
    const OptionField* field = find_field(fields, name);
    wengert::detail::require<std::out_of_range>(field != nullptr,
                                                "{}: no option named '{}'; options are {}",
                                                optimizer_name(), name, field_names(fields));
    return field->number != nullptr ? *field->number : (*field->flag ? 1.0 : 0.0);
}

void OptimizerOptions::set(std::string_view name, double value) {
    const auto all = fields();
    const OptionField* field = find_field(all, name);
    wengert::detail::require<std::out_of_range>(field != nullptr,
                                                "{}: no option named '{}'; options are {}",
                                                optimizer_name(), name, field_names(all));
    if (field->number != nullptr) {
        *field->number = value;
    } else {
        *field->flag = value != 0.0;
    }
}

std::map<std::string, double> OptimizerOptions::to_map() const {
    std::map<std::string, double> values;
    for (const auto& field : const_cast<OptimizerOptions*>(this)->fields()) {
        values[std::string(field.name)] = get(field.name);
    }
    return values;
}

void OptimizerOptions::from_map(const std::map<std::string, double>& values) {
    for (const auto& [name, value] : values) {
        set(name, value);
    }
}

ParamGroup::ParamGroup(TensorList group_params) : params(std::move(group_params)) {}

ParamGroup::ParamGroup(TensorList group_params, std::unique_ptr<OptimizerOptions> group_options)
    : params(std::move(group_params)), options(std::move(group_options)) {}

ParamGroup::ParamGroup(const ParamGroup& other)
    : params(other.params),
      options(other.options ? other.options->clone() : nullptr),
      initial_lr(other.initial_lr) {}

ParamGroup& ParamGroup::operator=(const ParamGroup& other) {
    if (this != &other) {
        params = other.params;
        options = other.options ? other.options->clone() : nullptr;
        initial_lr = other.initial_lr;
    }
    return *this;
}

Optimizer::Optimizer(std::vector<ParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
    if (defaults_ == nullptr) {
        wengert::detail::internal_error("Optimizer", "constructed without default options");
    }
    defaults_->validate();
    for (auto& group : groups) {
        add_param_group(std::move(group));
    }
}

void Optimizer::add_param_group(ParamGroup group) {
    const std::size_t index = groups_.size();
    if (group.options == nullptr) {
        group.options = defaults_->clone();
    }
    const OptimizerOptions& options = *group.options;
    wengert::detail::require(typeid(options) == typeid(*defaults_),
                             "{}: parameter group {} has options of {}; expected options of {}",
                             name(), index, options.optimizer_name(), name());
    options.validate();

    std::unordered_set<const void*> seen;
    for (const auto& existing : groups_) {
        for (const auto& p : existing.params) {
            seen.insert(p.impl().get());
        }
    }
    for (std::size_t i = 0; i < group.params.size(); ++i) {
        const Tensor& p = group.params[i];
        wengert::detail::require(p.defined(), "{}: parameter {} of group {} is undefined", name(),
                                 i, index);
        wengert::detail::require(
            p.is_leaf(),
            "{}: cannot optimize a non-leaf tensor; parameter {} of group "
            "{} was computed by an op (detach it or use the leaf it came from)",
            name(), i, index);
        wengert::detail::require(
            seen.insert(p.impl().get()).second,
            "{}: parameter {} of group {} appears more than once in the groups", name(), i, index);
    }

    state_.emplace_back(group.params.size());
    groups_.push_back(std::move(group));
}

void Optimizer::step() {
    NoGradGuard no_grad;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        ParamGroup& group = groups_[g];
        // A user may have appended parameters to a group after construction.
        if (state_[g].size() != group.params.size()) {
            state_[g].resize(group.params.size());
        }
        for (std::size_t i = 0; i < group.params.size(); ++i) {
            Tensor& param = group.params[i];
            const Tensor grad = param.grad();
            if (!grad.defined()) {
                continue;
            }
            wengert::detail::require<DtypeError>(
                grad.dtype() == param.dtype(),
                "{}: gradient of parameter {} in group {} is {}, the "
                "parameter is {}",
                name(), i, g, dtype_name(grad.dtype()), dtype_name(param.dtype()));
            wengert::detail::require<ShapeError>(
                same_shape(grad, param),
                "{}: gradient of parameter {} in group {} has shape {}, "
                "the parameter {}",
                name(), i, g, shape_string(grad.shape()), shape_string(param.shape()));
            ParamState& state = state_[g][i];
            ++state.step;
            update(param, grad, state, *group.options);
        }
    }
}

double Optimizer::step(const std::function<double()>& closure) {
    double loss = 0.0;
    {
        GradModeGuard enable(true);
        loss = closure();
    }
    step();
    return loss;
}

void Optimizer::zero_grad(bool set_to_none) {
    for (auto& group : groups_) {
        for (auto& p : group.params) {
            p.zero_grad(set_to_none);
        }
    }
}

double Optimizer::lr(std::size_t group) const {
    wengert::detail::require<std::out_of_range>(
        group < groups_.size(), "{}: group {} is out of range for {} parameter groups", name(),
        group, groups_.size());
    return groups_[group].options->get("lr");
}

void Optimizer::set_lr(double lr) {
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        set_lr(g, lr);
    }
}

void Optimizer::set_lr(std::size_t group, double lr) {
    wengert::detail::require<std::out_of_range>(
        group < groups_.size(), "{}: group {} is out of range for {} parameter groups", name(),
        group, groups_.size());
    groups_[group].options->set("lr", lr);
}

std::size_t Optimizer::num_params() const {
    std::size_t n = 0;
    for (const auto& group : groups_) {
        n += group.params.size();
    }
    return n;
}

ParamState& Optimizer::state(std::size_t group, std::size_t index) {
    wengert::detail::require<std::out_of_range>(
        group < groups_.size(), "{}: group {} is out of range for {} parameter groups", name(),
        group, groups_.size());
    if (state_[group].size() != groups_[group].params.size()) {
        state_[group].resize(groups_[group].params.size());
    }
    wengert::detail::require<std::out_of_range>(
        index < state_[group].size(), "{}: parameter {} is out of range for group {} of size {}",
        name(), index, group, state_[group].size());
    return state_[group][index];
}

const ParamState& Optimizer::state(std::size_t group, std::size_t index) const {
    return const_cast<Optimizer*>(this)->state(group, index);
}

OptimizerState Optimizer::state_dict() const {
    OptimizerState out;
    std::size_t flat = 0;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        OptimizerState::Group group;
        group.options = groups_[g].options->to_map();
        group.initial_lr = groups_[g].initial_lr;
        for (std::size_t i = 0; i < groups_[g].params.size(); ++i) {
            group.params.push_back(flat++);
            ParamState copy;
            if (i < state_[g].size()) {
                copy.step = state_[g][i].step;
                copy.scalars = state_[g][i].scalars;
                for (const auto& [key, buffer] : state_[g][i].buffers) {
                    copy.buffers.emplace(key, buffer.clone());
                }
            }
            out.state.push_back(std::move(copy));
        }
        out.param_groups.push_back(std::move(group));
    }
    return out;
}

void Optimizer::load_state_dict(const OptimizerState& state) {
    // Check everything first, so that a mismatch leaves the optimizer as it was.
    wengert::detail::require(
        state.param_groups.size() == groups_.size(),
        "{}: load_state_dict: the state has {} parameter groups, the optimizer {}", name(),
        state.param_groups.size(), groups_.size());
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const auto& saved = state.param_groups[g];
        wengert::detail::require(
            saved.params.size() == groups_[g].params.size(),
            "{}: load_state_dict: group {} has {} parameters in the state, {} in the "
            "optimizer",
            name(), g, saved.params.size(), groups_[g].params.size());
        auto probe = groups_[g].options->clone();
        probe->from_map(saved.options);
        probe->validate();
        for (std::size_t i = 0; i < saved.params.size(); ++i) {
            const std::size_t flat = saved.params[i];
            wengert::detail::require<std::out_of_range>(
                flat < state.state.size(),
                "{}: load_state_dict: parameter index {} is out of "
                "range for {} states",
                name(), flat, state.state.size());
            const Tensor& param = groups_[g].params[i];
            for (const auto& [key, buffer] : state.state[flat].buffers) {
                wengert::detail::require(
                    buffer.defined() && buffer.dtype() == param.dtype() &&
                        same_shape(buffer, param),
                    "{}: load_state_dict: buffer '{}' of parameter {} in group {} does "
                    "not match the parameter; parameter is {} {}",
                    name(), key, i, g, dtype_name(param.dtype()), shape_string(param.shape()));
            }
        }
    }

    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const auto& saved = state.param_groups[g];
        groups_[g].options->from_map(saved.options);
        groups_[g].initial_lr = saved.initial_lr;
        state_[g].assign(groups_[g].params.size(), ParamState{});
        for (std::size_t i = 0; i < saved.params.size(); ++i) {
            const ParamState& from = state.state[saved.params[i]];
            state_[g][i].step = from.step;
            state_[g][i].scalars = from.scalars;
            for (const auto& [key, buffer] : from.buffers) {
                state_[g][i].buffers.emplace(key, buffer.clone());
            }
        }
    }
}

namespace detail {

template <class T>
T* state_buffer(ParamState& state, std::string_view name, const Tensor& param, double initial) {
    auto it = state.buffers.find(name);
    if (it == state.buffers.end()) {
        it = state.buffers.emplace(std::string(name), full_like(param, initial)).first;
    }
    return it->second.template data_ptr<T>();
}

template <class T>
T* find_buffer(ParamState& state, std::string_view name) {
    auto it = state.buffers.find(name);
    return it == state.buffers.end() ? nullptr : it->second.template data_ptr<T>();
}

template float* state_buffer<float>(ParamState&, std::string_view, const Tensor&, double);
template double* state_buffer<double>(ParamState&, std::string_view, const Tensor&, double);
template float* find_buffer<float>(ParamState&, std::string_view);
template double* find_buffer<double>(ParamState&, std::string_view);

void check_option(bool ok, std::string_view optimizer, std::string_view what,
                  std::string_view field, double value, std::string_view expected) {
    if (!ok) {
        throw std::invalid_argument(
            fmt::format("{}: invalid {}; {} is {}{}", optimizer, what, field, value,
                        expected.empty() ? std::string() : fmt::format(" ({})", expected)));
    }
}

}  // namespace detail
}  // namespace wengert::optim
