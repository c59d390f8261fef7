#include "apps/rpc/help.hpp"

#include <algorithm>

namespace timecoin::rpc {

std::string signature(const method_spec& method) {
  std::string out{method.name};
  for (const auto& p : method.params) {
    auto name = std::string{p.name};
    if (p.type == param_type::string)
      name = "\"" + name + "\"";
    else if (p.type == param_type::hash_or_height)
      name = "\"" + name + "\"|height";
    out += p.required ? " " + name : " [" + name + "]";
  }
  return out;
}

std::string_view type_label(param_type type) {
  switch (type) {
    case param_type::string:
      return "string";
    case param_type::number:
      return "number";
    case param_type::boolean:
      return "boolean";
    case param_type::hash_or_height:
      return "string or number";
    case param_type::flag:
      return "boolean, or 0 or 1";
  }
  return "?";
}

std::string method_list(const std::vector<method_spec>& methods) {
  std::string out;
  for (const auto& m : methods) {
    auto line = signature(m);
    line.resize(std::max(line.size() + 1, help_summary_column), ' ');
    out += line + std::string{m.summary} + "\n";
  }
  return out;
}

std::string method_help(const method_spec& method) {
  std::string out = signature(method) + "\n\n" + std::string{method.help}
                    + "\n";
  if (!method.params.empty()) {
    std::size_t width = 0;
    for (const auto& p : method.params)
      width = std::max(width, p.name.size());
    out += "\nArguments:\n";
    std::size_t n = 0;
    for (const auto& p : method.params) {
      std::string name{p.name};
      name.resize(width, ' ');
      out += std::to_string(++n) + ". " + name + "  ("
             + std::string{type_label(p.type)};
      if (p.required)
        out += ", required";
      else if (p.default_value.is_null())
        out += ", optional";
      else
        out += ", optional, default " + p.default_value.dump();
      out += ") " + std::string{p.description} + "\n";
    }
  }
  if (!method.examples.empty()) {
    out += "\nExamples:\n";
    for (auto example : method.examples) {
      out += "> time-cli " + std::string{method.name};
      if (!example.empty())
        out += " " + std::string{example};
      out += "\n";
    }
  }
  out.pop_back(); // the final newline: time-cli adds its own
  return out;
}

} // namespace timecoin::rpc
