// time-cli: sends one JSON-RPC request to timed and prints the answer.
//
// Exit status: 0 on success; 1 on any error (usage, configuration, no
// cookie, connection refused, HTTP or JSON-RPC error), printed to stderr.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <httplib.h>

#include "apps/rpc/auth.hpp"
#include "apps/rpc/cli.hpp"
#include "config/parser.hpp"

namespace {

using namespace timecoin;

constexpr int exit_ok = 0;
constexpr int exit_error = 1;
/// A node that does not accept within this long is not there.
constexpr auto connect_timeout = std::chrono::seconds{5};

int fail(const std::string& message) {
  std::fprintf(stderr, "time-cli: %s\n", message.c_str());
  return exit_error;
}

std::string address(const std::string& host, uint16_t port) {
  return host.find(':') != std::string::npos
           ? "[" + host + "]:" + std::to_string(port)
           : host + ":" + std::to_string(port);
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
  if (call.method.empty())
    return fail("no method given (try: time-cli help, or time-cli --help)");

  // The options are timed's: time-cli reads the same time.conf.
  std::vector<const char*> opt_argv{argv[0]};
  for (const auto& opt : call.options)
    opt_argv.push_back(opt.c_str());
  auto args = parse_command_line(static_cast<int>(opt_argv.size()),
                                 opt_argv.data());
  if (!args)
    return fail(args.error().message);
  const auto& cfg = args->config;

  auto request = rpc::make_call(call.method, call.args, 1);
  if (!request)
    return fail(request.error());

  auto cookie_path = (std::filesystem::path{cfg.data_dir()}
                      / std::string{rpc::cookie_file_name})
                       .string();
  auto cookie = rpc::read_cookie(cookie_path);
  if (!cookie)
    return fail(cookie.error().message
                + " (is timed running with this data directory?)");

  auto where = address(cfg.rpcconnect, cfg.rpc_port());
  httplib::Client client{cfg.rpcconnect, cfg.rpc_port()};
  client.set_connection_timeout(connect_timeout);
  client.set_read_timeout(rpc::cli_read_timeout(call.method));
  httplib::Headers headers{{"Authorization", rpc::basic_auth_header(*cookie)}};
  auto res = client.Post(
    "/", headers,
    request->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
    "application/json");
  if (!res) {
    if (res.error() == httplib::Error::Connection)
      return fail("cannot connect to the node at " + where
                  + ": is timed running?");
    return fail("request to " + where
                + " failed: " + httplib::to_string(res.error()));
  }
  if (res->status == 401)
    return fail("the node at " + where + " refused the cookie in " + cookie_path
                + " (is it this node's data directory?)");
  if (res->status != 200)
    return fail("the node at " + where + " answered HTTP "
                + std::to_string(res->status));
  auto reply = rpc::json::parse(res->body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object())
    return fail("the node's answer is not a JSON-RPC response");
  if (reply.contains("error") && !reply["error"].is_null())
    return fail(rpc::format_error(reply["error"]));
  auto text = rpc::format_result(reply.value("result", rpc::json{}));
  if (!text.empty())
    std::printf("%s\n", text.c_str());
  return exit_ok;
}
