#include "apps/rpc/dispatcher.hpp"

#include <algorithm>
#include <string>

#include "apps/rpc/render.hpp"
#include "config/values.hpp"

namespace timecoin::rpc {

namespace {

/// Column where `help` starts a method's summary.
constexpr std::size_t help_summary_column = 40;

rpc_error unavailable(const backend_error& err) {
  return rpc_error{rpc_code::node_unavailable, err.message};
}

rpc_error invalid(std::string message) {
  return rpc_error{rpc_code::invalid_params, std::move(message)};
}

} // namespace

dispatcher::dispatcher(node_backend& backend,
                       std::chrono::steady_clock::time_point started)
  : backend_(backend), started_(started) {
  // nop
}

result<json, rpc_error> dispatcher::operator()(const rpc_request& req) const {
  const auto* method = find_method(req.method);
  if (method == nullptr)
    return rpc_error{rpc_code::method_not_found,
                     "method not found: '" + printable(req.method) + "'"};
  auto params = bind_params(*method, req.params);
  if (!params)
    return params.error();
  return call(*method, *params);
}

result<json, rpc_error> dispatcher::call(const method_spec& method,
                                         const args& params) const {
  auto name = method.name;
  if (name == "getnetworkinfo") {
    auto info = backend_.status();
    if (!info)
      return unavailable(info.error());
    return render_network_info(*info);
  }
  if (name == "getpeerinfo") {
    auto peers = backend_.peers();
    if (!peers)
      return unavailable(peers.error());
    auto out = json::array();
    for (const auto& p : *peers)
      out.push_back(render_peer_info(p));
    return out;
  }
  if (name == "getaddednodeinfo") {
    auto nodes = backend_.added_nodes();
    if (!nodes)
      return unavailable(nodes.error());
    auto out = json::array();
    for (const auto& n : *nodes)
      out.push_back(render_added_node(n));
    return out;
  }
  if (name == "addnode")
    return addnode(params);
  if (name == "disconnectnode")
    return disconnectnode(params);
  if (name == "uptime") {
    auto up = std::chrono::steady_clock::now() - started_;
    return json(std::chrono::duration_cast<std::chrono::seconds>(up).count());
  }
  if (name == "stop") {
    backend_.request_stop();
    return json(std::string{stop_reply});
  }
  if (name == "help")
    return help(params);
  return rpc_error{rpc_code::internal_error,
                   "method '" + std::string{name} + "' has no handler"};
}

result<json, rpc_error> dispatcher::addnode(const args& params) const {
  auto text = params[0].get<std::string>();
  auto addr = parse_peer_address(text);
  if (!addr)
    return invalid("'" + printable(text)
                   + "' is not host:port (IPv4:port, [IPv6]:port or "
                     "hostname:port)");
  auto command = params[1].get<std::string>();
  addnode_mode mode;
  if (command == "add")
    mode = addnode_mode::add;
  else if (command == "remove")
    mode = addnode_mode::remove;
  else if (command == "onetry")
    mode = addnode_mode::onetry;
  else
    return invalid("command must be add, remove or onetry, not '"
                   + printable(command) + "'");
  auto ok = backend_.addnode(addr->to_string(), mode);
  if (!ok)
    return unavailable(ok.error());
  if (!*ok) {
    if (mode == addnode_mode::remove)
      return rpc_error{rpc_code::node_not_added,
                       "node " + addr->to_string() + " has not been added"};
    return rpc_error{rpc_code::address_unusable,
                     "the node cannot use the address " + addr->to_string()};
  }
  return json(nullptr);
}

result<json, rpc_error> dispatcher::disconnectnode(const args& params) const {
  auto text = params[0].get<std::string>();
  std::string target;
  if (auto id = parse_hex_key(text))
    target = *id;
  else if (auto addr = parse_peer_address(text))
    target = addr->to_string();
  else
    return invalid("'" + printable(text)
                   + "' is neither host:port nor a node id (64 hex "
                     "characters)");
  auto ok = backend_.disconnect(target);
  if (!ok)
    return unavailable(ok.error());
  if (!*ok)
    return rpc_error{rpc_code::node_not_connected,
                     "no connected peer " + target};
  return json(nullptr);
}

result<json, rpc_error> dispatcher::help(const args& params) const {
  if (!params[0].is_null()) {
    auto name = params[0].get<std::string>();
    const auto* method = find_method(name);
    if (method == nullptr)
      return invalid("unknown method '" + printable(name) + "'");
    return json(std::string{method->help});
  }
  std::string out;
  for (const auto& m : all_methods()) {
    auto line = signature(m);
    line.resize(std::max(line.size() + 1, help_summary_column), ' ');
    out += line + std::string{m.summary} + "\n";
  }
  return json(out);
}

} // namespace timecoin::rpc
