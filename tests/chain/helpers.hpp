#pragma once

// Shared by the chain tests: temporary directories, devnet stores, and
// hand-made blocks completed with the right roots and signatures.

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "chain/params.hpp"
#include "chain/producer.hpp"
#include "chain/store.hpp"
#include "config/node_config.hpp"
#include "protocol/network.hpp"
#include "security/node_key.hpp"

namespace timecoin::chain::test {

/// A fresh directory under /tmp, removed with everything in it.
struct temp_dir {
  temp_dir() {
    char tmpl[] = "/tmp/timecoin_chain_XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string sub(const std::string& name) const { return path + "/" + name; }

  std::string path;
};

inline chain_params devnet_params() {
  node_config cfg;
  auto p = params_for(cfg);
  REQUIRE(p.has_value());
  return p.value();
}

inline security::node_key devnet_key() {
  return security::node_key::from_seed(proto::devnet_producer_seed());
}

inline std::unique_ptr<store>
open_store(const std::string& dir, chain_params params = devnet_params()) {
  auto s = store::open(dir, std::move(params));
  if (!s)
    FAIL(s.error());
  return std::move(s).value();
}

/// The value of a store read that must succeed (fails the test otherwise).
template <class T>
T ok(read_result<T> r) {
  if (!r)
    FAIL("store read failed: " << r.error().detail);
  return std::move(r).value();
}

/// A timestamp after the devnet genesis.
constexpr int64_t test_time = proto::devnet_genesis_timestamp + 60;

/// Signs every input of `tx` with `key` (after `tx` changed).
inline void sign_inputs(proto::transaction& tx, const security::node_key& key) {
  const auto msg = proto::tx_signing_bytes(proto::txid(tx));
  for (auto& in : tx.inputs)
    in.signature = key.sign(msg);
}

/// Recomputes the merkle root and signs the header with `key`.
inline void resign(proto::block& b, const security::node_key& key) {
  std::vector<proto::hash256> ids;
  for (const auto& tx : b.transactions)
    ids.push_back(proto::txid(tx));
  b.header.merkle_root = proto::merkle_root(ids);
  b.header.producer = key.public_key();
  b.producer_signature = key.sign(
    proto::block_signing_bytes(proto::block_hash(b.header)));
}

/// The utxo_root after applying `b` to `s`'s tip (inputs looked up in `s`
/// or earlier in `b`; unknown inputs are skipped).
inline proto::hash256 utxo_root_after(const store& s, const proto::block& b) {
  proto::lthash16 lt = ok(s.current_state()).utxos;
  std::map<std::pair<proto::hash256, uint32_t>, coin> created;
  for (const auto& tx : b.transactions) {
    for (const auto& in : tx.inputs) {
      const auto k = std::make_pair(in.prev_txid, in.vout);
      std::optional<coin> c;
      if (auto it = created.find(k); it != created.end()) {
        c = it->second;
        created.erase(it);
      } else {
        c = ok(s.find_coin(in.prev_txid, in.vout));
      }
      if (c)
        lt.remove(proto::utxo_element(in.prev_txid, in.vout, c->value, c->owner,
                                      c->height));
    }
    const auto id = proto::txid(tx);
    for (uint32_t v = 0; v < tx.outputs.size(); ++v) {
      created[{id, v}] = coin{tx.outputs[v].value, tx.outputs[v].owner,
                              b.header.height};
      lt.add(proto::utxo_element(id, v, tx.outputs[v].value,
                                 tx.outputs[v].owner, b.header.height));
    }
  }
  return lt.digest();
}

/// Makes `b` (changed by a test) consistent again on `s`'s tip: merkle
/// root, utxo_root and producer signature, signed by `key`.
inline void finish(const store& s, proto::block& b,
                   const security::node_key& key) {
  b.header.utxo_root = utxo_root_after(s, b);
  resign(b, key);
}

/// Appends blocks 1... of `from` to `to`, in batches of `count`.
inline void copy_chain(const store& from, store& to, uint16_t count = 500) {
  while (to.tip().height < from.tip().height) {
    auto bs = ok(from.get_blocks(to.tip().height + 1, count));
    REQUIRE(!bs.items.empty());
    auto r = to.append(bs.items);
    if (r.error)
      FAIL(to_string(r.error->reason) << ": " << r.error->detail);
  }
}

/// A store with some history (3 blocks of 2 transactions) and the devnet
/// producer's coins to spend.
struct store_with_history {
  temp_dir d;
  std::unique_ptr<store> s = open_store(d.sub("s"));
  security::node_key key = devnet_key();
  producer p{key};

  store_with_history() { REQUIRE(p.generate(*s, 3, 2, test_time)); }

  /// A valid next block with `txs` transactions after the coinbase.
  proto::block next(uint32_t txs) {
    auto b = p.next_block(*s, txs, test_time);
    REQUIRE(b);
    REQUIRE(b->transactions.size() == txs + 1);
    return b.value();
  }
};

} // namespace timecoin::chain::test
