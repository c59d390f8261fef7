#pragma once

// The node's metrics in the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Plain code:
// Debian 12 does not package prometheus-cpp, and the format is a few rules.

#include <string>
#include <string_view>

#include "actors/node.hpp"

namespace timecoin::metrics {

/// The Content-Type of `render_prometheus`'s output.
constexpr std::string_view prometheus_content_type
  = "text/plain; version=0.0.4; charset=utf-8";

/// `s` as a label value: backslash, double quote and line feed escaped as
/// `\\`, `\"` and `\n`.
std::string escape_label_value(std::string_view s);

/// `s` as HELP text: backslash and line feed escaped as `\\` and `\n`.
std::string escape_help(std::string_view s);

/// `v` as a sample value: integers without exponent or decimal point where
/// the double holds them exactly ("42", "-3", "100000000000000000000"),
/// others in their shortest round-trip form ("0.25", "1.5e-07"), and `NaN`,
/// `+Inf`, `-Inf`.
std::string format_value(double v);

/// The exposition text of `samples`: for each metric name, in order of first
/// appearance, one `# HELP` (unless its help is empty) and one `# TYPE` line
/// (from its first sample),
/// then a `name{label="value",...} value` line per sample. Samples of one
/// name are grouped even if the snapshot interleaves them; a type other than
/// counter or gauge is written as untyped. An empty snapshot is empty text.
std::string render_prometheus(const metrics_snapshot& samples);

} // namespace timecoin::metrics
