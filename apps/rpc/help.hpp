#pragma once

// Help text, made from the table of methods: the list `help` answers, one
// method's help, and the one-line signatures time-cli's usage shows.

#include <string>
#include <string_view>
#include <vector>

#include "apps/rpc/methods.hpp"

namespace timecoin::rpc {

/// Column where the method list starts a method's summary.
constexpr std::size_t help_summary_column = 40;

/// `help <method>` wraps a parameter's description before this column.
constexpr std::size_t help_line_columns = 79;

/// The one-line signature: `getblock "blockhash"|height [verbose]`. String
/// parameters are quoted, optional ones in brackets.
std::string signature(const method_spec& method);

/// `type` as help shows it: "string", "number", "string or number".
std::string_view type_label(param_type type);

/// What `help` answers: one line per method, its signature and summary.
std::string
method_list(const std::vector<method_spec>& methods = all_methods());

/// What `help <method>` answers: the signature, the help text, each
/// parameter (type, required or default, description) and the examples.
std::string method_help(const method_spec& method);

} // namespace timecoin::rpc
