// The chain methods: its state, its blocks, devnet block production and the
// store's consistency check.

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "apps/rpc/method_groups.hpp"
#include "apps/rpc/render.hpp"
#include "config/values.hpp"
#include "protocol/printable.hpp"
#include "protocol/types.hpp"

namespace timecoin::rpc {

/// A whole number from `min` to `max` (1.5, -1 and 1e30 are not).
result<uint64_t, rpc_error> whole_number(const method_call& call,
                                         const json& value,
                                         std::string_view name, uint64_t min,
                                         uint64_t max) {
  auto range
    = std::string{name} + " must be a whole number from " + std::to_string(min)
      + (max == UINT64_MAX ? std::string{} : " to " + std::to_string(max));
  if (!value.is_number_integer())
    return invalid_params(call.method, range);
  if (!value.is_number_unsigned() && value.get<int64_t>() < 0)
    return invalid_params(call.method, range);
  auto n = value.get<uint64_t>();
  if (n < min || n > max)
    return invalid_params(call.method, range);
  return n;
}

namespace {

/// What `getblock` asks the node for: a lowercase hash or a decimal height.
struct block_query {
  std::string text;
  bool by_height = false;
};

/// `getblock`'s first parameter: 64 hex characters (either case), a whole
/// number, or a decimal string.
result<block_query, rpc_error> parse_block_query(const method_call& call,
                                                 const json& value) {
  if (value.is_number()) {
    auto height = whole_number(call, value, "height", 0, UINT64_MAX);
    if (!height)
      return height.error();
    return block_query{std::to_string(*height), true};
  }
  auto text = value.get<std::string>();
  if (auto hash = parse_hex_key(text))
    return block_query{*hash, false};
  if (auto height = parse_uint(text, 0, UINT64_MAX))
    return block_query{std::to_string(*height), true};
  return invalid_params(call.method,
                        "'" + printable(text)
                          + "' is neither a block hash (64 hex characters) "
                            "nor a height");
}

result<json, rpc_error> getblockchaininfo(const method_call& call) {
  auto info = call.backend.chain();
  if (!info)
    return node_error(info.error());
  return render_chain_info(*info);
}

result<json, rpc_error> getblockcount(const method_call& call) {
  auto info = call.backend.chain();
  if (!info)
    return node_error(info.error());
  return json(info->blocks);
}

result<json, rpc_error> getbestblockhash(const method_call& call) {
  auto info = call.backend.chain();
  if (!info)
    return node_error(info.error());
  return json(render_chain_info(*info)["bestblockhash"]);
}

result<json, rpc_error> getblockhash(const method_call& call) {
  auto height = whole_number(call, call.args[0], "height", 0, UINT64_MAX);
  if (!height)
    return height.error();
  auto hash = call.backend.block_hash(*height);
  if (!hash)
    return node_error(hash.error(), rpc_code::invalid_parameter);
  return json(*hash);
}

result<json, rpc_error> getblock(const method_call& call) {
  auto query = parse_block_query(call, call.args[0]);
  if (!query)
    return query.error();
  // bitcoind's verbosity: 0 is false, 1 true (bind_params allows no other).
  bool verbose = call.args[1] == true || call.args[1] == 1;
  auto block = call.backend.block(query->text);
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

result<json, rpc_error> generate(const method_call& call) {
  auto n = whole_number(call, call.args[0], "nblocks", 1, max_generate_blocks);
  if (!n)
    return n.error();
  auto txs = whole_number(call, call.args[1], "txs_per_block", 0,
                          max_generate_txs);
  if (!txs)
    return txs.error();
  auto hashes = call.backend.generate(static_cast<uint32_t>(*n),
                                      static_cast<uint32_t>(*txs));
  if (!hashes)
    return node_error(hashes.error());
  return json(*hashes);
}

/// Units in one TIME (devnet's block reward of 100 TIME is 10^10 units).
constexpr uint64_t units_per_time = 100'000'000;
/// `sendtoaddress` pays at most this many TIME at once.
constexpr double max_send_time = 1e9;

result<json, rpc_error> sendtoaddress(const method_call& call) {
  auto owner = parse_hex_key(call.args[0].get<std::string>());
  if (!owner)
    return invalid_params(call.method,
                          "owner must be a public key (64 hex characters)");
  const auto& v = call.args[1];
  uint64_t units = 0;
  if (v.is_number_integer()) {
    auto t = whole_number(call, v, "amount", 1,
                          static_cast<uint64_t>(max_send_time));
    if (!t)
      return t.error();
    units = *t * units_per_time;
  } else if (v.is_number_float()) {
    auto t = v.get<double>();
    if (!(t > 0) || t > max_send_time)
      return invalid_params(call.method,
                            "amount must be a positive number of TIME");
    units = static_cast<uint64_t>(std::llround(t * units_per_time));
  }
  if (units == 0)
    return invalid_params(call.method,
                          "amount must be a positive number of TIME (at "
                          "least 0.00000001)");
  auto txid = call.backend.send_to(*owner, units);
  if (!txid)
    return node_error(txid.error());
  return json(*txid);
}

result<json, rpc_error> verifychain(const method_call& call) {
  auto problem = call.backend.verify_chain();
  if (!problem)
    return node_error(problem.error());
  if (!problem->empty())
    return rpc_error{rpc_code::misc_error,
                     "the chain store is inconsistent: " + *problem};
  return json(true);
}

} // namespace

std::vector<method_spec> chain_methods() {
  using p = param_spec;
  using t = param_type;
  return {
    {"getblockchaininfo",
     {},
     "the chain: tip, UTXO set, sync state",
     "The chain and its synchronisation: chain (the network), blocks (tip\n"
     "height), bestblockhash, utxo_root, utxos (unspent outputs), time (the\n"
     "tip's timestamp, unix s), pruneheight (the lowest stored block; > 0\n"
     "after a fast sync), snapshots (heights of the UTXO snapshots served),\n"
     "sync: state (idle, headers, snapshot, blocks, fork), progress (0..1),\n"
     "peers_best_height, peers (downloaded from), blocks_per_second,\n"
     "rejected_blocks, rejected_snapshots, reorgs. Hashes in lowercase hex.",
     {""},
     getblockchaininfo},
    {"getblockcount",
     {},
     "the tip's height",
     "The height of the tip (a number; genesis is 0).",
     {""},
     getblockcount},
    {"getbestblockhash",
     {},
     "the tip's hash",
     "The hash of the tip (64 lowercase hex characters).",
     {""},
     getbestblockhash},
    {"getblockhash",
     {p{"height", t::number, true, nullptr,
        "The height, a whole number from 0."}},
     "the main chain's block hash at a height",
     "The hash of the main chain's block at height.\n"
     "Error -8 if the height is above the tip or below the lowest stored\n"
     "block.",
     {"0"},
     getblockhash},
    {"getblock",
     {p{"blockhash", t::hash_or_height, true, nullptr,
        "A block hash (64 hex characters), or a height of the main chain "
        "(a whole number, or a decimal string)."},
      p{"verbose", t::flag, false, true,
        "true (or 1): the block as an object; false (or 0): as hex."}},
     "a block, as JSON or hex",
     "The block with that hash or at that height of the main chain.\n"
     "verbose: an object with hash, height, confirmations, version,\n"
     "previousblockhash (64 zeros for genesis), merkleroot, utxo_root, time,\n"
     "producer, producer_signature, size (bytes encoded) and tx, one object\n"
     "per transaction: txid, version, locktime, vin ([{txid, vout,\n"
     "signature}]; empty for the coinbase), vout ([{n, value, owner}];\n"
     "value in base units, 10^8 per TIME).\n"
     "Not verbose: the block's MessagePack encoding as hex.\n"
     "Error -5 if no block has that hash, -8 if no block is stored at that\n"
     "height.",
     {"0", "4d768f896f882cb87baba4d63b2a92b6f1756bfc67a9bc2964009525264ff28a",
      "0 false"},
     getblock},
    {"generate",
     {p{"nblocks", t::number, true, nullptr,
        "How many blocks to produce, 1 to 10000."},
      p{"txs_per_block", t::number, false, 0,
        "At most this many transactions in each block, 0 to 1000."}},
     "devnet: produce blocks now",
     "Devnet only: produces nblocks blocks signed with the devnet producer\n"
     "key, each carrying up to txs_per_block transactions, applies and\n"
     "gossips them. Returns their hashes, in order.\n"
     "Large requests take a while: the server waits up to 10 minutes.\n"
     "Error -1 with the node's reason if it refuses (not on devnet).",
     {"100 5", "1"},
     generate},
    {"sendtoaddress",
     {p{"owner", t::string, true, nullptr,
        "The public key to pay (64 hex characters), e.g. a node id."},
      p{"amount", t::number, true, nullptr,
        "TIME to pay (1 TIME = 100,000,000 units), e.g. 1000."}},
     "devnet: pay from the producer's coins",
     "Devnet only: pays amount TIME to owner from the devnet producer's\n"
     "coins, in the next block that generate makes (vout 0 pays the owner).\n"
     "Returns the txid. A masternode's collateral is made this way:\n"
     "sendtoaddress <node id> 1000, generate 1, then\n"
     "masternodecollateral=<txid>:0.",
     {"f678e8649bf637e43c42a2383499b7b358ea88e40262c9ef0c02a072ccc51208 1000"},
     sendtoaddress},
    {"verifychain",
     {},
     "check the chain store's consistency",
     "Checks that the stored chain is consistent. true if it is; otherwise\n"
     "error -1 whose message says what is wrong.",
     {""},
     verifychain},
  };
}

} // namespace timecoin::rpc
