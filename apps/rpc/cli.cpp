#include "apps/rpc/cli.hpp"

#include <cstdint>
#include <optional>

#include "apps/rpc/caf_backend.hpp"
#include "apps/rpc/help.hpp"
#include "config/values.hpp"
#include "protocol/printable.hpp"

namespace timecoin::rpc {

cli_call split_cli_args(int argc, const char* const* argv) {
  cli_call out;
  int i = 1;
  for (; i < argc; ++i) {
    std::string arg = argv[i] != nullptr ? argv[i] : "";
    if (arg.empty() || arg[0] != '-')
      break;
    out.options.push_back(std::move(arg));
  }
  if (i < argc)
    out.method = argv[i++];
  for (; i < argc; ++i)
    out.args.emplace_back(argv[i] != nullptr ? argv[i] : "");
  return out;
}

namespace {

/// `--name` and `-name` are the same option; `--name=value` and
/// `-name=value` carry a value. The value (empty if none), or nothing if
/// `option` is not `name`.
std::optional<std::string> option_value(std::string_view option,
                                        std::string_view name) {
  if (option.substr(0, 2) == "--")
    option.remove_prefix(2);
  else if (option.substr(0, 1) == "-")
    option.remove_prefix(1);
  else
    return std::nullopt;
  if (option.substr(0, name.size()) != name)
    return std::nullopt;
  option.remove_prefix(name.size());
  if (option.empty())
    return std::string{};
  if (option.front() != '=')
    return std::nullopt;
  return std::string{option.substr(1)};
}

/// Whether `option` is `name`, with one dash or two, with a value or not.
bool names_option(const std::string& option, std::string_view name) {
  return option_value(option, name).has_value();
}

} // namespace

result<cli_options, std::string>
read_cli_options(const std::vector<std::string>& options) {
  cli_options out;
  for (const auto& opt : options) {
    if (auto v = option_value(opt, "version")) {
      out.version = true;
    } else if (auto w = option_value(opt, "rpcwaittimeout")) {
      auto max = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(max_rpcwait_timeout)
          .count());
      auto n = parse_uint(*w, 0, max);
      if (!n)
        return opt.substr(0, opt.find('=')) + ": '" + printable(*w)
               + "' is not a whole number of seconds from 0 to "
               + std::to_string(max);
      out.rpcwait_timeout = std::chrono::seconds{*n};
    } else if (auto r = option_value(opt, "rpcwait")) {
      if (!r->empty())
        return opt.substr(0, opt.find('='))
               + " takes no value (--rpcwaittimeout=N sets how long)";
      out.rpcwait = true;
    } else {
      out.node_options.push_back(opt);
    }
  }
  return out;
}

bool use_system_conf(const std::vector<std::string>& node_options,
                     bool default_datadir_exists, bool system_conf_readable) {
  for (const auto& opt : node_options)
    if (names_option(opt, "conf") || names_option(opt, "datadir"))
      return false;
  return !default_datadir_exists && system_conf_readable;
}

result<json, std::string> make_call(const std::string& method,
                                    const std::vector<std::string>& args,
                                    int id,
                                    const std::vector<method_spec>& methods) {
  const auto* spec = find_method(method, methods);
  auto params = json::array();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (spec == nullptr || i >= spec->params.size()
        || spec->params[i].type == param_type::string) {
      params.push_back(arg);
      continue;
    }
    const auto& p = spec->params[i];
    if (p.type == param_type::hash_or_height) {
      // A height (digits that fit 64 bits) as a number; a hash, or anything
      // else for the server to judge, as a string.
      if (auto height = parse_uint(arg, 0, UINT64_MAX))
        params.push_back(*height);
      else
        params.push_back(arg);
      continue;
    }
    bool number = p.type == param_type::number;
    auto value = json::parse(arg, nullptr, false);
    bool ok = number ? value.is_number() : value.is_boolean();
    if (!number && (arg == "0" || arg == "1")) { // boolean or flag
      value = arg == "1";
      ok = true;
    }
    if (!ok)
      return "argument " + std::to_string(i + 1) + " ('" + std::string{p.name}
             + "') of " + method + " must be a "
             + (number ? "number" : "boolean");
    params.push_back(std::move(value));
  }
  return json{{"jsonrpc", "2.0"},
              {"id", id},
              {"method", method},
              {"params", std::move(params)}};
}

std::chrono::milliseconds cli_read_timeout(const std::string& method) {
  // The server answers within its own timeout for the node; allow 5 s more.
  constexpr auto margin = std::chrono::seconds{5};
  if (method == "generate")
    return generate_request_timeout + margin;
  return node_request_timeout + margin;
}

std::string format_result(const json& result) {
  if (result.is_null())
    return "";
  if (result.is_string())
    return result.get<std::string>();
  return result.dump(2, ' ', false, json::error_handler_t::replace);
}

std::string format_error(const json& error) {
  std::string out = "error";
  if (error.is_object() && error.contains("code")
      && error["code"].is_number_integer())
    out += " " + std::to_string(error["code"].get<int64_t>());
  if (error.is_object() && error.contains("message")
      && error["message"].is_string())
    out += ": " + error["message"].get<std::string>();
  else
    out += ": " + error.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

std::string cli_usage() {
  std::string out
    = "Usage: time-cli [--datadir=DIR] [--conf=FILE] [--rpcport=N]\n"
      "                [--rpcconnect=HOST] [--devnet|--testnet]\n"
      "                [--rpcwait] [--rpcwaittimeout=SECONDS] METHOD "
      "[ARG...]\n"
      "       time-cli --version\n"
      "\n"
      "Sends one JSON-RPC request to timed, authenticated with the cookie in\n"
      "<datadir>/.cookie, and prints the result: strings as they are, other\n"
      "values as JSON. Reads time.conf as timed does; given neither --conf\n"
      "nor --datadir, and with no ./data/<network> here, reads the\n"
      "service's /etc/timecoin/time.conf if it can. Exit status 0 on\n"
      "success, 1 on any error (printed to stderr).\n"
      "\n"
      "  --rpcwait                  wait until the node is up and answers\n"
      "  --rpcwaittimeout=SECONDS   with --rpcwait, give up after this long\n"
      "                             (0: never) [0]\n"
      "  --version                  print the version and exit\n"
      "\n"
      "Methods:\n";
  for (const auto& m : all_methods())
    out += "  " + signature(m) + "\n";
  return out;
}

} // namespace timecoin::rpc
