// The devnet producer key and genesis block (docs/PROTOCOL.md, "Devnet
// genesis"), derived from fixed seeds so that every devnet node agrees on them
// without configuration.

#include <cstring>

#include <sodium.h>

#include "protocol/network.hpp"

namespace timecoin::proto {

namespace {

/// The 24 ASCII bytes hashed into the devnet producer's seed.
constexpr char devnet_producer_phrase[] = "timecoin devnet producer";

struct devnet_chain {
  hash256 public_key{};
  block genesis;
  hash256 genesis_hash{};
};

devnet_chain derive_devnet() {
  devnet_chain out;
  const hash256 seed = devnet_producer_seed();
  uint8_t secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(out.public_key.data(), secret_key, seed.data());

  transaction coinbase;
  coinbase.version = 1;
  coinbase.outputs.push_back(tx_output{devnet_block_reward, out.public_key});
  coinbase.lock_time = 0;
  const hash256 coinbase_id = txid(coinbase);

  lthash16 utxos;
  utxos.add(
    utxo_element(coinbase_id, 0, devnet_block_reward, out.public_key, 0));

  block& g = out.genesis;
  g.header.version = 1;
  g.header.height = 0;
  g.header.prev_hash = hash256{};
  g.header.merkle_root = merkle_root({coinbase_id});
  g.header.utxo_root = utxos.digest();
  g.header.timestamp = devnet_genesis_timestamp;
  g.header.producer = out.public_key;
  g.transactions.push_back(coinbase);

  out.genesis_hash = block_hash(g.header);
  const bytes signed_bytes = block_signing_bytes(out.genesis_hash);
  crypto_sign_detached(g.producer_signature.data(), nullptr,
                       signed_bytes.data(), signed_bytes.size(), secret_key);
  sodium_memzero(secret_key, sizeof(secret_key));
  return out;
}

/// Derived once, on first use (thread-safe initialisation of a local static).
const devnet_chain& devnet() {
  static const devnet_chain chain = derive_devnet();
  return chain;
}

} // namespace

hash256 devnet_producer_seed() {
  return hash(reinterpret_cast<const uint8_t*>(devnet_producer_phrase),
              sizeof(devnet_producer_phrase) - 1);
}

hash256 devnet_producer_public_key() {
  return devnet().public_key;
}

block devnet_genesis() {
  return devnet().genesis;
}

hash256 devnet_genesis_hash() {
  return devnet().genesis_hash;
}

} // namespace timecoin::proto
