#include "apps/rpc/methods.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "apps/rpc/help.hpp"
#include "apps/rpc/method_groups.hpp"
#include "protocol/printable.hpp"

namespace timecoin::rpc {

namespace {

std::vector<method_spec> make_methods() {
  std::vector<method_spec> out;
  for (auto group : {network_methods, chain_methods, control_methods})
    for (auto& m : group())
      out.push_back(std::move(m));
  return out;
}

/// The structural errors of bind_params, which also show the usage.
rpc_error misuse(const method_spec& method, const std::string& problem) {
  return invalid_params(method,
                        problem + " (usage: " + signature(method) + ")");
}

} // namespace

const std::vector<method_spec>& all_methods() {
  static const std::vector<method_spec> methods = make_methods();
  return methods;
}

const method_spec* find_method(std::string_view name,
                               const std::vector<method_spec>& methods) {
  auto i = std::find_if(methods.begin(), methods.end(),
                        [&](const method_spec& m) { return m.name == name; });
  return i == methods.end() ? nullptr : &*i;
}

rpc_error node_error(const backend_error& err, rpc_code refused) {
  if (err.code == backend_errc::refused)
    return rpc_error{refused, err.message};
  return rpc_error{rpc_code::node_unavailable, err.message};
}

rpc_error invalid_params(const method_spec& method, std::string_view problem) {
  return rpc_error{rpc_code::invalid_params,
                   "Invalid params: " + std::string{method.name} + ": "
                     + std::string{problem}};
}

bool has_type(const json& value, param_type type) {
  switch (type) {
    case param_type::string: return value.is_string();
    case param_type::number: return value.is_number();
    case param_type::boolean: return value.is_boolean();
    case param_type::hash_or_height:
      return value.is_string() || value.is_number();
    case param_type::flag:
      return value.is_boolean()
             || (value.is_number_integer() && (value == 0 || value == 1));
  }
  return false;
}

std::string_view type_name(param_type type) {
  switch (type) {
    case param_type::string: return "a string";
    case param_type::number: return "a number";
    case param_type::boolean: return "a boolean";
    case param_type::hash_or_height:
      return "a string or a number: a block hash or a height";
    case param_type::flag: return "a boolean, 0 or 1";
  }
  return "?";
}

result<std::vector<json>, rpc_error> bind_params(const method_spec& method,
                                                 const json& params) {
  const auto& specs = method.params;
  std::vector<json> out(specs.size(), nullptr);
  if (params.is_array()) {
    if (params.size() > specs.size())
      return misuse(method, "unexpected parameter #"
                              + std::to_string(specs.size() + 1));
    for (std::size_t i = 0; i < params.size(); ++i)
      out[i] = params[i];
  } else if (params.is_object()) {
    for (const auto& item : params.items()) {
      // Named, not a structured binding: a lambda cannot capture one in
      // C++17.
      const auto& name = item.key();
      const auto& value = item.value();
      auto spec = std::find_if(specs.begin(), specs.end(),
                               [&](const param_spec& s) {
                                 return s.name == name;
                               });
      if (spec == specs.end())
        return misuse(method, "unexpected parameter '" + printable(name) + "'");
      out[static_cast<std::size_t>(spec - specs.begin())] = value;
    }
  } else if (!params.is_null()) {
    return misuse(method, "params must be an array or an object");
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    if (out[i].is_null()) {
      if (spec.required)
        return misuse(method,
                      "missing parameter '" + std::string{spec.name} + "'");
      out[i] = spec.default_value;
      continue;
    }
    if (!has_type(out[i], spec.type))
      return misuse(method, "parameter '" + std::string{spec.name}
                              + "' must be "
                              + std::string{type_name(spec.type)});
  }
  return out;
}

} // namespace timecoin::rpc
