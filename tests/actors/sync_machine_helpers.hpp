#pragma once

// Shared by the tests of the sync state machines: devnet parameters, signed
// headers and blocks, and looking into the actions a machine returned.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "actors/sync_actions.hpp"
#include "chain/params.hpp"
#include "config/node_config.hpp"
#include "protocol/network.hpp"
#include "security/node_key.hpp"

namespace timecoin::test {

inline const chain::chain_params& devnet() {
  static const chain::chain_params params = [] {
    auto p = chain::params_for(node_config{});
    REQUIRE(p.has_value());
    return p.value();
  }();
  return params;
}

inline const security::node_key& producer_key() {
  static const auto key = security::node_key::from_seed(
    proto::devnet_producer_seed());
  return key;
}

/// A block at `height` on `prev`, signed by `key` (the devnet producer's by
/// default). `salt` tells two branches apart.
inline proto::block
signed_block(uint64_t height, const proto::hash256& prev, uint8_t salt = 0,
             const security::node_key& key = producer_key()) {
  proto::block b;
  b.header.height = height;
  b.header.prev_hash = prev;
  b.header.merkle_root[0] = salt;
  b.header.producer = key.public_key();
  b.producer_signature = key.sign(
    proto::block_signing_bytes(proto::block_hash(b.header)));
  return b;
}

/// `n` linked blocks from `start`, the first on `prev`.
inline std::vector<proto::block> signed_chain(uint64_t start, std::size_t n,
                                              proto::hash256 prev,
                                              uint8_t salt = 0) {
  std::vector<proto::block> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(signed_block(start + i, prev, salt));
    prev = proto::block_hash(out.back().header);
  }
  return out;
}

/// The actions of type `T`, in order.
template <class T>
std::vector<T> all_of(const sync_actions& out) {
  std::vector<T> found;
  for (const auto& a : out)
    if (auto* x = std::get_if<T>(&a))
      found.push_back(*x);
  return found;
}

template <class T>
bool has(const sync_actions& out) {
  return !all_of<T>(out).empty();
}

/// The one action of type `T` (fails the test if there is not exactly one).
template <class T>
T one_of(const sync_actions& out) {
  auto found = all_of<T>(out);
  REQUIRE(found.size() == 1);
  return found.front();
}

/// True if a log note contains `text`.
inline bool logged(const sync_actions& out, const std::string& text) {
  for (const auto& n : all_of<log_note>(out))
    if (n.text.find(text) != std::string::npos)
      return true;
  return false;
}

} // namespace timecoin::test
