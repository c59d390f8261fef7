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
    {"getblockchaininfo", {}, "the chain: tip, UTXO set, sync state",
     "getblockchaininfo\n"
     "The chain and its synchronisation: chain (the network), blocks (tip\n"
     "height), bestblockhash, utxo_root, utxos (unspent outputs), time (the\n"
     "tip's timestamp, unix s), pruneheight (the lowest stored block; > 0\n"
     "after a fast sync), snapshots (heights of the UTXO snapshots served),\n"
     "sync: state (idle, headers, snapshot, blocks, fork), progress (0..1),\n"
     "peers_best_height, peers (downloaded from), blocks_per_second,\n"
     "rejected_blocks, rejected_snapshots, reorgs. Hashes in lowercase hex."},
    {"getblockcount", {}, "the tip's height",
     "getblockcount\nThe height of the tip (a number; genesis is 0)."},
    {"getbestblockhash", {}, "the tip's hash",
     "getbestblockhash\nThe hash of the tip (64 lowercase hex characters)."},
    {"getblockhash", {p{"height", param_type::number, true}},
     "the main chain's block hash at a height",
     "getblockhash height\n"
     "The hash of the main chain's block at height (a whole number from 0).\n"
     "Error -8 if the height is above the tip or below the lowest stored\n"
     "block."},
    {"getblock",
     {p{"blockhash", param_type::hash_or_height, true},
      p{"verbose", param_type::flag, false}},
     "a block, as JSON or hex",
     "getblock \"blockhash\"|height [verbose]\n"
     "The block with that hash (64 hex characters) or at that height of the\n"
     "main chain (a whole number, or a decimal string).\n"
     "verbose true (default, or 1): an object with hash, height,\n"
     "confirmations, version, previousblockhash (64 zeros for genesis),\n"
     "merkleroot, utxo_root, time, producer, producer_signature, size (bytes\n"
     "encoded) and tx, one object per transaction: txid, version, locktime,\n"
     "vin ([{txid, vout, signature}]; empty for the coinbase), vout\n"
     "([{n, value, owner}]; value in base units, 10^8 per TIME).\n"
     "verbose false (or 0): the block's MessagePack encoding as hex.\n"
     "Error -5 if no block has that hash, -8 if no block is stored at that\n"
     "height."},
    {"generate",
     {p{"nblocks", param_type::number, true},
      p{"txs_per_block", param_type::number, false}},
     "devnet: produce blocks now",
     "generate nblocks [txs_per_block]\n"
     "Devnet only: produces nblocks blocks (1 to 10000) signed with the\n"
     "devnet producer key, each carrying up to txs_per_block transactions\n"
     "(0 to 1000, default 0), applies and gossips them. Returns their\n"
     "hashes, in order.\n"
     "Large requests take a while: the server waits up to 10 minutes.\n"
     "Error -1 with the node's reason if it refuses (not on devnet)."},
    {"verifychain", {}, "check the chain store's consistency",
     "verifychain\n"
     "Checks that the stored chain is consistent. true if it is; otherwise\n"
     "error -1 whose message says what is wrong."},
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
    case param_type::hash_or_height:
      return value.is_string() || value.is_number();
    case param_type::flag:
      return value.is_boolean()
             || (value.is_number_integer() && (value == 0 || value == 1));
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
    case param_type::hash_or_height:
      return "a block hash (string) or a height (number)";
    case param_type::flag:
      return "a boolean (or 0 or 1)";
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
    auto name = std::string{p.name};
    if (p.type == param_type::string)
      name = "\"" + name + "\"";
    else if (p.type == param_type::hash_or_height)
      name = "\"" + name + "\"|height";
    out += p.required ? " " + name : " [" + name + "]";
  }
  return out;
}

} // namespace timecoin::rpc
