// Decoding of whole messages `[type, id, body]` (docs/PROTOCOL.md). Bodies
// follow the protocol rule: extra trailing elements are ignored and absent
// trailing fields take their defaults (the member initialisers of
// messages.hpp). Chain structures inside bodies are exact (chain_codec.cpp).

#include <limits>

#include "protocol/codec_detail.hpp"

namespace timecoin::proto {

namespace {

using detail::fail;
using detail::field_failure;
using detail::field_path;
using detail::read_list;
using detail::record;

/// `[type, id, body]`: exactly three elements.
constexpr std::size_t envelope_fields = 3;
/// Lengths a PEERS entry's node id may have: unknown, or an Ed25519 key.
constexpr std::size_t peer_id_bytes = 32;
/// Lengths of GOSSIP's sender and signature when messages are signed
/// (docs/PROTOCOL.md, "Gossip").
constexpr std::size_t gossip_sender_bytes = 32;
constexpr std::size_t gossip_signature_bytes = 64;

/// Reads a bin that must be empty or exactly `n` bytes.
void read_optional_bin(const record& r, std::size_t i, const char* name,
                       std::size_t n, bytes& out) {
  r.read(i, name, out);
  if (!out.empty() && out.size() != n) {
    field_path at{&r.path(), name};
    fail(decode_errc::bad_field, at,
         "expected bin of 0 or " + std::to_string(n) + " bytes");
  }
}

hello read_hello(const record& r) {
  hello m;
  r.read(0, "magic", m.magic);
  r.read(1, "version", m.version);
  r.read(2, "min_version", m.min_version);
  r.read(3, "network", m.network);
  r.read(4, "node_id", m.node_id);
  r.read(5, "nonce", m.nonce);
  r.read(6, "listen_port", m.listen_port);
  r.read(7, "best_height", m.best_height);
  r.read(8, "best_hash", m.best_hash);
  r.read(9, "services", m.services);
  r.read(10, "user_agent", m.user_agent);
  r.read(11, "timestamp", m.timestamp);
  return m;
}

hello_auth read_hello_auth(const record& r) {
  hello_auth m;
  r.read(0, "signature", m.signature);
  return m;
}

reject read_reject(const record& r) {
  // Codes are kept as received, known or not: new codes may be added.
  uint16_t code = static_cast<uint16_t>(reject{}.code);
  r.read(0, "code", code);
  reject m;
  m.code = static_cast<reject_code>(code);
  r.read(1, "reason", m.reason);
  return m;
}

template <class PingOrPong>
PingOrPong read_ping_pong(const record& r) {
  PingOrPong m;
  r.read(0, "nonce", m.nonce);
  r.read(1, "best_height", m.best_height);
  return m;
}

peer_address read_peer_address(const msgpack::object& o, const field_path& at) {
  auto r = record::lenient(o, at);
  peer_address a;
  r.read(0, "host", a.host);
  r.read(1, "port", a.port);
  read_optional_bin(r, 2, "node_id", peer_id_bytes, a.node_id);
  r.read(3, "services", a.services);
  r.read(4, "last_seen", a.last_seen);
  return a;
}

peers read_peers(const record& r) {
  peers m;
  read_list(r, 0, "entries", max_peers_entries, m.entries, read_peer_address);
  return m;
}

template <class WithReason>
WithReason read_reason(const record& r) {
  WithReason m;
  r.read(0, "reason", m.reason);
  return m;
}

gossip read_gossip(const record& r) {
  gossip m;
  r.read(0, "kind", m.kind);
  r.read(1, "payload", m.payload);
  read_optional_bin(r, 2, "sender", gossip_sender_bytes, m.sender);
  r.read(3, "timestamp", m.timestamp);
  read_optional_bin(r, 4, "signature", gossip_signature_bytes, m.signature);
  return m;
}

/// A MASTERNODES entry: a GOSSIP body, under the same extension rule.
gossip read_gossip_entry(const msgpack::object& o, const field_path& at) {
  return read_gossip(record::lenient(o, at));
}

masternodes read_masternodes(const record& r) {
  masternodes m;
  read_list(r, 0, "entries", max_masternodes_entries, m.entries,
            read_gossip_entry);
  return m;
}

tip read_tip(const record& r) {
  tip m;
  r.read(0, "height", m.height);
  r.read(1, "hash", m.hash);
  r.read(2, "utxo_root", m.utxo_root);
  return m;
}

/// GET_BLOCKS, GET_HASHES, GET_HEADERS. `count` is not bounded here: the
/// serving side clamps it to the protocol maximum (docs/PROTOCOL.md).
template <class RangeRequest>
RangeRequest read_range(const record& r) {
  RangeRequest m;
  r.read(0, "start", m.start);
  r.read(1, "count", m.count);
  return m;
}

blocks read_blocks(const record& r) {
  blocks m;
  read_list(r, 0, "items", max_get_blocks, m.items, detail::read_block);
  return m;
}

hash256 read_hash(const msgpack::object& o, const field_path& at) {
  hash256 h;
  detail::read_value(o, at, h);
  return h;
}

hashes read_hashes(const record& r) {
  hashes m;
  read_list(r, 0, "items", max_get_hashes, m.items, read_hash);
  return m;
}

get_utxo_chunk read_get_utxo_chunk(const record& r) {
  get_utxo_chunk m;
  r.read(0, "height", m.height);
  r.read(1, "index", m.index);
  return m;
}

/// UTXO entries feed `utxo_root`, so they are exact like chain structures.
utxo_entry read_utxo_entry(const msgpack::object& o, const field_path& at) {
  auto r = record::exact(o, at, 5);
  utxo_entry e;
  r.read(0, "txid", e.txid);
  r.read(1, "vout", e.vout);
  r.read(2, "value", e.value);
  r.read(3, "owner", e.owner);
  r.read(4, "height", e.height);
  return e;
}

utxo_chunk read_utxo_chunk(const record& r) {
  utxo_chunk m;
  r.read(0, "height", m.height);
  r.read(1, "index", m.index);
  r.read(2, "total", m.total);
  read_list(r, 3, "entries", max_utxo_chunk_entries, m.entries,
            read_utxo_entry);
  return m;
}

signed_header read_signed_header(const msgpack::object& o,
                                 const field_path& at) {
  auto r = record::exact(o, at, 2);
  signed_header s;
  field_path header_path{&at, "header"};
  s.header = detail::read_header(*r.at(0), header_path);
  r.read(1, "producer_signature", s.producer_signature);
  return s;
}

headers read_headers(const record& r) {
  headers m;
  read_list(r, 0, "items", max_get_headers, m.items, read_signed_header);
  return m;
}

/// The body of a known `type`; false for an unknown one.
bool read_body(msg_type type, const record& r, body& out) {
  switch (type) {
    case msg_type::hello: out = read_hello(r); return true;
    case msg_type::hello_auth: out = read_hello_auth(r); return true;
    case msg_type::reject: out = read_reject(r); return true;
    case msg_type::ping: out = read_ping_pong<ping>(r); return true;
    case msg_type::pong: out = read_ping_pong<pong>(r); return true;
    case msg_type::get_peers: out = get_peers{}; return true;
    case msg_type::peers: out = read_peers(r); return true;
    case msg_type::bye: out = read_reason<bye>(r); return true;
    case msg_type::get_masternodes: out = get_masternodes{}; return true;
    case msg_type::masternodes: out = read_masternodes(r); return true;
    case msg_type::gossip: out = read_gossip(r); return true;
    case msg_type::get_tip: out = get_tip{}; return true;
    case msg_type::tip: out = read_tip(r); return true;
    case msg_type::get_blocks: out = read_range<get_blocks>(r); return true;
    case msg_type::blocks: out = read_blocks(r); return true;
    case msg_type::get_hashes: out = read_range<get_hashes>(r); return true;
    case msg_type::hashes: out = read_hashes(r); return true;
    case msg_type::get_utxo_chunk: out = read_get_utxo_chunk(r); return true;
    case msg_type::utxo_chunk: out = read_utxo_chunk(r); return true;
    case msg_type::not_found: out = read_reason<not_found>(r); return true;
    case msg_type::get_headers: out = read_range<get_headers>(r); return true;
    case msg_type::headers: out = read_headers(r); return true;
  }
  return false;
}

/// `o` as a u16/u64 envelope field, or nothing.
bool envelope_uint(const msgpack::object& o, uint64_t max, uint64_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER || o.via.u64 > max)
    return false;
  out = o.via.u64;
  return true;
}

result<message, decode_error> decode_envelope(const msgpack::object& obj) {
  const auto& arr = obj.via.array;
  uint64_t type = 0;
  uint64_t id = 0;
  if (obj.type != msgpack::type::ARRAY || arr.size != envelope_fields
      || !envelope_uint(arr.ptr[0], std::numeric_limits<uint16_t>::max(), type)
      || !envelope_uint(arr.ptr[1], std::numeric_limits<uint64_t>::max(), id)
      || arr.ptr[2].type != msgpack::type::ARRAY)
    return decode_error{decode_errc::not_envelope,
                        "payload: expected [type u16, id u64, body array]", 0};
  const auto wire_type = static_cast<uint16_t>(type);
  const auto known = static_cast<msg_type>(wire_type);
  const char* name = to_string(known);
  field_path at{nullptr, name};
  auto r = record::lenient(arr.ptr[2], at);
  message msg;
  msg.id = id;
  try {
    if (!read_body(known, r, msg.content))
      return decode_error{decode_errc::unknown_type,
                          "unknown message type " + std::to_string(wire_type),
                          wire_type};
  } catch (field_failure& e) {
    return decode_error{e.code, std::move(e.detail), wire_type};
  }
  return msg;
}

} // namespace

result<message, decode_error> decode(const uint8_t* data, std::size_t size) {
  detail::zone_scope scope;
  msgpack::object obj;
  try {
    obj = detail::parse_one(scope.zone(), data, size);
  } catch (field_failure& e) {
    return decode_error{e.code, std::move(e.detail), 0};
  }
  return decode_envelope(obj);
}

} // namespace timecoin::proto
