#include "apps/rpc/dispatcher.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <string_view>

#include "apps/rpc/render.hpp"
#include "config/values.hpp"
#include "protocol/types.hpp"

namespace timecoin::rpc {

namespace {

/// Column where `help` starts a method's summary.
constexpr std::size_t help_summary_column = 40;

/// A failed backend call: -32000 if the node did not answer, else
/// `refused` with the node's own text.
rpc_error node_error(const backend_error& err,
                     rpc_code refused = rpc_code::misc_error) {
  if (err.code == backend_errc::refused)
    return rpc_error{refused, err.message};
  return rpc_error{rpc_code::node_unavailable, err.message};
}

rpc_error unavailable(const backend_error& err) {
  return node_error(err);
}

rpc_error invalid(std::string message) {
  return rpc_error{rpc_code::invalid_params, std::move(message)};
}

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
/// absent or 0 is default_ban_seconds.
result<int64_t, rpc_error> ban_seconds(const json& value) {
  if (value.is_null())
    return default_ban_seconds;
  auto range = "bantime must be a whole number of seconds from 0 to "
               + std::to_string(max_ban_seconds);
  // Whole numbers that fit in 64 bits are integers; 1.5 and 1e30 are not.
  if (!value.is_number_integer())
    return invalid(range);
  if (!value.is_number_unsigned() && value.get<int64_t>() < 0)
    return invalid(range);
  auto seconds = value.get<uint64_t>();
  if (seconds > static_cast<uint64_t>(max_ban_seconds))
    return invalid(range);
  if (seconds == 0)
    return default_ban_seconds;
  return static_cast<int64_t>(seconds);
}

/// A whole number from `min` to `max` (1.5, -1 and 1e30 are not).
result<uint64_t, rpc_error> whole_number(const json& value,
                                         std::string_view name, uint64_t min,
                                         uint64_t max) {
  auto range = std::string{name} + " must be a whole number from "
               + std::to_string(min)
               + (max == UINT64_MAX ? std::string{}
                                    : " to " + std::to_string(max));
  if (!value.is_number_integer())
    return invalid(range);
  if (!value.is_number_unsigned() && value.get<int64_t>() < 0)
    return invalid(range);
  auto n = value.get<uint64_t>();
  if (n < min || n > max)
    return invalid(range);
  return n;
}

/// What `getblock` asks the node for: a lowercase hash or a decimal height.
struct block_query {
  std::string text;
  bool by_height = false;
};

/// `getblock`'s first parameter: 64 hex characters (either case), a whole
/// number, or a decimal string.
result<block_query, rpc_error> parse_block_query(const json& value) {
  if (value.is_number()) {
    auto height = whole_number(value, "height", 0, UINT64_MAX);
    if (!height)
      return height.error();
    return block_query{std::to_string(*height), true};
  }
  auto text = value.get<std::string>();
  if (auto hash = parse_hex_key(text))
    return block_query{*hash, false};
  if (auto height = parse_uint(text, 0, UINT64_MAX))
    return block_query{std::to_string(*height), true};
  return invalid("'" + printable(text)
                 + "' is neither a block hash (64 hex characters) nor a "
                   "height");
}

/// Now, in unix seconds, for `listbanned`'s time_remaining.
int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
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
  if (name == "setban")
    return setban(params);
  if (name == "listbanned")
    return listbanned();
  if (name == "clearbanned")
    return clearbanned();
  if (name == "getblockchaininfo")
    return getblockchaininfo();
  if (name == "getblockcount" || name == "getbestblockhash") {
    auto info = backend_.chain();
    if (!info)
      return node_error(info.error());
    if (name == "getblockcount")
      return json(info->blocks);
    return json(render_chain_info(*info)["bestblockhash"]);
  }
  if (name == "getblockhash")
    return getblockhash(params);
  if (name == "getblock")
    return getblock(params);
  if (name == "generate")
    return generate(params);
  if (name == "verifychain")
    return verifychain();
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

result<json, rpc_error> dispatcher::setban(const args& params) const {
  auto subnet = params[0].get<std::string>();
  if (!is_subnet(subnet))
    return invalid("'" + printable(subnet)
                   + "' is not an IP address or subnet (1.2.3.4, 10.0.0.0/8, "
                     "2001:db8::/32)");
  auto command = params[1].get<std::string>();
  if (command != "add" && command != "remove")
    return invalid("command must be add or remove, not '" + printable(command)
                   + "'");
  auto seconds = ban_seconds(params[2]);
  if (!seconds)
    return seconds.error();
  bool add = command == "add";
  auto ok = backend_.setban(subnet, add, *seconds);
  if (!ok)
    return unavailable(ok.error());
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

result<json, rpc_error> dispatcher::listbanned() const {
  auto bans = backend_.list_banned();
  if (!bans)
    return unavailable(bans.error());
  auto now = unix_now();
  auto out = json::array();
  for (const auto& b : *bans)
    out.push_back(render_ban_info(b, now));
  return out;
}

result<json, rpc_error> dispatcher::clearbanned() const {
  auto ok = backend_.clear_banned();
  if (!ok)
    return unavailable(ok.error());
  if (!*ok)
    return rpc_error{rpc_code::misc_error, "the node did not clear its bans"};
  return json(nullptr);
}

result<json, rpc_error> dispatcher::getblockchaininfo() const {
  auto info = backend_.chain();
  if (!info)
    return node_error(info.error());
  return render_chain_info(*info);
}

result<json, rpc_error> dispatcher::getblockhash(const args& params) const {
  auto height = whole_number(params[0], "height", 0, UINT64_MAX);
  if (!height)
    return height.error();
  auto hash = backend_.block_hash(*height);
  if (!hash)
    return node_error(hash.error(), rpc_code::invalid_parameter);
  return json(*hash);
}

result<json, rpc_error> dispatcher::getblock(const args& params) const {
  auto query = parse_block_query(params[0]);
  if (!query)
    return query.error();
  // bitcoind's verbosity: 0 is false, 1 true (bind_params allows no other).
  bool verbose = params[1].is_null() || params[1] == true || params[1] == 1;
  auto block = backend_.block(query->text);
  if (!block)
    return node_error(block.error(), query->by_height
                                       ? rpc_code::invalid_parameter
                                       : rpc_code::not_found);
  if (!verbose)
    return json(proto::to_hex(block->encoded));
  auto out = render_block(*block);
  if (!out)
    return rpc_error{rpc_code::internal_error,
                     "the node's block " + block->hash
                       + " does not decode: " + out.error()};
  return std::move(*out);
}

result<json, rpc_error> dispatcher::generate(const args& params) const {
  auto n = whole_number(params[0], "nblocks", 1, max_generate_blocks);
  if (!n)
    return n.error();
  uint64_t txs = 0;
  if (!params[1].is_null()) {
    auto t = whole_number(params[1], "txs_per_block", 0, max_generate_txs);
    if (!t)
      return t.error();
    txs = *t;
  }
  auto hashes = backend_.generate(static_cast<uint32_t>(*n),
                                  static_cast<uint32_t>(txs));
  if (!hashes)
    return node_error(hashes.error());
  return json(*hashes);
}

result<json, rpc_error> dispatcher::verifychain() const {
  auto problem = backend_.verify_chain();
  if (!problem)
    return node_error(problem.error());
  if (!problem->empty())
    return rpc_error{rpc_code::misc_error,
                     "the chain store is inconsistent: " + *problem};
  return json(true);
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
