// Chain hashes (docs/PROTOCOL.md, "Chain data") and the devnet genesis
// (docs/PROTOCOL.md, "Devnet genesis"), checked against values computed
// independently here from hash() and libsodium.

#include <algorithm>
#include <cstring>

#include <doctest/doctest.h>
#include <sodium.h>

#include "protocol/codec.hpp"
#include "protocol/network.hpp"
#include "tests/protocol/samples.hpp"

using namespace timecoin::proto;
using namespace timecoin::proto::test;

namespace {

/// The hash of the devnet genesis header; pinned so that any change to the
/// encoding or the derivation is caught (docs/PROTOCOL.md quotes it). It was
/// cross-checked with an independent derivation in Python (hashlib BLAKE2b,
/// `cryptography`'s Ed25519 and ChaCha20, MessagePack written by hand).
constexpr char devnet_genesis_hash_hex[]
  = "4d768f896f882cb87baba4d63b2a92b6f1756bfc67a9bc2964009525264ff28a";

hash256 h2(const hash256& a, const hash256& b) {
  bytes ab(a.begin(), a.end());
  ab.insert(ab.end(), b.begin(), b.end());
  return hash(ab);
}

bytes ascii(const char* s) {
  return bytes(s, s + std::strlen(s));
}

} // namespace

TEST_CASE("hash is unkeyed BLAKE2b-256") {
  hash256 expected;
  REQUIRE(
    from_hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
             expected));
  CHECK(hash(bytes{}) == expected);
  CHECK(hash(ascii("abc")) != expected);
}

TEST_CASE("merkle roots pair left to right, the odd one with itself") {
  const hash256 a = h32(1), b = h32(2), c = h32(3), d = h32(4), e = h32(5);
  CHECK(merkle_root({}) == hash256{});
  CHECK(merkle_root({a}) == a);
  CHECK(merkle_root({a, b}) == h2(a, b));
  CHECK(merkle_root({a, b, c}) == h2(h2(a, b), h2(c, c)));
  CHECK(merkle_root({a, b, c, d}) == h2(h2(a, b), h2(c, d)));
  CHECK(merkle_root({a, b, c, d, e})
        == h2(h2(h2(a, b), h2(c, d)), h2(h2(e, e), h2(e, e))));
  CHECK(merkle_root({b, a}) != merkle_root({a, b}));
}

TEST_CASE("txid hashes the transaction without its signatures") {
  transaction tx;
  tx.version = 1;
  tx.inputs.push_back({h32(0x11), 2, s64(0x33)});
  tx.outputs.push_back({5, h32(0x22)});
  tx.lock_time = 0;
  // [1, [[prev_txid, 2]], [[5, owner]], 0], encoded by hand.
  bytes preimage{0x94, 0x01, 0x91, 0x92, 0xc4, 0x20};
  preimage.insert(preimage.end(), tx.inputs[0].prev_txid.begin(),
                  tx.inputs[0].prev_txid.end());
  preimage.insert(preimage.end(), {0x02, 0x91, 0x92, 0x05, 0xc4, 0x20});
  preimage.insert(preimage.end(), tx.outputs[0].owner.begin(),
                  tx.outputs[0].owner.end());
  preimage.push_back(0x00);
  CHECK(txid(tx) == hash(preimage));

  const hash256 id = txid(tx);
  tx.inputs[0].signature = s64(0x99);
  CHECK(txid(tx) == id);
  tx.lock_time = 1;
  CHECK(txid(tx) != id);
  tx.lock_time = 0;
  tx.inputs[0].vout = 3;
  CHECK(txid(tx) != id);
}

TEST_CASE("block hash and signed byte strings") {
  const block_header h = sample_header(7);
  CHECK(block_hash(h) == hash(encode_header(h)));
  const hash256 x = h32(9);
  bytes tx_msg = ascii("timecoin/1 tx");
  tx_msg.insert(tx_msg.end(), x.begin(), x.end());
  CHECK(tx_signing_bytes(x) == tx_msg);
  bytes block_msg = ascii("timecoin/1 block");
  block_msg.insert(block_msg.end(), x.begin(), x.end());
  CHECK(block_signing_bytes(x) == block_msg);
}

TEST_CASE("utxo elements are big-endian fixed width") {
  const bytes e = utxo_element(h32(1), 0x01020304, 0x1122334455667788ULL,
                               h32(2), 0xA0B0C0D0E0F00010ULL);
  REQUIRE(e.size() == 84);
  CHECK(std::equal(e.begin(), e.begin() + 32, h32(1).begin()));
  CHECK(bytes(e.begin() + 32, e.begin() + 36) == bytes{1, 2, 3, 4});
  CHECK(bytes(e.begin() + 36, e.begin() + 44)
        == bytes{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88});
  CHECK(std::equal(e.begin() + 44, e.begin() + 76, h32(2).begin()));
  CHECK(bytes(e.begin() + 76, e.end())
        == bytes{0xA0, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0, 0x00, 0x10});
}

