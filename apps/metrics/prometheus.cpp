#include "apps/metrics/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace timecoin::metrics {

namespace {

/// Integral doubles below this magnitude convert to int64_t exactly.
constexpr double int64_bound = 9223372036854775808.0; // 2^63

std::string escape(std::string_view s, bool quotes) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string_view type_text(const std::string& type) {
  if (type == "counter" || type == "gauge")
    return type;
  return "untyped";
}

void append_sample(std::string& out, const metric_sample& s) {
  out += s.name;
  if (!s.labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [name, value] : s.labels) {
      if (!first)
        out += ',';
      first = false;
      out += name;
      out += "=\"";
      out += escape_label_value(value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += format_value(s.value);
  out += '\n';
}

} // namespace

std::string escape_label_value(std::string_view s) {
  return escape(s, true);
}

std::string escape_help(std::string_view s) {
  return escape(s, false);
}

std::string format_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (v == std::trunc(v) && std::fabs(v) < int64_bound)
    return std::to_string(static_cast<int64_t>(v));
  if (v == std::trunc(v)) {
    // Integral but beyond int64_t: every digit of a double this large is
    // exact, so print them all rather than an exponent.
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
    return std::string(buf, r.ptr);
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string render_prometheus(const metrics_snapshot& samples) {
  // Group by name in order of first appearance: the format requires one
  // group per metric, with its HELP and TYPE once, before its samples.
  std::vector<std::vector<const metric_sample*>> groups;
  std::unordered_map<std::string_view, std::size_t> group_of;
  for (const auto& s : samples) {
    auto [it, fresh] = group_of.emplace(s.name, groups.size());
    if (fresh)
      groups.emplace_back();
    groups[it->second].push_back(&s);
  }
  std::string out;
  for (const auto& group : groups) {
    const auto& first = *group.front();
    if (!first.help.empty()) { // HELP is optional; none rather than blank
      out += "# HELP ";
      out += first.name;
      out += ' ';
      out += escape_help(first.help);
      out += '\n';
    }
    out += "# TYPE ";
    out += first.name;
    out += ' ';
    out += type_text(first.type);
    out += '\n';
    for (const auto* s : group)
      append_sample(out, *s);
  }
  return out;
}

} // namespace timecoin::metrics
