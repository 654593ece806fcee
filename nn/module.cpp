#include "module.hpp"

#include <fmt/format.h>

#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "../autograd/grad_mode.hpp"
#include "../autograd/tensor_impl.hpp"

namespace wengert {

Module::Module(std::string name) : name_(std::move(name)) {}

Tensor Module::forward(const Tensor& /*input*/) {
    throw std::logic_error(
        fmt::format("{}: forward(const Tensor&) is not implemented; this "
                    "module is not a single-input module",
                    name_));
}

void Module::check_new_name(const char* what, const std::string& name) const {
    detail::require(!name.empty() && name.find('.') == std::string::npos,
                    "{}: {}: the name \"{}\" must be non-empty and hold no '.'", what, name_, name);
    bool taken = false;
    for (const auto& entry : tensors_) {
        taken = taken || entry.name == name;
    }
    for (const auto& child : children_) {
        taken = taken || child.first == name;
    }
    detail::require(!taken, "{}: {} already has a parameter, buffer or submodule named \"{}\"",
                    what, name_, name);
}

Tensor Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
    check_new_name("register_parameter", name);
    detail::require(tensor.defined(), "register_parameter: {}: the tensor \"{}\" is undefined",
                    name_, name);
    detail::require<DtypeError>(is_floating_point(tensor.dtype()),
                                "register_parameter: {}: parameter \"{}\" must be float32 or "
                                "float64, not {} (register integer state as a buffer)",
                                name_, name, dtype_name(tensor.dtype()));
    tensor.requires_grad_(requires_grad);
    tensors_.push_back({std::move(name), tensor, Kind::parameter});
    return tensor;
}

Tensor Module::register_buffer(std::string name, Tensor tensor) {
    check_new_name("register_buffer", name);
    detail::require(tensor.defined(), "register_buffer: {}: the tensor \"{}\" is undefined", name_,
                    name);
    tensors_.push_back({std::move(name), tensor, Kind::buffer});
    return tensor;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
    check_new_name("register_module", name);
    detail::require(module != nullptr, "register_module: {}: the submodule \"{}\" is null", name_,
                    name);
    children_.emplace_back(std::move(name), std::move(module));
}

void Module::collect(const std::string& prefix, bool recurse, std::vector<Entry>& out) const {
    for (const auto& entry : tensors_) {
        out.push_back({prefix + entry.name, entry.tensor, entry.kind});
    }
    if (!recurse) {
        return;
    }
    for (const auto& [child_name, child] : children_) {
        child->collect(prefix + child_name + ".", true, out);
    }
}

std::vector<Module::Entry> Module::entries(bool recurse) const {
    std::vector<Entry> out;
    collect("", recurse, out);
    return out;
}

NamedTensors Module::named(Kind kind, bool recurse) const {
    NamedTensors out;
    std::unordered_set<const detail::TensorImpl*> seen;
    for (auto& entry : entries(recurse)) {
        if (entry.kind == kind && seen.insert(entry.tensor.impl().get()).second) {
            out.emplace_back(std::move(entry.name), entry.tensor);
        }
    }
    return out;
}

NamedTensors Module::named_parameters(bool recurse) const {
    return named(Kind::parameter, recurse);
}

NamedTensors Module::named_buffers(bool recurse) const {
    return named(Kind::buffer, recurse);
}

TensorList Module::parameters(bool recurse) const {
    TensorList out;
    for (auto& [name, tensor] : named_parameters(recurse)) {
        out.push_back(tensor);
    }
    return out;
}

TensorList Module::buffers(bool recurse) const {
    TensorList out;
    for (auto& [name, tensor] : named_buffers(recurse)) {
        out.push_back(tensor);
    }
    return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
    std::vector<std::shared_ptr<Module>> out;
    for (const auto& child : children_) {
        out.push_back(child.second);
    }
    return out;
}

std::size_t Module::parameter_count() const {
    std::size_t count = 0;
    for (const auto& parameter : parameters()) {
        count += parameter.numel();
    }
    return count;
}

void Module::train(bool on) {
    training_ = on;
    for (const auto& child : children_) {
        child.second->train(on);
    }
}

void Module::zero_grad(bool set_to_none) {
    for (auto& parameter : parameters()) {
        parameter.zero_grad(set_to_none);
    }
}