TEST_CASE("lthash16 is an order-independent multiset hash") {
  const lthash16 empty;
  CHECK(empty.digest() == hash(bytes(2048, 0)));

  const bytes e1 = utxo_element(h32(1), 0, 10, h32(2), 0);
  const bytes e2 = utxo_element(h32(1), 1, 20, h32(3), 0);
  const bytes e3 = utxo_element(h32(4), 0, 30, h32(5), 1);

  // Adding one element to the empty state gives its keystream itself.
  lthash16 one;
  one.add(e1);
  bytes stream(2048);
  const uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {};
  crypto_stream_chacha20_ietf(stream.data(), stream.size(), nonce,
                              hash(e1).data());
  CHECK(one.state_bytes() == stream);
  CHECK(one.digest() == hash(stream));

  lthash16 forward, backward, mixed;
  forward.add(e1);
  forward.add(e2);
  forward.add(e3);
  backward.add(e3);
  backward.add(e2);
  backward.add(e1);
  mixed.remove(e2); // removing before adding: limbs wrap mod 2^16
  mixed.add(e3);
  mixed.add(e2);
  mixed.add(e2);
  mixed.add(e1);
  CHECK(forward.digest() == backward.digest());
  CHECK(forward.digest() == mixed.digest());
  CHECK(forward == mixed);

  lthash16 twice;
  twice.add(e1);
  twice.add(e1);
  CHECK(twice.digest() != one.digest()); // a multiset, not a set

  forward.remove(e2);
  forward.remove(e1);
  forward.remove(e3);
  CHECK(forward.digest() == empty.digest());
  CHECK(forward == empty);
}

TEST_CASE("lthash16 state saves and restores") {
  lthash16 a;
  a.add(utxo_element(h32(7), 1, 2, h32(8), 3));
  lthash16 b;
  REQUIRE(b.load_state(a.state_bytes()));
  CHECK(b == a);
  CHECK(b.digest() == a.digest());
  CHECK_FALSE(b.load_state(bytes(2047, 0)));
  CHECK(b == a); // unchanged by the refused load
}

TEST_CASE("devnet producer key matches the contract") {
  CHECK(devnet_producer_seed() == hash(ascii("timecoin devnet producer")));
  CHECK(to_hex(devnet_producer_public_key())
        == "f678e8649bf637e43c42a2383499b7b358ea88e40262c9ef0c02a072ccc51208");
}

TEST_CASE("devnet genesis is derived exactly as section 1 says") {
  const block g = devnet_genesis();
  const hash256 pk = devnet_producer_public_key();

  // The coinbase.
  REQUIRE(g.transactions.size() == 1);
  const transaction& cb = g.transactions[0];
  CHECK(cb.version == 1);
  CHECK(cb.inputs.empty());
  REQUIRE(cb.outputs.size() == 1);
  CHECK(cb.outputs[0].value == 10'000'000'000ULL);
  CHECK(cb.outputs[0].owner == pk);
  CHECK(cb.lock_time == 0);
  // [1, [], [[10000000000, pk]], 0]
  bytes cb_bytes{0x94, 0x01, 0x90, 0x91, 0x92, 0xcf, 0x00, 0x00,
                 0x00, 0x02, 0x54, 0x0b, 0xe4, 0x00, 0xc4, 0x20};
  cb_bytes.insert(cb_bytes.end(), pk.begin(), pk.end());
  cb_bytes.push_back(0x00);
  CHECK(encode_transaction(cb) == cb_bytes);
  const hash256 cb_id = hash(cb_bytes); // no inputs: txid preimage is the same

  // The header.
  CHECK(g.header.version == 1);
  CHECK(g.header.height == 0);
  CHECK(g.header.prev_hash == hash256{});
  CHECK(g.header.merkle_root == cb_id);
  lthash16 utxos;
  utxos.add(utxo_element(cb_id, 0, 10'000'000'000ULL, pk, 0));
  CHECK(g.header.utxo_root == utxos.digest());
  CHECK(g.header.timestamp == 1767225600);
  CHECK(g.header.producer == pk);

  // The producer signature verifies and is Ed25519 with the seed's key.
  const hash256 id = block_hash(g.header);
  CHECK(devnet_genesis_hash() == id);
  const bytes msg = block_signing_bytes(id);
  CHECK(crypto_sign_verify_detached(g.producer_signature.data(), msg.data(),
                                    msg.size(), pk.data())
        == 0);
  uint8_t sk_pk[32], sk[64];
  crypto_sign_seed_keypair(sk_pk, sk, devnet_producer_seed().data());
  sig64 expected_sig;
  crypto_sign_detached(expected_sig.data(), nullptr, msg.data(), msg.size(),
                       sk);
  CHECK(g.producer_signature == expected_sig);
}

TEST_CASE("devnet genesis is stable") {
  const bytes first = encode_block(devnet_genesis());
  const bytes second = encode_block(devnet_genesis());
  CHECK(first == second);
  const std::string hash_hex = to_hex(devnet_genesis_hash());
  MESSAGE("devnet genesis hash: " << hash_hex);
  MESSAGE("devnet genesis block (" << first.size()
                                   << " bytes): " << to_hex(first));
  CHECK(hash_hex == devnet_genesis_hash_hex);
  auto decoded = decode_block(first.data(), first.size());
  REQUIRE(decoded.has_value());
  CHECK(encode_block(*decoded) == first);
}
