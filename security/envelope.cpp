#include "security/envelope.hpp"

#include <sodium.h>

#include <cassert>

#include "protocol/big_endian.hpp"
#include "security/bloom.hpp"

namespace timecoin::security {

namespace {

/// The per-thread buffer for the signed bytes keeps at most this capacity
/// between verifications. Transactions and votes fit, so the common case
/// never allocates; a larger payload (a block) allocates once for its own
/// verification, which is small next to validating it.
constexpr std::size_t max_retained_signing_buffer_bytes = 64 * 1024;

/// A timestamp in two's complement, big-endian: the conversion to uint64_t
/// is exact modulo 2^64, which is the two's complement bit pattern.
void put_timestamp(uint8_t* out, int64_t v) {
  proto::put_be64(out, static_cast<uint64_t>(v));
}

} // namespace

void append_gossip_signing_bytes(bytes& out, uint32_t magic, uint16_t kind,
                                 int64_t timestamp, const uint8_t* payload,
                                 std::size_t payload_size) {
  uint8_t header[gossip_signing_header_bytes];
  auto* p = header;
  for (char c : gossip_signing_prefix)
    *p++ = static_cast<uint8_t>(c);
  proto::put_be32(p, magic);
  proto::put_be16(p + 4, kind);
  put_timestamp(p + 6, timestamp);
  out.insert(out.end(), header, header + sizeof header);
  if (payload_size > 0)
    out.insert(out.end(), payload, payload + payload_size);
}

bytes gossip_signing_bytes(uint32_t magic, uint16_t kind, int64_t timestamp,
                           const bytes& payload) {
  bytes out;
  out.reserve(gossip_signing_header_bytes + payload.size());
  append_gossip_signing_bytes(out, magic, kind, timestamp, payload.data(),
                              payload.size());
  return out;
}

proto::gossip make_gossip(const node_key* key_or_null, uint32_t magic,
                          uint16_t kind, int64_t timestamp, bytes payload) {
  proto::gossip msg;
  msg.kind = kind;
  msg.timestamp = timestamp;
  msg.payload = std::move(payload);
  if (key_or_null != nullptr) {
    auto signed_bytes = gossip_signing_bytes(magic, kind, timestamp,
                                             msg.payload);
    auto sig = key_or_null->sign(signed_bytes);
    const auto& pk = key_or_null->public_key();
    msg.sender.assign(pk.begin(), pk.end());
    msg.signature.assign(sig.begin(), sig.end());
  }
  return msg;
}

hash256 message_id(const proto::gossip& msg) {
  init_sodium();
  uint8_t header[2 + 8];
  proto::put_be16(header, msg.kind);
  put_timestamp(header + 2, msg.timestamp);
  crypto_generichash_state state;
  hash256 out;
  crypto_generichash_init(&state, nullptr, 0, out.size());
  crypto_generichash_update(&state, header, sizeof header);
  crypto_generichash_update(&state, msg.sender.data(), msg.sender.size());
  crypto_generichash_update(&state, msg.payload.data(), msg.payload.size());
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

const char* to_string(gossip_verdict verdict) {
  switch (verdict) {
    case gossip_verdict::accept: return "accept";
    case gossip_verdict::stale: return "stale";
    case gossip_verdict::future: return "future";
    case gossip_verdict::bad_signature: return "bad_signature";
    case gossip_verdict::unsigned_rejected: return "unsigned_rejected";
    case gossip_verdict::duplicate: return "duplicate";
  }
  return "unknown";
}

bool is_violation(gossip_verdict verdict) {
  return verdict == gossip_verdict::bad_signature
         || verdict == gossip_verdict::unsigned_rejected;
}

gossip_verdict check_timestamp(const proto::gossip& msg, int64_t now,
                               uint32_t max_age_seconds) {
  // The distance is computed in uint64_t: |a - b| of two int64 values always
  // fits there, while the signed difference can overflow (a hostile
  // timestamp of INT64_MIN).
  auto ts = msg.timestamp;
  if (ts <= now) {
    auto age = static_cast<uint64_t>(now) - static_cast<uint64_t>(ts);
    return age > max_age_seconds ? gossip_verdict::stale
                                 : gossip_verdict::accept;
  }
  auto ahead = static_cast<uint64_t>(ts) - static_cast<uint64_t>(now);
  return ahead > max_age_seconds ? gossip_verdict::future
                                 : gossip_verdict::accept;
}

bool is_signed(const proto::gossip& msg) {
  return !msg.sender.empty() || !msg.signature.empty();
}

bool verify_signature(uint32_t magic, const proto::gossip& msg) {
  if (msg.sender.size() != gossip_sender_bytes
      || msg.signature.size() != gossip_signature_bytes)
    return false;
  init_sodium();
  // libsodium verifies Ed25519 over one contiguous message only, so the
  // signed bytes are assembled; the buffer is reused across calls.
  thread_local bytes buffer;
  buffer.clear();
  append_gossip_signing_bytes(buffer, magic, msg.kind, msg.timestamp,
                              msg.payload.data(), msg.payload.size());
  bool ok = crypto_sign_verify_detached(msg.signature.data(), buffer.data(),
                                        buffer.size(), msg.sender.data())
            == 0;
  if (buffer.capacity() > max_retained_signing_buffer_bytes)
    bytes{}.swap(buffer);
  return ok;
}

gossip_verdict check_envelope(const gossip_rules& rules,
                              const proto::gossip& msg, int64_t now) {
  auto verdict = check_timestamp(msg, now, rules.max_age_seconds);
  if (verdict != gossip_verdict::accept)
    return verdict;
  if (!rules.signing_enabled)
    return gossip_verdict::accept;
  if (!is_signed(msg))
    return gossip_verdict::unsigned_rejected;
  return verify_signature(rules.magic, msg) ? gossip_verdict::accept
                                            : gossip_verdict::bad_signature;
}

gossip_verdict check_gossip(const gossip_rules& rules, const proto::gossip& msg,
                            int64_t now, rotating_bloom& seen) {
  // A filter that forgets sooner than the timestamp check refuses would let
  // a replay through.
  assert(seen.parameters().max_age.count() >= rules.max_age_seconds);
  auto verdict = check_envelope(rules, msg, now);
  if (verdict != gossip_verdict::accept)
    return verdict;
  return seen.insert_if_new(message_id(msg), msg.timestamp, now)
           ? gossip_verdict::accept
           : gossip_verdict::duplicate;
}

} // namespace timecoin::security
