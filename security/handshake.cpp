#include "security/handshake.hpp"

#include "protocol/printable.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>
#include <variant>

namespace timecoin::security {

namespace {

/// The domain separator that starts every HELLO_AUTH signed message.
constexpr std::string_view hello_auth_domain = "timecoin/1 hello";
static_assert(hello_auth_domain.size() == 16,
              "docs/PROTOCOL.md, 'Handshake': 16 bytes");
constexpr std::size_t hello_auth_size = hello_auth_domain.size() + 4 * 32 + 1;
/// Peer-chosen strings (network name, REJECT reason) are cut to this many
/// characters before they go into our log lines and REJECT reasons.
constexpr std::size_t max_echoed_chars = 64;

std::string hex32(uint32_t x) {
  char buf[11];
  std::snprintf(buf, sizeof(buf), "0x%08x", x);
  return buf;
}

refusal violation(std::string reason) {
  return refusal{proto::reject_code::protocol_violation, std::move(reason),
                 true};
}

conn_role other(conn_role r) {
  return r == conn_role::dialer ? conn_role::acceptor : conn_role::dialer;
}

/// |a - b| without signed overflow for any pair of int64 values.
uint64_t distance(int64_t a, int64_t b) {
  auto ua = static_cast<uint64_t>(a);
  auto ub = static_cast<uint64_t>(b);
  return a > b ? ua - ub : ub - ua;
}

} // namespace

bytes hello_auth_bytes(const hash256& peer_nonce, const hash256& own_node_id,
                       const hash256& peer_node_id, const hash256& binding,
                       conn_role role) {
  bytes out;
  out.reserve(hello_auth_size);
  out.insert(out.end(), hello_auth_domain.begin(), hello_auth_domain.end());
  for (auto* part : {&peer_nonce, &own_node_id, &peer_node_id, &binding})
    out.insert(out.end(), part->begin(), part->end());
  out.push_back(static_cast<uint8_t>(role));
  return out;
}

std::optional<refusal> check_hello(const local_info& local,
                                   const hash256& own_node_id,
                                   const proto::hello& peer) {
  // Malformed fields first: they are violations whatever else is wrong.
  if (peer.user_agent.size() > proto::max_user_agent_bytes)
    return violation("user_agent is " + std::to_string(peer.user_agent.size())
                     + " bytes, more than "
                     + std::to_string(proto::max_user_agent_bytes));
  if (peer.min_version > peer.version)
    return violation("malformed version range "
                     + std::to_string(peer.min_version) + ".."
                     + std::to_string(peer.version));
  if (peer.magic != local.magic || peer.network != local.network)
    return refusal{proto::reject_code::wrong_network,
                   "wrong network: peer is '"
                     + printable(peer.network, max_echoed_chars) + "' magic "
                     + hex32(peer.magic) + ", we are '" + local.network
                     + "' magic " + hex32(local.magic)};
  if (peer.version < proto::min_protocol_version
      || peer.min_version > proto::protocol_version)
    return refusal{proto::reject_code::incompatible_version,
                   "incompatible version: peer speaks "
                     + std::to_string(peer.min_version) + ".."
                     + std::to_string(peer.version) + ", we speak "
                     + std::to_string(proto::min_protocol_version) + ".."
                     + std::to_string(proto::protocol_version)};
  if (peer.node_id == own_node_id)
    return refusal{proto::reject_code::self_connection,
                   "connected to ourselves"};
  return std::nullopt;
}

handshake::handshake(const node_key& key, local_info local, conn_role role,
                     hash256 binding, std::optional<hash256> tls_peer_key,
                     admit_fn admit)
  : key_(key),
    local_(std::move(local)),
    role_(role),
    binding_(binding),
    tls_peer_key_(tls_peer_key),
    admit_(std::move(admit)) {
  // A nonce exists from the start, so that a HELLO_AUTH the peer sends
  // before our HELLO (impossible for an honest peer) cannot match zeros.
  init_sodium();
  randombytes_buf(own_nonce_.data(), own_nonce_.size());
}

proto::message handshake::make_hello(int64_t now) {
  if (!hello_sent_) {
    randombytes_buf(own_nonce_.data(), own_nonce_.size());
    hello_sent_ = true;
  }
  proto::hello h;
  h.magic = local_.magic;
  h.version = proto::protocol_version;
  h.min_version = proto::min_protocol_version;
  h.network = local_.network;
  h.node_id = key_.public_key();
  h.nonce = own_nonce_;
  h.listen_port = local_.listen_port;
  h.best_height = local_.best_height;
  h.best_hash = local_.best_hash;
  h.services = local_.services;
  h.user_agent = local_.user_agent;
  h.timestamp = now;
  return proto::message{0, std::move(h)};
}

handshake_step handshake::fail(refusal r, bool send_reject) {
  state_ = state::failed;
  handshake_step step;
  if (send_reject)
    step.send.push_back(proto::message{0, proto::reject{r.code, r.reason}});
  step.failure = std::move(r);
  return step;
}

handshake_step handshake::on_message(const proto::message& msg,
                                     int64_t now) noexcept {
  try {
    return dispatch(msg, now);
  } catch (const std::exception& e) {
    // Only allocation failures or a throwing admit callback get here.
    return fail({proto::reject_code::protocol_violation,
                 std::string{"internal error in handshake: "} + e.what(),
                 false},
                false);
  } catch (...) {
    state_ = state::failed;
    handshake_step step;
    step.failure = refusal{proto::reject_code::protocol_violation,
                           "internal error in handshake", false};
    return step;
  }
}

handshake_step handshake::dispatch(const proto::message& msg, int64_t now) {
  if (state_ == state::failed)
    return fail({proto::reject_code::protocol_violation,
                 "message after the handshake failed", false},
                false);
  if (auto* rej = std::get_if<proto::reject>(&msg.content)) {
    return fail({rej->code,
                 "peer rejected: code "
                   + std::to_string(static_cast<uint16_t>(rej->code)) + ": "
                   + printable(rej->reason, max_echoed_chars),
                 false},
                false);
  }
  auto* hello = std::get_if<proto::hello>(&msg.content);
  auto* auth = std::get_if<proto::hello_auth>(&msg.content);
  if (state_ == state::connected) {
    if (hello || auth)
      return fail(violation("handshake message after the handshake"), true);
    handshake_step step; // not ours to judge: the connection handles it
    step.connected = true;
    return step;
  }
  if (!hello && !auth)
    return fail(violation("message other than HELLO, HELLO_AUTH or REJECT "
                          "before the handshake completed"),
                true);
  if (state_ == state::await_hello) {
    if (auth)
      return fail(violation("HELLO_AUTH before HELLO"), true);
    return on_hello(*hello, now);
  }
  if (hello)
    return fail(violation("second HELLO"), true);
  return on_auth(*auth);
}

handshake_step handshake::on_hello(const proto::hello& peer, int64_t now) {
  if (auto r = check_hello(local_, key_.public_key(), peer))
    return fail(std::move(*r), true);
  if (tls_peer_key_ && *tls_peer_key_ != peer.node_id)
    return fail(violation("TLS certificate key " + proto::to_hex(*tls_peer_key_)
                          + " differs from HELLO node id "
                          + proto::to_hex(peer.node_id)),
                true);
  if (admit_) {
    if (auto r = admit_(peer))
      return fail(std::move(*r), true);
  }
  handshake_step step;
  if (!hello_sent_) // the caller forgot: the peer needs our nonce
    step.send.push_back(make_hello(now));
  auto skew = distance(now, peer.timestamp);
  if (skew > static_cast<uint64_t>(max_clock_skew_seconds))
    step.warning = "clock of peer " + proto::to_hex(peer.node_id)
                   + " differs from ours by " + std::to_string(skew) + " s";
  auto signed_bytes = hello_auth_bytes(peer.nonce, key_.public_key(),
                                       peer.node_id, binding_, role_);
  step.send.push_back(
    proto::message{0, proto::hello_auth{key_.sign(signed_bytes)}});
  peer_hello_ = peer;
  state_ = state::await_auth;
  return step;
}

handshake_step handshake::on_auth(const proto::hello_auth& auth) {
  const auto& peer_id = peer_hello_->node_id;
  auto expected = hello_auth_bytes(own_nonce_, peer_id, key_.public_key(),
                                   binding_, other(role_));
  if (!verify(peer_id, expected, auth.signature))
    return fail(violation("bad HELLO_AUTH signature"), true);
  state_ = state::connected;
  handshake_step step;
  step.connected = true;
  return step;
}

} // namespace timecoin::security
