// Consensus parameters per network and the state-free checks of
// docs/PROTOCOL.md, "Chain data".

#include "chain/params.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "config/node_config.hpp"
#include "protocol/codec.hpp"
#include "security/node_key.hpp"

namespace timecoin::chain {

namespace {

/// A genesis.hex larger than this is not a genesis block.
constexpr std::size_t max_genesis_file_bytes = 64 * 1024 * 1024;

} // namespace

result<chain_params, std::string> params_for(const node_config& cfg) {
  chain_params p;
  p.net = cfg.net;
  p.snapshot_interval = proto::params(cfg.net).snapshot_interval;
  // All networks use the devnet reward until the consensus layer defines
  // theirs: a stand-in, as `producer=` is for the producer set.
  p.block_reward = proto::devnet_block_reward;
  if (cfg.net == proto::network::devnet) {
    p.genesis = proto::devnet_genesis();
    p.producers = {proto::devnet_producer_public_key()};
    return p;
  }
  const std::string path = cfg.data_dir() + "/genesis.hex";
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return "no genesis block for " + std::string{proto::params(cfg.net).name}
           + ": " + path;
  std::string text;
  {
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (text.size() > max_genesis_file_bytes)
    return path + ": too large for a genesis block";
  text.erase(std::remove_if(text.begin(), text.end(),
                            [](unsigned char c) { return std::isspace(c); }),
             text.end());
  proto::bytes raw(text.size() / 2);
  if (text.size() % 2 != 0 || !proto::from_hex(text, raw.data(), raw.size()))
    return path + ": not hex";
  auto b = proto::decode_block(raw.data(), raw.size());
  if (!b)
    return path + ": not a block: " + b.error().detail;
  p.genesis = std::move(b).value();
  for (const auto& hex : cfg.producer) {
    proto::hash256 pk;
    if (!proto::from_hex(hex, pk))
      return "producer=" + hex + ": not a 32-byte hex public key";
    p.producers.push_back(pk);
  }
  return p;
}

const char* to_string(reject_reason r) {
  switch (r) {
    case reject_reason::bad_height: return "bad_height";
    case reject_reason::bad_prev_hash: return "bad_prev_hash";
    case reject_reason::bad_producer: return "bad_producer";
    case reject_reason::bad_producer_signature: return "bad_producer_signature";
    case reject_reason::no_coinbase: return "no_coinbase";
    case reject_reason::misplaced_coinbase: return "misplaced_coinbase";
    case reject_reason::bad_merkle_root: return "bad_merkle_root";
    case reject_reason::missing_input: return "missing_input";
    case reject_reason::bad_input_signature: return "bad_input_signature";
    case reject_reason::overspend: return "overspend";
    case reject_reason::bad_coinbase_value: return "bad_coinbase_value";
    case reject_reason::value_overflow: return "value_overflow";
    case reject_reason::bad_utxo_root: return "bad_utxo_root";
    case reject_reason::duplicate_txid: return "duplicate_txid";
    case reject_reason::too_deep: return "too_deep";
    case reject_reason::not_longer: return "not_longer";
    case reject_reason::bad_snapshot: return "bad_snapshot";
    case reject_reason::storage: return "storage";
  }
  return "unknown";
}

result<void, chain_error>
check_headers(const chain_params& params, const proto::block_header& prev,
              const std::vector<proto::signed_header>& headers) {
  uint64_t height = prev.height;
  proto::hash256 prev_hash = proto::block_hash(prev);
  for (const auto& sh : headers) {
    const auto& h = sh.header;
    if (h.height != height + 1)
      return chain_error{reject_reason::bad_height, h.height,
                         "header height " + std::to_string(h.height)
                           + " does not follow " + std::to_string(height)};
    if (h.prev_hash != prev_hash)
      return chain_error{reject_reason::bad_prev_hash, h.height,
                         "header does not link to the one before it"};
    if (std::find(params.producers.begin(), params.producers.end(), h.producer)
        == params.producers.end())
      return chain_error{reject_reason::bad_producer, h.height,
                         "producer " + proto::to_hex(h.producer)
                           + " is not authorised"};
    const proto::hash256 hash = proto::block_hash(h);
    if (!security::verify(h.producer, proto::block_signing_bytes(hash),
                          sh.producer_signature))
      return chain_error{reject_reason::bad_producer_signature, h.height,
                         "producer signature does not verify"};
    height = h.height;
    prev_hash = hash;
  }
  return {};
}

proto::hash256 utxo_root_of(const std::vector<proto::utxo_entry>& entries) {
  proto::lthash16 lt;
  for (const auto& e : entries)
    lt.add(proto::utxo_element(e.txid, e.vout, e.value, e.owner, e.height));
  return lt.digest();
}

} // namespace timecoin::chain
