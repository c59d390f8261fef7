#pragma once

// Internal to sim/: reading typed values out of parsed JSON for the scenario
// parser, each failure a scenario_error naming the JSON path.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/result.hpp"
#include "sim/scenario.hpp"

namespace timecoin::sim::detail {

using json = nlohmann::json;

/// An error at `where`, its message prefixed with the path.
scenario_error fail(scenario_errc code, const std::string& where,
                    const std::string& why);

/// `where.key`, or `key` at the top.
std::string member_path(const std::string& where, std::string_view key);

/// `where[i]`.
std::string index_path(const std::string& where, std::size_t i);

/// Fails unless `v` is an object whose keys are all in `allowed`.
result<void, scenario_error>
check_object(const json& v, const std::string& where,
             std::initializer_list<std::string_view> allowed);

/// A whole number in [min, max] (JSON integers only: 2.0 is refused).
result<uint64_t, scenario_error>
read_uint(const json& v, const std::string& where, uint64_t min, uint64_t max);

/// A duration string (or the number 0) of at most `max`.
result<std::chrono::microseconds, scenario_error>
read_duration(const json& v, const std::string& where,
              std::chrono::microseconds max);

/// A bandwidth string, at least 1 bit/s.
result<uint64_t, scenario_error> read_bandwidth(const json& v,
                                                const std::string& where);

/// A string of at most `max_chars` bytes.
result<std::string, scenario_error>
read_text(const json& v, const std::string& where, std::size_t max_chars);

/// An array of 1 to `max_entries` distinct node ids below `max_sim_nodes`.
result<std::vector<uint32_t>, scenario_error>
read_ids(const json& v, const std::string& where, std::size_t max_entries);

/// Parses `text` as JSON (comments allowed), refusing a key given twice in
/// one object and nesting deeper than `max_scenario_depth`.
result<json, scenario_error> parse_json(std::string_view text);

} // namespace timecoin::sim::detail
