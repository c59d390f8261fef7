#pragma once

// Sample values for the protocol tests: every field differs from its default,
// so a field lost in a round trip changes the re-encoding.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/codec.hpp"
#include "protocol/messages.hpp"

namespace timecoin::proto::test {

/// 32 bytes of `b`, `b + 1`, ... (distinct per call site).
inline hash256 h32(uint8_t b) {
  hash256 h;
  for (std::size_t i = 0; i < h.size(); ++i)
    h[i] = static_cast<uint8_t>(b + i);
  return h;
}

inline sig64 s64(uint8_t b) {
  sig64 s;
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<uint8_t>(b + 3 * i);
  return s;
}

inline bytes bytes_of(const hash256& h) {
  return bytes(h.begin(), h.end());
}

inline transaction sample_transaction(uint8_t seed) {
  transaction tx;
  tx.version = 2;
  tx.inputs.push_back({h32(seed), 3, s64(seed)});
  tx.inputs.push_back({h32(static_cast<uint8_t>(seed + 1)), 70000,
                       s64(static_cast<uint8_t>(seed + 1))});
  tx.outputs.push_back({5'000'000'000ULL, h32(static_cast<uint8_t>(seed + 2))});
  tx.outputs.push_back({1, h32(static_cast<uint8_t>(seed + 3))});
  tx.lock_time = 99;
  return tx;
}

inline block_header sample_header(uint64_t height) {
  block_header h;
  h.version = 3;
  h.height = height;
  h.prev_hash = h32(10);
  h.merkle_root = h32(20);
  h.utxo_root = h32(30);
  h.timestamp = 1'767'225'600 + static_cast<int64_t>(height);
  h.producer = h32(40);
  return h;
}

inline block sample_block(uint64_t height) {
  block b;
  b.header = sample_header(height);
  b.producer_signature = s64(50);
  b.transactions.push_back(sample_transaction(60));
  b.transactions.push_back(sample_transaction(70));
  return b;
}

/// One message of each of the 22 types, all fields non-default, each with a
/// distinct non-zero id.
inline std::vector<message> sample_messages() {
  std::vector<message> out;
  uint64_t id = 1;
  auto add = [&](body b) { out.push_back(message{id++ * 1000003, b}); };
  add(hello{0x44455654, 1, 1, "devnet", h32(1), h32(2), 24200, 123456789012ULL,
            h32(3), 7, "timecoin-node/0.1", -1234567});
  add(hello_auth{s64(4)});
  add(reject{reject_code::duplicate, "duplicate connection"});
  add(ping{0xFFFFFFFFFFFFFFFFULL, 42});
  add(pong{17, 43});
  add(get_peers{});
  add(peers{{{"10.0.0.1", 24200, bytes_of(h32(5)), 3, 1'767'225'600},
             {"node.example", 24100, {}, 0, -5}}});
  add(bye{"shutting down"});
  add(gossip{1024, bytes{1, 2, 3, 4}, bytes_of(h32(6)), 1'767'225'601,
             bytes(64, 0xAB)});
  add(get_tip{});
  add(tip{500, h32(7), h32(8)});
  add(get_blocks{100, 500});
  add(blocks{{sample_block(100), sample_block(101)}});
  add(get_hashes{200, 2000});
  add(hashes{{h32(9), h32(11), h32(12)}});
  add(get_utxo_chunk{1000, 2});
  add(
    utxo_chunk{1000,
               2,
               3,
               {{h32(13), 0, 7, h32(14), 900}, {h32(15), 1, 8, h32(16), 901}}});
  add(not_found{"no such snapshot"});
  add(get_headers{300, 1999});
  add(headers{{{sample_header(300), s64(17)}, {sample_header(301), s64(18)}}});
  add(get_masternodes{});
  add(masternodes{
    {{9, bytes{5, 6, 7}, bytes_of(h32(19)), 1'767'225'602, bytes(64, 0xCD)},
     {9, bytes{8}, {}, -7, {}}}});
  return out;
}

/// Field names of each body, in wire order, as decode errors name them.
inline std::vector<std::string> body_field_names(msg_type t) {
  switch (t) {
    case msg_type::hello:
      return {"magic",     "version",  "min_version", "network",
              "node_id",   "nonce",    "listen_port", "best_height",
              "best_hash", "services", "user_agent",  "timestamp"};
    case msg_type::hello_auth: return {"signature"};
    case msg_type::reject: return {"code", "reason"};
    case msg_type::ping:
    case msg_type::pong: return {"nonce", "best_height"};
    case msg_type::get_peers:
    case msg_type::get_masternodes:
    case msg_type::get_tip: return {};
    case msg_type::peers:
    case msg_type::masternodes: return {"entries"};
    case msg_type::bye:
    case msg_type::not_found: return {"reason"};
    case msg_type::gossip:
      return {"kind", "payload", "sender", "timestamp", "signature"};
    case msg_type::tip: return {"height", "hash", "utxo_root"};
    case msg_type::get_blocks:
    case msg_type::get_hashes:
    case msg_type::get_headers: return {"start", "count"};
    case msg_type::blocks:
    case msg_type::hashes:
    case msg_type::headers: return {"items"};
    case msg_type::get_utxo_chunk: return {"height", "index"};
    case msg_type::utxo_chunk: return {"height", "index", "total", "entries"};
  }
  return {};
}

} // namespace timecoin::proto::test
