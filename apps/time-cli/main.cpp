// time-cli: sends one JSON-RPC request to timed and prints the answer.
//
// Exit status: 0 on success (or --help, --version); 1 on any error (usage,
// configuration, no cookie, connection refused, HTTP or JSON-RPC error, or
// --rpcwait's timeout), printed to stderr.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "apps/rpc/auth.hpp"
#include "apps/rpc/cli.hpp"
#include "config/parser.hpp"
#include "timecoin/version.hpp"

namespace {

using namespace timecoin;

constexpr int exit_ok = 0;
constexpr int exit_error = 1;
/// A node that does not accept within this long is not there.
constexpr auto connect_timeout = std::chrono::seconds{5};
/// How often --rpcwait asks again: timed is up within a second of its start,
/// and a refused connection costs it nothing.
constexpr auto rpcwait_interval = std::chrono::milliseconds{250};

int fail(const std::string& message) {
  std::fprintf(stderr, "time-cli: %s\n", message.c_str());
  return exit_error;
}

std::string address(const std::string& host, uint16_t port) {
  return host.find(':') != std::string::npos
           ? "[" + host + "]:" + std::to_string(port)
           : host + ":" + std::to_string(port);
}

/// The node's reply to one request, or why there is none.
struct exchange {
  std::optional<rpc::json> reply;
  std::string error;
  /// The node is not up yet, so --rpcwait asks again: there is no cookie
  /// (timed writes it once its ports are bound), the connection failed, or
  /// the node refused a cookie that has since been replaced (a new node
  /// started).
  bool not_ready = false;
};

/// Sends `request` with the cookie in `cookie_path`.
exchange send_request(const node_config& cfg, const std::string& cookie_path,
                      const rpc::json& request,
                      std::chrono::milliseconds read_timeout) {
  exchange out;
  auto cookie = rpc::read_cookie(cookie_path);
  if (!cookie) {
    std::error_code ec;
    out.not_ready = !std::filesystem::exists(cookie_path, ec) && !ec;
    out.error = cookie.error().message
                + " (is timed running with this data directory?)";
    return out;
  }
  auto where = address(cfg.rpcconnect, cfg.rpc_port());
  httplib::Client client{cfg.rpcconnect, cfg.rpc_port()};
  client.set_connection_timeout(connect_timeout);
  client.set_read_timeout(read_timeout);
  httplib::Headers headers{{"Authorization", rpc::basic_auth_header(*cookie)}};
  auto res = client.Post("/", headers,
                         request.dump(-1, ' ', false,
                                      rpc::json::error_handler_t::replace),
                         "application/json");
  if (!res) {
    if (res.error() == httplib::Error::Connection
        || res.error() == httplib::Error::ConnectionTimeout) {
      out.not_ready = true;
      out.error = "cannot connect to the node at " + where
                  + ": is timed running?";
    } else {
      out.error = "request to " + where
                  + " failed: " + httplib::to_string(res.error());
    }
    return out;
  }
  if (res->status == 401) {
    auto now = rpc::read_cookie(cookie_path);
    out.not_ready = !now || *now != *cookie;
    out.error = "the node at " + where + " refused the cookie in " + cookie_path
                + " (is it this node's data directory?)";
    return out;
  }
  if (res->status != 200) {
    out.error = "the node at " + where + " answered HTTP "
                + std::to_string(res->status);
    return out;
  }
  auto reply = rpc::json::parse(res->body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    out.error = "the node's answer is not a JSON-RPC response";
    return out;
  }
  out.reply = std::move(reply);
  return out;
}

/// Parses timed's options as timed would, reading the service's
/// configuration where rpc::use_system_conf says so.
result<parsed_args, config_error>
parse_node_options(const char* argv0, std::vector<std::string> options) {
  auto parse = [argv0](const std::vector<std::string>& opts) {
    std::vector<const char*> opt_argv{argv0};
    for (const auto& opt : opts)
      opt_argv.push_back(opt.c_str());
    return parse_command_line(static_cast<int>(opt_argv.size()),
                              opt_argv.data());
  };
  auto args = parse(options);
  if (!args || !args->conf_file.empty())
    return args;
  std::error_code ec;
  bool default_dir = std::filesystem::is_directory(args->config.data_dir(), ec);
  std::string system_conf{rpc::system_conf_file};
  bool readable = ::access(system_conf.c_str(), R_OK) == 0;
  if (!rpc::use_system_conf(options, default_dir, readable))
    return args;
  options.insert(options.begin(), "--conf=" + system_conf);
  return parse(options);
}

} // namespace

int main(int argc, char** argv) {
  // cpp-httplib writes without MSG_NOSIGNAL: a server that closes while a
  // large request is being sent (over its body limit) must give an error
  // message, not kill time-cli with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  auto call = rpc::split_cli_args(argc, argv);
  for (const auto& opt : call.options)
    if (opt == "--help" || opt == "-h") {
      std::fputs(rpc::cli_usage().c_str(), stdout);
      return exit_ok;
    }
  auto opts = rpc::read_cli_options(call.options);
  if (!opts)
    return fail(opts.error());
  if (opts->version) {
    std::printf("time-cli %.*s\n", static_cast<int>(version.size()),
                version.data());
    return exit_ok;
  }
  if (call.method.empty())
    return fail("no method given (try: time-cli help, or time-cli --help)");

  // The options are timed's: time-cli reads the same time.conf.
  auto args = parse_node_options(argv[0], opts->node_options);
  if (!args)
    return fail(args.error().message);
  const auto& cfg = args->config;

  auto request = rpc::make_call(call.method, call.args, 1);
  if (!request)
    return fail(request.error());

  auto cookie_path = (std::filesystem::path{cfg.data_dir()}
                      / std::string{rpc::cookie_file_name})
                       .string();
  auto deadline = std::chrono::steady_clock::now() + opts->rpcwait_timeout;
  exchange done;
  for (;;) {
    done = send_request(cfg, cookie_path, *request,
                        rpc::cli_read_timeout(call.method));
    if (done.reply || !done.not_ready || !opts->rpcwait)
      break;
    auto now = std::chrono::steady_clock::now();
    if (opts->rpcwait_timeout.count() != 0 && now >= deadline)
      return fail(done.error + " (gave up after "
                  + std::to_string(opts->rpcwait_timeout.count())
                  + " s: --rpcwaittimeout)");
    auto pause = std::chrono::duration_cast<std::chrono::milliseconds>(
      rpcwait_interval);
    if (opts->rpcwait_timeout.count() != 0)
      pause = std::min(pause,
                       std::chrono::duration_cast<std::chrono::milliseconds>(
                         deadline - now));
    std::this_thread::sleep_for(pause);
  }
  if (!done.reply)
    return fail(done.error);
  auto& reply = *done.reply;
  if (reply.contains("error") && !reply["error"].is_null())
    return fail(rpc::format_error(reply["error"]));
  auto text = rpc::format_result(reply.value("result", rpc::json{}));
  if (!text.empty())
    std::printf("%s\n", text.c_str());
  return exit_ok;
}
