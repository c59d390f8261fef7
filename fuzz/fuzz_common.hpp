#pragma once

// Shared by the fuzz targets and the seed generator (fuzz/make_seeds.cpp):
// the fixed identities of the handshake target and the byte layout of its
// inputs, so that committed seeds and the target always agree.

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "protocol/codec.hpp"
#include "protocol/network.hpp"
#include "security/handshake.hpp"
#include "security/node_key.hpp"

namespace timecoin::fuzz {

/// The clock every handshake input runs at: the devnet genesis time.
constexpr int64_t fuzz_now = proto::devnet_genesis_timestamp;

/// A property a target checks failed: report and abort, so that libFuzzer
/// records the input as a crash.
[[noreturn]] inline void violated(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

/// Aborts with `what` unless `ok`.
inline void check(bool ok, const char* what) {
  if (!ok)
    violated(what);
}

/// 32 bytes of `b`: the fixed seeds of the fuzz identities.
inline proto::hash256 fixed_seed(uint8_t b) {
  proto::hash256 s;
  s.fill(b);
  return s;
}

/// The key of the node under test.
inline const security::node_key& local_key() {
  static const auto key = security::node_key::from_seed(fixed_seed(1));
  return key;
}

/// The key of the peer whose valid HELLO (and HELLO_AUTH) a scenario can
/// start with.
inline const security::node_key& peer_key() {
  static const auto key = security::node_key::from_seed(fixed_seed(2));
  return key;
}

/// What the node under test announces: a devnet node.
inline security::local_info devnet_local_info() {
  const auto& p = proto::params(proto::network::devnet);
  security::local_info info;
  info.magic = p.magic;
  info.network = p.name;
  info.listen_port = p.p2p_port;
  info.user_agent = "timecoin-fuzz/1";
  return info;
}

/// A HELLO of the peer that the node under test accepts (fixed nonce, so
/// seeds are reproducible).
inline proto::hello peer_hello_body() {
  const auto& p = proto::params(proto::network::devnet);
  proto::hello h;
  h.magic = p.magic;
  h.version = proto::protocol_version;
  h.min_version = proto::min_protocol_version;
  h.network = p.name;
  h.node_id = peer_key().public_key();
  h.nonce = fixed_seed(3);
  h.listen_port = p.p2p_port;
  h.best_height = 7;
  h.best_hash = fixed_seed(4);
  h.services = proto::service_full_history;
  h.user_agent = "timecoin-fuzz-peer/1";
  h.timestamp = fuzz_now;
  return h;
}

inline security::conn_role other_role(security::conn_role r) {
  return r == security::conn_role::dialer ? security::conn_role::acceptor
                                          : security::conn_role::dialer;
}

/// The peer's valid HELLO_AUTH for a node under test that sent `our_nonce`
/// in role `our_role` (no TLS: zero binding).
inline proto::message peer_auth(const proto::hash256& our_nonce,
                                security::conn_role our_role) {
  auto signed_bytes = security::hello_auth_bytes(
    our_nonce, peer_key().public_key(), local_key().public_key(),
    proto::hash256{}, other_role(our_role));
  return proto::message{0, proto::hello_auth{peer_key().sign(signed_bytes)}};
}

/// First byte of a handshake input: which scenario the frames after it are
/// fed to. The bits combine.
enum scenario_bits : uint8_t {
  /// The node under test accepted the connection (else it dialled).
  scenario_acceptor = 1,
  /// The node sends its HELLO before reading (as the connection actor does);
  /// else the handshake must send it itself when the peer's HELLO arrives.
  scenario_hello_first = 2,
  /// The peer's valid HELLO is fed first: the frames meet the state that
  /// waits for HELLO_AUTH.
  scenario_peer_hello = 4,
  /// Also the peer's valid HELLO_AUTH: the frames meet a connected handshake.
  scenario_connected = 8,
};

} // namespace timecoin::fuzz
