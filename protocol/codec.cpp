// Encoding of whole messages `[type, id, body]` (docs/PROTOCOL.md), and the
// names of message types and decode errors.

#include <type_traits>

#include "protocol/big_endian.hpp"
#include "protocol/codec_detail.hpp"
#include "protocol/framing.hpp"

namespace timecoin::proto {

namespace {

using detail::pack_bin;
using detail::pack_str;
using detail::packer;

/// Wire types in the order of the alternatives of `body`.
constexpr msg_type body_types[] = {
  msg_type::hello,          msg_type::hello_auth, msg_type::reject,
  msg_type::ping,           msg_type::pong,       msg_type::get_peers,
  msg_type::peers,          msg_type::bye,        msg_type::gossip,
  msg_type::get_tip,        msg_type::tip,        msg_type::get_blocks,
  msg_type::blocks,         msg_type::get_hashes, msg_type::hashes,
  msg_type::get_utxo_chunk, msg_type::utxo_chunk, msg_type::not_found,
  msg_type::get_headers,    msg_type::headers,    msg_type::get_masternodes,
  msg_type::masternodes,
};
static_assert(std::size(body_types) == std::variant_size_v<body>,
              "every body alternative needs its wire type");

/// Encodings start this large: most messages fit without reallocating.
constexpr std::size_t initial_encoding_bytes = 128;

uint32_t size32(std::size_t n) {
  return static_cast<uint32_t>(n);
}

void pack_body(packer& pk, const hello& m) {
  pk.pack_array(12);
  pk.pack(m.magic);
  pk.pack(m.version);
  pk.pack(m.min_version);
  pack_str(pk, m.network);
  pack_bin(pk, m.node_id);
  pack_bin(pk, m.nonce);
  pk.pack(m.listen_port);
  pk.pack(m.best_height);
  pack_bin(pk, m.best_hash);
  pk.pack(m.services);
  pack_str(pk, m.user_agent);
  pk.pack(m.timestamp);
}

void pack_body(packer& pk, const hello_auth& m) {
  pk.pack_array(1);
  pack_bin(pk, m.signature);
}

void pack_body(packer& pk, const reject& m) {
  pk.pack_array(2);
  pk.pack(static_cast<uint16_t>(m.code));
  pack_str(pk, m.reason);
}

template <class PingOrPong>
void pack_ping_pong(packer& pk, const PingOrPong& m) {
  pk.pack_array(2);
  pk.pack(m.nonce);
  pk.pack(m.best_height);
}
void pack_body(packer& pk, const ping& m) {
  pack_ping_pong(pk, m);
}
void pack_body(packer& pk, const pong& m) {
  pack_ping_pong(pk, m);
}

void pack_body(packer& pk, const get_peers&) {
  pk.pack_array(0);
}
void pack_body(packer& pk, const get_tip&) {
  pk.pack_array(0);
}
void pack_body(packer& pk, const get_masternodes&) {
  pk.pack_array(0);
}

void pack_body(packer& pk, const peers& m) {
  pk.pack_array(1);
  pk.pack_array(size32(m.entries.size()));
  for (const auto& e : m.entries) {
    pk.pack_array(5);
    pack_str(pk, e.host);
    pk.pack(e.port);
    pack_bin(pk, e.node_id);
    pk.pack(e.services);
    pk.pack(e.last_seen);
  }
}

/// BYE and NOT_FOUND: `[reason]`.
void pack_reason(packer& pk, const std::string& reason) {
  pk.pack_array(1);
  pack_str(pk, reason);
}
void pack_body(packer& pk, const bye& m) {
  pack_reason(pk, m.reason);
}
void pack_body(packer& pk, const not_found& m) {
  pack_reason(pk, m.reason);
}

void pack_body(packer& pk, const gossip& m) {
  pk.pack_array(5);
  pk.pack(m.kind);
  pack_bin(pk, m.payload);
  pack_bin(pk, m.sender);
  pk.pack(m.timestamp);
  pack_bin(pk, m.signature);
}

void pack_body(packer& pk, const masternodes& m) {
  pk.pack_array(1);
  pk.pack_array(size32(m.entries.size()));
  for (const auto& e : m.entries)
    pack_body(pk, e);
}

void pack_body(packer& pk, const tip& m) {
  pk.pack_array(3);
  pk.pack(m.height);
  pack_bin(pk, m.hash);
  pack_bin(pk, m.utxo_root);
}

/// GET_BLOCKS, GET_HASHES, GET_HEADERS: `[start, count]`.
template <class RangeRequest>
void pack_range(packer& pk, const RangeRequest& m) {
  pk.pack_array(2);
  pk.pack(m.start);
  pk.pack(m.count);
}
void pack_body(packer& pk, const get_blocks& m) {
  pack_range(pk, m);
}
void pack_body(packer& pk, const get_hashes& m) {
  pack_range(pk, m);
}
void pack_body(packer& pk, const get_headers& m) {
  pack_range(pk, m);
}

void pack_body(packer& pk, const blocks& m) {
  pk.pack_array(1);
  pk.pack_array(size32(m.items.size()));
  for (const auto& b : m.items)
    detail::pack_block(pk, b);
}

void pack_body(packer& pk, const hashes& m) {
  pk.pack_array(1);
  pk.pack_array(size32(m.items.size()));
  for (const auto& h : m.items)
    pack_bin(pk, h);
}

void pack_body(packer& pk, const get_utxo_chunk& m) {
  pk.pack_array(2);
  pk.pack(m.height);
  pk.pack(m.index);
}

void pack_body(packer& pk, const utxo_chunk& m) {
  pk.pack_array(4);
  pk.pack(m.height);
  pk.pack(m.index);
  pk.pack(m.total);
  pk.pack_array(size32(m.entries.size()));
  for (const auto& e : m.entries) {
    pk.pack_array(5);
    pack_bin(pk, e.txid);
    pk.pack(e.vout);
    pk.pack(e.value);
    pack_bin(pk, e.owner);
    pk.pack(e.height);
  }
}

void pack_body(packer& pk, const headers& m) {
  pk.pack_array(1);
  pk.pack_array(size32(m.items.size()));
  for (const auto& item : m.items) {
    pk.pack_array(2);
    detail::pack_header(pk, item.header);
    pack_bin(pk, item.producer_signature);
  }
}

void pack_message(bytes& out, const message& msg) {
  detail::byte_sink sink{out};
  packer pk{sink};
  pk.pack_array(3);
  pk.pack(static_cast<uint16_t>(msg.type()));
  pk.pack(msg.id);
  std::visit([&pk](const auto& content) { pack_body(pk, content); },
             msg.content);
}

} // namespace

msg_type message::type() const {
  return body_types[content.index()];
}

bytes encode(const message& msg) {
  bytes out;
  out.reserve(initial_encoding_bytes);
  pack_message(out, msg);
  return out;
}

bytes encode_frame(const message& msg) {
  bytes out;
  out.reserve(initial_encoding_bytes);
  append_frame(out, msg);
  return out;
}

void append_frame(bytes& out, const message& msg) {
  const std::size_t start = out.size();
  out.insert(out.end(), frame_header_bytes, 0);
  pack_message(out, msg);
  const auto length = static_cast<uint32_t>(out.size() - start
                                            - frame_header_bytes);
  put_be32(out.data() + start, length);
}

const char* to_string(decode_errc code) {
  switch (code) {
    case decode_errc::not_msgpack: return "not_msgpack";
    case decode_errc::not_envelope: return "not_envelope";
    case decode_errc::unknown_type: return "unknown_type";
    case decode_errc::bad_field: return "bad_field";
    case decode_errc::too_deep: return "too_deep";
    case decode_errc::limit_exceeded: return "limit_exceeded";
  }
  return "unknown";
}

const char* to_string(msg_type type) {
  switch (type) {
    case msg_type::hello: return "HELLO";
    case msg_type::hello_auth: return "HELLO_AUTH";
    case msg_type::reject: return "REJECT";
    case msg_type::ping: return "PING";
    case msg_type::pong: return "PONG";
    case msg_type::get_peers: return "GET_PEERS";
    case msg_type::peers: return "PEERS";
    case msg_type::bye: return "BYE";
    case msg_type::get_masternodes: return "GET_MASTERNODES";
    case msg_type::masternodes: return "MASTERNODES";
    case msg_type::gossip: return "GOSSIP";
    case msg_type::get_tip: return "GET_TIP";
    case msg_type::tip: return "TIP";
    case msg_type::get_blocks: return "GET_BLOCKS";
    case msg_type::blocks: return "BLOCKS";
    case msg_type::get_hashes: return "GET_HASHES";
    case msg_type::hashes: return "HASHES";
    case msg_type::get_utxo_chunk: return "GET_UTXO_CHUNK";
    case msg_type::utxo_chunk: return "UTXO_CHUNK";
    case msg_type::not_found: return "NOT_FOUND";
    case msg_type::get_headers: return "GET_HEADERS";
    case msg_type::headers: return "HEADERS";
  }
  return "UNKNOWN";
}

} // namespace timecoin::proto
