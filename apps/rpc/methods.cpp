#include "apps/rpc/methods.hpp"

#include <algorithm>
#include <string>

namespace timecoin::rpc {

namespace {

std::vector<method_spec> make_methods() {
  using p = param_spec;
  return {
    {"getnetworkinfo", {}, "the node: id, network, version, connections",
     "getnetworkinfo\n"
     "The node as a whole: nodeid, network, protocolversion, subversion,\n"
     "connections (in, out, total), localaddresses, blocks, bestblockhash."},
    {"getpeerinfo", {}, "one object per connected peer",
     "getpeerinfo\n"
     "One object per connected peer: id (node id), addr, inbound, services\n"
     "(hex) and servicesnum, servicesnames, subver, listenport, conntime\n"
     "(unix s), pingtime (s; absent before the first pong), bytessent,\n"
     "bytesrecv, msgssent, msgsrecv, bestheight, violations (protocol\n"
     "violations charged to the peer), ratelimited (frames dropped over the\n"
     "rate limit)."},
    {"addnode",
     {p{"node", param_type::string, true}, p{"command", param_type::string, true}},
     "add, remove or try once a peer",
     "addnode \"host:port\" \"add|remove|onetry\"\n"
     "add: dial the peer now and re-dial it forever; remove: stop re-dialling\n"
     "it (an open connection stays); onetry: dial it once."},
    {"getaddednodeinfo", {}, "the configured outbound peers and their states",
     "getaddednodeinfo\n"
     "One object per peer given with addnode, masternodepeer or addnode\n"
     "onetry: addednode (host:port), state (connecting, connected,\n"
     "reconnecting, disconnected), connected, id (once known), persistent,\n"
     "masternode, attempts (failed since the last lasting connection),\n"
     "nextattempt (s, while reconnecting)."},
    {"disconnectnode", {p{"node", param_type::string, true}},
     "close the connection to a peer",
     "disconnectnode \"host:port\" | \"nodeid\"\n"
     "Closes the connection to the peer with that address or node id (64 hex\n"
     "characters)."},
    {"setban",
     {p{"subnet", param_type::string, true},
      p{"command", param_type::string, true},
      p{"bantime", param_type::number, false}},
     "ban or unban an address or subnet",
     "setban \"ip|cidr\" \"add|remove\" [bantime]\n"
     "add: refuse connections from the address or subnet (1.2.3.4,\n"
     "10.0.0.0/8, 2001:db8::1, 2001:db8::/32) for bantime seconds\n"
     "(absent or 0: 86400, 24 h; at most 100 years). A ban already there\n"
     "is extended if the new one ends later, never shortened.\n"
     "remove: lift the ban of exactly that address or subnet (not of a\n"
     "range covering it); bantime is checked but unused.\n"
     "Bans survive restarts (banlist.json in the data directory)."},
    {"listbanned", {}, "the bans in force",
     "listbanned\n"
     "One object per ban in force, automatic or manual: address (ip or\n"
     "cidr), ban_created (unix s; when made or last extended), banned_until\n"
     "(unix s), ban_duration (s), time_remaining (s), ban_reason (\"manual\",\n"
     "or the violations that led to it)."},
    {"clearbanned", {}, "lift every ban",
     "clearbanned\nLifts every ban, automatic and manual."},
    {"uptime", {}, "seconds since timed started",
     "uptime\nSeconds since timed started (a number)."},
    {"stop", {}, "stop timed",
     "stop\nShuts timed down cleanly, as SIGTERM does."},
    {"help", {p{"command", param_type::string, false}},
     "list the methods, or explain one",
     "help [\"command\"]\nLists the methods, or explains one of them."},
  };
}

bool has_type(const json& value, param_type type) {
  switch (type) {
    case param_type::string:
      return value.is_string();
    case param_type::number:
      return value.is_number();
    case param_type::boolean:
      return value.is_boolean();
  }
  return false;
}

std::string_view type_name(param_type type) {
  switch (type) {
    case param_type::string:
      return "a string";
    case param_type::number:
      return "a number";
    case param_type::boolean:
      return "a boolean";
  }
  return "?";
}

rpc_error invalid(std::string message) {
  return rpc_error{rpc_code::invalid_params, std::move(message)};
}

} // namespace

const std::vector<method_spec>& all_methods() {
  static const std::vector<method_spec> methods = make_methods();
  return methods;
}

const method_spec* find_method(std::string_view name) {
  const auto& methods = all_methods();
  auto i = std::find_if(methods.begin(), methods.end(),
                        [&](const method_spec& m) { return m.name == name; });
  return i == methods.end() ? nullptr : &*i;
}

result<std::vector<json>, rpc_error> bind_params(const method_spec& method,
                                                 const json& params) {
  const auto& specs = method.params;
  std::vector<json> out(specs.size(), nullptr);
  auto usage = " (usage: " + signature(method) + ")";
  if (params.is_array()) {
    if (params.size() > specs.size())
      return invalid(std::string{method.name} + " takes at most "
                     + std::to_string(specs.size()) + " parameters" + usage);
    for (std::size_t i = 0; i < params.size(); ++i)
      out[i] = params[i];
  } else if (params.is_object()) {
    for (const auto& [name, value] : params.items()) {
      auto spec = std::find_if(specs.begin(), specs.end(),
                               [&](const param_spec& s) {
                                 return s.name == name;
                               });
      if (spec == specs.end())
        return invalid("unknown parameter '" + name + "'" + usage);
      out[static_cast<std::size_t>(spec - specs.begin())] = value;
    }
  } else if (!params.is_null()) {
    return invalid("params must be an array or an object");
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    if (out[i].is_null()) {
      if (spec.required)
        return invalid("missing parameter '" + std::string{spec.name} + "'"
                       + usage);
      continue;
    }
    if (!has_type(out[i], spec.type))
      return invalid("parameter '" + std::string{spec.name} + "' must be "
                     + std::string{type_name(spec.type)});
  }
  return out;
}

std::string signature(const method_spec& method) {
  std::string out{method.name};
  for (const auto& p : method.params) {
    auto name = p.type == param_type::string ? "\"" + std::string{p.name} + "\""
                                             : std::string{p.name};
    out += p.required ? " " + name : " [" + name + "]";
  }
  return out;
}

} // namespace timecoin::rpc
