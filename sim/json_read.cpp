#include "sim/json_read.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "sim/duration.hpp"
#include "sim/limits.hpp"

namespace timecoin::sim::detail {

namespace {

/// Keys and strings quoted in messages are cut to this: they may be long.
constexpr std::size_t max_quoted_chars = 40;

std::string quote_text(std::string_view text) {
  if (text.size() > max_quoted_chars)
    return fmt::format("\"{}...\"", text.substr(0, max_quoted_chars));
  return fmt::format("\"{}\"", text);
}

std::string joined(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto name : names) {
    if (!out.empty())
      out += ", ";
    out += name;
  }
  return out;
}

/// Skips a comment starting at `text[i]` ('/' seen); returns the index after
/// it, or `i` if this is no comment.
std::size_t skip_comment(std::string_view text, std::size_t i) {
  if (i + 1 >= text.size())
    return i;
  if (text[i + 1] == '/') {
    auto end = text.find('\n', i + 2);
    return end == std::string_view::npos ? text.size() : end;
  }
  if (text[i + 1] == '*') {
    auto end = text.find("*/", i + 2);
    return end == std::string_view::npos ? text.size() : end + 2;
  }
  return i;
}

/// The deepest nesting of arrays and objects in `text`, outside strings and
/// comments; stops counting once past `limit`.
std::size_t nesting_depth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i; // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '/') {
      auto next = skip_comment(text, i);
      if (next != i)
        i = next - 1;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit)
        return deepest;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// nlohmann's message without its "[json.exception.parse_error.101] " tag.
std::string parse_error_text(const json::exception& e) {
  std::string text = e.what();
  auto tag_end = text.find("] ");
  if (text.rfind("[json.exception.", 0) == 0 && tag_end != std::string::npos)
    text.erase(0, tag_end + 2);
  return text;
}

} // namespace

scenario_error fail(scenario_errc code, const std::string& where,
                    const std::string& why) {
  return {code, where, where.empty() ? why : where + ": " + why};
}

std::string member_path(const std::string& where, std::string_view key) {
  if (where.empty())
    return std::string{key};
  return where + "." + std::string{key};
}

std::string index_path(const std::string& where, std::size_t i) {
  return fmt::format("{}[{}]", where, i);
}

result<void, scenario_error>
check_object(const json& v, const std::string& where,
             std::initializer_list<std::string_view> allowed) {
  if (!v.is_object())
    return fail(scenario_errc::bad_type, where,
                fmt::format("must be an object, not {}", v.type_name()));
  for (const auto& item : v.items()) {
    bool known = false;
    for (auto name : allowed)
      known = known || item.key() == name;
    if (!known) {
      auto why = allowed.size() == 0
                   ? std::string{"unknown key (this object takes none)"}
                   : fmt::format("unknown key (keys: {})", joined(allowed));
      return fail(scenario_errc::unknown_key,
                  member_path(where, quote_text(item.key())), why);
    }
  }
  return {};
}

result<uint64_t, scenario_error>
read_uint(const json& v, const std::string& where, uint64_t min, uint64_t max) {
  auto range = fmt::format("a whole number from {} to {}", min, max);
  if (!v.is_number_integer())
    return fail(scenario_errc::bad_type, where,
                fmt::format("must be {}, not {}", range,
                            v.is_number() ? "a fraction or a huge number"
                                          : v.type_name()));
  if (!v.is_number_unsigned())
    return fail(scenario_errc::out_of_range, where,
                fmt::format("must be {}, not {}", range, v.get<int64_t>()));
  auto value = v.get<uint64_t>();
  if (value < min || value > max)
    return fail(scenario_errc::out_of_range, where,
                fmt::format("must be {}, not {}", range, value));
  return value;
}

