// The network methods: peers, added nodes and bans.

#include <cstdint>
#include <string>
#include <string_view>

#include "apps/rpc/method_groups.hpp"
#include "apps/rpc/render.hpp"
#include "config/values.hpp"
#include "protocol/printable.hpp"
#include "protocol/unix_time.hpp"

namespace timecoin::rpc {

namespace {

/// Digits a subnet's prefix length may have ("/024" is 24), as many as the
/// node's subnet parser takes.
constexpr std::size_t max_prefix_digits = 3;

/// An IPv4 or IPv6 address with an optional "/prefix" (0-32 or 0-128). The
/// node parses it again; checking here gives the caller a clear -32602.
bool is_subnet(std::string_view text) {
  auto slash = text.find('/');
  auto addr = text.substr(0, slash);
  if (!is_ip_literal(addr))
    return false;
  if (slash == std::string_view::npos)
    return true;
  auto prefix = text.substr(slash + 1);
  auto max_prefix = is_ipv4_literal(addr) ? 32u : 128u;
  return prefix.size() <= max_prefix_digits
         && parse_uint(prefix, 0, max_prefix).has_value();
}

/// `setban`'s bantime: a whole number of seconds, 0 to max_ban_seconds;
/// 0 is default_ban_seconds.
result<int64_t, rpc_error> ban_seconds(const method_call& call,
                                       const json& value) {
  auto range = "bantime must be a whole number of seconds from 0 to "
               + std::to_string(max_ban_seconds);
  // Whole numbers that fit in 64 bits are integers; 1.5 and 1e30 are not.
  if (!value.is_number_integer())
    return invalid_params(call.method, range);
  if (!value.is_number_unsigned() && value.get<int64_t>() < 0)
    return invalid_params(call.method, range);
  auto seconds = value.get<uint64_t>();
  if (seconds > static_cast<uint64_t>(max_ban_seconds))
    return invalid_params(call.method, range);
  if (seconds == 0)
    return default_ban_seconds;
  return static_cast<int64_t>(seconds);
}

result<json, rpc_error> getnetworkinfo(const method_call& call) {
  auto info = call.backend.status();
  if (!info)
    return node_error(info.error());
  return render_network_info(*info);
}

result<json, rpc_error> getpeerinfo(const method_call& call) {
  auto peers = call.backend.peers();
  if (!peers)
    return node_error(peers.error());
  auto out = json::array();
  for (const auto& p : *peers)
    out.push_back(render_peer_info(p));
  return out;
}

result<json, rpc_error> getconnectioncount(const method_call& call) {
  auto info = call.backend.status();
  if (!info)
    return node_error(info.error());
  return json(info->connections_in + info->connections_out);
}

/// `getnodeaddresses`' count: at most this many (as bitcoind, 0 is all).
constexpr uint64_t max_node_addresses = 2500;

result<json, rpc_error> getnodeaddresses(const method_call& call) {
  auto count = whole_number(call, call.args[0], "count", 0, max_node_addresses);
  if (!count)
    return count.error();
  auto addrs = call.backend.node_addresses(
    static_cast<uint32_t>(*count == 0 ? max_node_addresses : *count));
  if (!addrs)
    return node_error(addrs.error());
  auto out = json::array();
  for (const auto& a : *addrs) {
    json e{{"address", a.host},
           {"port", a.port},
           {"services", a.services},
           {"time", a.last_seen},
           {"tried", a.tried}};
    if (!a.node_id.empty())
      e["id"] = a.node_id;
    out.push_back(std::move(e));
  }
  return out;
}

result<json, rpc_error> addpeeraddress(const method_call& call) {
  auto host = call.args[0].get<std::string>();
  if (!is_ip_literal(host))
    return invalid_params(call.method,
                          "'" + printable(host) + "' is not an IP address");
  auto port = whole_number(call, call.args[1], "port", 1, 65535);
  if (!port)
    return port.error();
  auto ok = call.backend.add_peer_address(host, static_cast<uint16_t>(*port));
  if (!ok)
    return node_error(ok.error());
  return json{{"success", *ok}};
}

result<json, rpc_error> masternodelist(const method_call& call) {
  auto list = call.backend.masternodes();
  if (!list)
    return node_error(list.error());
  auto out = json::array();
  for (const auto& m : *list)
    out.push_back(json{{"id", m.node_id},
                       {"addr", m.host},
                       {"port", m.port},
                       {"collateral", m.collateral},
                       {"lastannounced", m.announced},
                       {"firstseen", m.first_seen}});
  return out;
}

result<json, rpc_error> addnode(const method_call& call) {
  auto text = call.args[0].get<std::string>();
  auto addr = parse_peer_address(text);
  if (!addr)
    return invalid_params(call.method,
                          "'" + printable(text)
                            + "' is not host:port (IPv4:port, [IPv6]:port or "
                              "hostname:port)");
  auto command = call.args[1].get<std::string>();
  addnode_mode mode;
  if (command == "add")
    mode = addnode_mode::add;
  else if (command == "remove")
    mode = addnode_mode::remove;
  else if (command == "onetry")
    mode = addnode_mode::onetry;
  else
    return invalid_params(call.method,
                          "command must be add, remove or onetry, not '"
                            + printable(command) + "'");
  auto ok = call.backend.addnode(addr->to_string(), mode);
  if (!ok)
    return node_error(ok.error());
  if (!*ok) {
    if (mode == addnode_mode::remove)
      return rpc_error{rpc_code::node_not_added,
                       "node " + addr->to_string() + " has not been added"};
    return rpc_error{rpc_code::address_unusable,
                     "the node cannot use the address " + addr->to_string()};
  }
  return json(nullptr);
}

result<json, rpc_error> getaddednodeinfo(const method_call& call) {
  auto nodes = call.backend.added_nodes();
  if (!nodes)
    return node_error(nodes.error());
  auto out = json::array();
  for (const auto& n : *nodes)
    out.push_back(render_added_node(n));
  return out;
}

result<json, rpc_error> disconnectnode(const method_call& call) {
  auto text = call.args[0].get<std::string>();
  std::string target;
  if (auto id = parse_hex_key(text))
    target = *id;
  else if (auto addr = parse_peer_address(text))
    target = addr->to_string();
  else
    return invalid_params(call.method,
                          "'" + printable(text)
                            + "' is neither host:port nor a node id (64 hex "
                              "characters)");
  auto ok = call.backend.disconnect(target);
  if (!ok)
    return node_error(ok.error());
  if (!*ok)
    return rpc_error{rpc_code::node_not_connected,
                     "no connected peer " + target};
  return json(nullptr);
}

result<json, rpc_error> setban(const method_call& call) {
  auto subnet = call.args[0].get<std::string>();
  if (!is_subnet(subnet))
    return invalid_params(call.method,
                          "'" + printable(subnet)
                            + "' is not an IP address or subnet (1.2.3.4, "
                              "10.0.0.0/8, 2001:db8::/32)");
  auto command = call.args[1].get<std::string>();
  if (command != "add" && command != "remove")
    return invalid_params(call.method, "command must be add or remove, not '"
                                         + printable(command) + "'");
  auto seconds = ban_seconds(call, call.args[2]);
  if (!seconds)
    return seconds.error();
  bool add = command == "add";
  auto ok = call.backend.setban(subnet, add, *seconds);
  if (!ok)
    return node_error(ok.error());
  // bitcoind answers -23 to an add of a subnet already banned; the node
  // extends that ban instead, so an add fails only if the node refuses the
  // subnet.
  if (!*ok) {
    if (add)
      return rpc_error{rpc_code::invalid_subnet,
                       "the node refused the subnet " + subnet};
    return rpc_error{rpc_code::invalid_subnet,
                     "unban failed: " + subnet
                       + " is not banned (remove lifts only a ban of exactly "
                         "that address or subnet)"};
  }
  return json(nullptr);
}

result<json, rpc_error> listbanned(const method_call& call) {
  auto bans = call.backend.list_banned();
  if (!bans)
    return node_error(bans.error());
  auto now = unix_now();
  auto out = json::array();
  for (const auto& b : *bans)
    out.push_back(render_ban_info(b, now));
  return out;
}

result<json, rpc_error> clearbanned(const method_call& call) {
  auto ok = call.backend.clear_banned();
  if (!ok)
    return node_error(ok.error());
  if (!*ok)
    return rpc_error{rpc_code::misc_error, "the node did not clear its bans"};
  return json(nullptr);
}

} // namespace

std::vector<method_spec> network_methods() {
  using p = param_spec;
  using t = param_type;
  return {
    {"getnetworkinfo",
     {},
     "the node: id, network, version, connections",
     "The node as a whole: nodeid, network, protocolversion, subversion,\n"
     "connections (in, out, total), localaddresses, blocks, bestblockhash.",
     {""},
     getnetworkinfo},
    {"getpeerinfo",
     {},
     "one object per connected peer",
     "One object per connected peer: id (node id), addr, inbound, services\n"
     "(hex) and servicesnum, servicesnames, subver, listenport, conntime\n"
     "(unix s), pingtime (s; absent before the first pong), bytessent,\n"
     "bytesrecv, msgssent, msgsrecv, bestheight, violations (protocol\n"
     "violations charged to the peer), ratelimited (frames dropped over the\n"
     "rate limit), connection_type (inbound, outbound, masternode, addnode,\n"
     "feeler, seed), masternode (in the masternode list or masternodepeer).",
     {""},
     getpeerinfo},
    {"getconnectioncount",
     {},
     "the number of connections",
     "The number of connected peers, inbound and outbound.",
     {""},
     getconnectioncount},
    {"getnodeaddresses",
     {p{"count", t::number, false, 1,
        "How many addresses at most, 0 for all (up to 2500)."}},
     "addresses from the address book",
     "Addresses the node knows (its address book), at random: address,\n"
     "port, services, time (last seen, unix s), tried (connected to\n"
     "before), id (node id, when known).",
     {"", "10", "0"},
     getnodeaddresses},
    {"addpeeraddress",
     {p{"address", t::string, true, nullptr, "An IPv4 or IPv6 address."},
      p{"port", t::number, true, nullptr, "Its P2P port."}},
     "add an address to the address book",
     "Adds the address to the address book, where the node may choose it\n"
     "for an outbound connection. {\"success\": false} if the book did not\n"
     "take it (known already, or no room in its bucket).",
     {"10.0.0.5 24200"},
     addpeeraddress},
    {"masternodelist",
     {},
     "the masternode list",
     "One object per masternode whose announcement this node accepted (its\n"
     "collateral of at least 1,000 TIME unspent and owned by its node id):\n"
     "id, addr, port, collateral (txid:vout), lastannounced (unix s),\n"
     "firstseen (unix s). Entries expire 65 minutes after their newest\n"
     "announcement and leave at once when their collateral is spent.",
     {""},
     masternodelist},
    {"addnode",
     {p{"node", t::string, true, nullptr,
        "The peer: IPv4:port, [IPv6]:port or hostname:port."},
      p{"command", t::string, true, nullptr, "add, remove or onetry."}},
     "add, remove or try once a peer",
     "add: dial the peer now and re-dial it forever; remove: stop re-dialling\n"
     "it (an open connection stays); onetry: dial it once.\n"
     "Error -24 on a remove of a peer that was not added, -30 if the node\n"
     "cannot use the address.",
     {"10.0.0.5:24200 add", "10.0.0.5:24200 remove",
      "seed.example:24200 onetry"},
     addnode},
    {"getaddednodeinfo",
     {},
     "the configured outbound peers and their states",
     "One object per peer given with addnode, masternodepeer or addnode\n"
     "onetry: addednode (host:port), state (connecting, connected,\n"
     "reconnecting, disconnected), connected, id (once known), persistent,\n"
     "masternode, attempts (failed since the last lasting connection),\n"
     "nextattempt (s, while reconnecting).",
     {""},
     getaddednodeinfo},
    {"disconnectnode",
     {p{"node", t::string, true, nullptr,
        "The peer's address (host:port) or node id (64 hex characters)."}},
     "close the connection to a peer",
     "Closes the connection to the peer with that address or node id.\n"
     "Error -29 if no such peer is connected.",
     {"10.0.0.5:24200"},
     disconnectnode},
    {"setban",
     {p{"subnet", t::string, true, nullptr,
        "An address or subnet: 1.2.3.4, 10.0.0.0/8, 2001:db8::1, "
        "2001:db8::/32."},
      p{"command", t::string, true, nullptr, "add or remove."},
      p{"bantime", t::number, false, default_ban_seconds,
        "Seconds, a whole number up to 100 years; 0 is the default. "
        "Checked but unused by remove."}},
     "ban or unban an address or subnet",
     "add: refuse connections from the address or subnet for bantime\n"
     "seconds. A ban already there is extended if the new one ends later,\n"
     "never shortened.\n"
     "remove: lift the ban of exactly that address or subnet (not of a\n"
     "range covering it); error -30 if there is none.\n"
     "Bans survive restarts (banlist.json in the data directory).",
     {"10.0.0.0/8 add 3600", "1.2.3.4 add", "1.2.3.4 remove"},
     setban},
    {"listbanned",
     {},
     "the bans in force",
     "One object per ban in force, automatic or manual: address (ip or\n"
     "cidr), ban_created (unix s; when made or last extended), banned_until\n"
     "(unix s), ban_duration (s), time_remaining (s), ban_reason (\"manual\",\n"
     "or the violations that led to it).",
     {""},
     listbanned},
    {"clearbanned",
     {},
     "lift every ban",
     "Lifts every ban, automatic and manual.",
     {""},
     clearbanned},
  };
}

} // namespace timecoin::rpc
