#include "apps/rpc/help.hpp"

#include <algorithm>

namespace timecoin::rpc {

namespace {

/// Appends a space and `text` to `out`, word by word, going on to a new
/// line indented by `indent` where a word would pass help_line_columns.
void append_wrapped(std::string& out, std::string_view text,
                    std::size_t indent) {
  auto column = out.size() - (out.rfind('\n') + 1); // npos + 1 is 0
  while (!text.empty()) {
    auto end = std::min(text.find(' '), text.size());
    auto word = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (column > indent && column + 1 + word.size() > help_line_columns) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
}

} // namespace

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
    case param_type::string: return "string";
    case param_type::number: return "number";
    case param_type::boolean: return "boolean";
    case param_type::hash_or_height: return "string or number";
    case param_type::flag: return "boolean, or 0 or 1";
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
      out += ")";
      append_wrapped(out, p.description, width + 5);
      out += "\n";
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