result<std::chrono::microseconds, scenario_error>
read_duration(const json& v, const std::string& where,
              std::chrono::microseconds max) {
  if (v.is_number_integer() && v.get<int64_t>() == 0)
    return std::chrono::microseconds{0};
  if (!v.is_string())
    return fail(scenario_errc::bad_type, where,
                fmt::format("must be a duration such as \"10s\", not {}",
                            v.type_name()));
  auto parsed = parse_duration(v.get_ref<const std::string&>());
  if (!parsed)
    return fail(scenario_errc::bad_value, where, parsed.error().message);
  if (*parsed > max)
    return fail(scenario_errc::out_of_range, where,
                fmt::format("{} is over the limit of {}",
                            format_duration(*parsed), format_duration(max)));
  return *parsed;
}

result<uint64_t, scenario_error> read_bandwidth(const json& v,
                                                const std::string& where) {
  if (!v.is_string())
    return fail(scenario_errc::bad_type, where,
                fmt::format("must be a bandwidth such as \"100Mbit\", not {}",
                            v.type_name()));
  auto parsed = parse_bandwidth(v.get_ref<const std::string&>());
  if (!parsed)
    return fail(scenario_errc::bad_value, where, parsed.error().message);
  if (*parsed == 0)
    return fail(scenario_errc::out_of_range, where,
                "must be above zero (leave it out for the default)");
  return *parsed;
}

result<std::string, scenario_error>
read_text(const json& v, const std::string& where, std::size_t max_chars) {
  if (!v.is_string())
    return fail(scenario_errc::bad_type, where,
                fmt::format("must be a string, not {}", v.type_name()));
  const auto& text = v.get_ref<const std::string&>();
  if (text.size() > max_chars)
    return fail(scenario_errc::out_of_range, where,
                fmt::format("longer than {} bytes", max_chars));
  return text;
}

result<std::vector<uint32_t>, scenario_error>
read_ids(const json& v, const std::string& where, std::size_t max_entries) {
  if (!v.is_array())
    return fail(scenario_errc::bad_type, where,
                fmt::format("must be an array of node ids, not {}",
                            v.type_name()));
  if (v.empty() || v.size() > max_entries)
    return fail(scenario_errc::out_of_range, where,
                fmt::format("must list 1 to {} nodes, not {}", max_entries,
                            v.size()));
  std::vector<uint32_t> ids;
  std::set<uint32_t> seen;
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto id = read_uint(v[i], index_path(where, i), 0, max_sim_nodes - 1);
    if (!id)
      return id.error();
    auto node = static_cast<uint32_t>(*id);
    if (!seen.insert(node).second)
      return fail(scenario_errc::bad_node, index_path(where, i),
                  fmt::format("node {} is listed twice", node));
    ids.push_back(node);
  }
  return ids;
}

result<json, scenario_error> parse_json(std::string_view text) {
  auto depth = nesting_depth(text, max_scenario_depth);
  if (depth > max_scenario_depth)
    return fail(scenario_errc::too_deep, "",
                fmt::format("nested deeper than {} levels",
                            max_scenario_depth));
  // nlohmann keeps the last of two equal keys: a repeated key (two "at"s in
  // one event) must not pass silently. One set of keys per open object; an
  // empty entry for an open array.
  std::vector<std::set<std::string>> open;
  std::vector<bool> is_object;
  std::string duplicate;
  json::parser_callback_t watch = [&](int, json::parse_event_t ev,
                                      json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        open.emplace_back();
        is_object.push_back(ev == json::parse_event_t::object_start);
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!open.empty()) {
          open.pop_back();
          is_object.pop_back();
        }
        break;
      case json::parse_event_t::key:
        if (!open.empty() && is_object.back() && parsed.is_string()
            && !open.back().insert(parsed.get<std::string>()).second
            && duplicate.empty())
          duplicate = parsed.get<std::string>();
        break;
      case json::parse_event_t::value: break;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), watch,
                      /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {
    return fail(scenario_errc::bad_json, "",
                "not JSON: " + parse_error_text(e));
  }
  if (!duplicate.empty())
    return fail(scenario_errc::duplicate_key, "",
                fmt::format("key {} given twice in one object",
                            quote_text(duplicate)));
  return doc;
}

} // namespace timecoin::sim::detail
