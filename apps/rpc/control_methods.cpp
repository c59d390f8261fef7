// The control methods: uptime, stop and help.

#include <chrono>
#include <string>

#include "apps/rpc/help.hpp"
#include "apps/rpc/method_groups.hpp"
#include "protocol/printable.hpp"

namespace timecoin::rpc {

namespace {

result<json, rpc_error> uptime(const method_call& call) {
  auto up = std::chrono::steady_clock::now() - call.started;
  return json(std::chrono::duration_cast<std::chrono::seconds>(up).count());
}

result<json, rpc_error> stop(const method_call& call) {
  call.backend.request_stop();
  return json(std::string{stop_reply});
}

result<json, rpc_error> help(const method_call& call) {
  if (call.args[0].is_null())
    return json(method_list());
  auto name = call.args[0].get<std::string>();
  const auto* method = find_method(name);
  if (method == nullptr)
    return invalid_params(call.method,
                          "unknown method '" + printable(name) + "'");
  return json(method_help(*method));
}

} // namespace

std::vector<method_spec> control_methods() {
  using p = param_spec;
  using t = param_type;
  return {
    {"uptime",
     {},
     "seconds since timed started",
     "Seconds since timed started (a number).",
     {""},
     uptime},
    {"stop",
     {},
     "stop timed",
     "Shuts timed down cleanly, as SIGTERM does.",
     {""},
     stop},
    {"help",
     {p{"command", t::string, false, nullptr,
        "A method's name; without it, the list of methods."}},
     "list the methods, or explain one",
     "Lists the methods, or explains one of them: its parameters, what it\n"
     "returns, and examples.",
     {"", "getblock"},
     help},
  };
}

} // namespace timecoin::rpc