StateDict Module::state_dict() const {
    StateDict out;
    for (auto& entry : entries(true)) {
        out.emplace_back(std::move(entry.name), entry.tensor.detach().clone());
    }
    return out;
}

void Module::load_state_dict(const StateDict& state) {
    const std::vector<Entry> own = entries(true);
    std::unordered_map<std::string_view, const Tensor*> given;
    for (const auto& [key, tensor] : state) {
        detail::require(given.emplace(key, &tensor).second,
                        "load_state_dict: {}: key \"{}\" appears twice in the state dict", name_,
                        key);
    }

    // Keys first, so the message lists every mismatch at once.
    std::vector<std::string> missing;
    std::unordered_set<std::string_view> known;
    for (const auto& entry : own) {
        known.insert(entry.name);
        if (!given.contains(entry.name)) {
            missing.push_back(entry.name);
        }
    }
    std::vector<std::string> unexpected;
    for (const auto& [key, tensor] : state) {
        if (!known.contains(key)) {
            unexpected.push_back(key);
        }
    }
    detail::require(missing.empty() && unexpected.empty(),
                    "load_state_dict: {}: missing keys: [{}]; unexpected keys: [{}]", name_,
                    fmt::join(missing, ", "), fmt::join(unexpected, ", "));

    // Then every value, before anything is copied.
    for (const auto& entry : own) {
        const Tensor& source = *given.at(entry.name);
        detail::require(source.defined(),
                        "load_state_dict: {}: key \"{}\" holds an undefined "
                        "tensor",
                        name_, entry.name);
        detail::require<ShapeError>(
            std::equal(source.shape().begin(), source.shape().end(), entry.tensor.shape().begin(),
                       entry.tensor.shape().end()),
            "load_state_dict: {}: key \"{}\" has shape {} in the state "
            "dict and {} in the module",
            name_, entry.name, shape_string(source.shape()), shape_string(entry.tensor.shape()));
        detail::require<DtypeError>(source.dtype() == entry.tensor.dtype(),
                                    "load_state_dict: {}: key \"{}\" is {} in the state dict "
                                    "and {} in the module",
                                    name_, entry.name, dtype_name(source.dtype()),
                                    dtype_name(entry.tensor.dtype()));
    }

    for (const auto& entry : own) {
        const Tensor& source = *given.at(entry.name);
        if (source.impl()->data == entry.tensor.impl()->data) {
            continue;
        }
        detail::visit_any(entry.tensor, [&](auto& target) {
            using T = typename std::decay_t<decltype(target)>::value_type;
            const auto& values = detail::array_as<T>(source);
            std::memcpy(target.data(), values.data(), target.size() * sizeof(T));
        });
    }
}

void Module::to(Dtype dtype) {
    detail::require<DtypeError>(is_floating_point(dtype),
                                "Module::to: {}: parameters and buffers convert to float32 or "
                                "float64, not {}",
                                name_, dtype_name(dtype));
    NoGradGuard no_grad;
    std::unordered_set<const detail::TensorImpl*> done;
    for (auto& entry : entries(true)) {
        Tensor& t = entry.tensor;
        if (!is_floating_point(t.dtype()) || t.dtype() == dtype ||
            !done.insert(t.impl().get()).second) {
            continue;
        }
        // Replace the values of this tensor itself, so every handle on it sees the new dtype.
        Tensor converted = t.detach().to(dtype);
        t.impl()->data = converted.impl()->data;
        t.set_grad(Tensor());
    }
}

std::string Module::to_string() const {
    std::string out = fmt::format("{}({}", name_, extra_repr());
    if (children_.empty()) {
        return out + ")";
    }
    out += "\n";
    for (const auto& [child_name, child] : children_) {
        std::string text = child->to_string();
        // Indent the child's lines below its label.
        std::string indented;
        for (char c : text) {
            indented += c;
            if (c == '\n') {
                indented += "  ";
            }
        }
        out += fmt::format("  ({}): {}\n", child_name, indented);
    }
    return out + ")";
}

std::shared_ptr<Module> Sequential::operator[](std::size_t index) const {
    detail::require<std::out_of_range>(
        index < size(), "Sequential: index {} is out of range for {} modules", index, size());
    return named_children()[index].second;
}

Tensor Sequential::forward(const Tensor& input) {
    Tensor x = input;
    for (const auto& [child_name, child] : named_children()) {
        x = child->forward(x);
    }
    return x;
}

}  // namespace wengert
