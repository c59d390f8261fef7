#pragma once

// MessagePack encoding and decoding of whole messages (docs/PROTOCOL.md,
// "Encoding").

#include <cstdint>
#include <string>

#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace timecoin::proto {

/// Why a payload could not be decoded.
enum class decode_errc : uint8_t {
  not_msgpack = 1, ///< not one valid MessagePack object, or trailing bytes
  not_envelope,    ///< not `[type u16, id u64, body array]`
  unknown_type,    ///< a well-formed envelope of a type this node does not know
  bad_field,       ///< a known field has the wrong type or size
  too_deep,        ///< nesting beyond `max_nesting_depth`
  limit_exceeded,  ///< a list longer than the protocol allows
};

/// A decode failure: the case and a human-readable detail naming the field.
struct decode_error {
  decode_errc code = decode_errc::not_msgpack;
  std::string detail;
  uint16_t type = 0; ///< the envelope's type, when it could be read
};

/// Objects nested deeper than this are refused before they are built.
constexpr std::size_t max_nesting_depth = 16;

/// Encodes `msg` as its frame payload `[type, id, body]` (no length prefix).
bytes encode(const message& msg);
/// Encodes `msg` as a whole frame: 4-byte big-endian length, then payload.
bytes encode_frame(const message& msg);
/// Appends the frame of `msg` to `out` (avoids a copy when batching).
void append_frame(bytes& out, const message& msg);

/// Decodes one frame payload. Extra trailing body elements are ignored,
/// absent trailing fields defaulted; anything else malformed is an error.
result<message, decode_error> decode(const uint8_t* data, std::size_t size);
inline result<message, decode_error> decode(const bytes& payload) {
  return decode(payload.data(), payload.size());
}

/// Encoding of chain structures (the bytes hashed and gossiped). Decoding is
/// strict: every structure must have exactly its fields (docs/PROTOCOL.md).
bytes encode_transaction(const transaction& tx);
bytes encode_block(const block& b);
bytes encode_header(const block_header& h);
result<transaction, decode_error> decode_transaction(const uint8_t* data,
                                                     std::size_t size);
result<block, decode_error> decode_block(const uint8_t* data, std::size_t size);
result<block_header, decode_error> decode_header(const uint8_t* data,
                                                 std::size_t size);

/// A printable name of `code`.
const char* to_string(decode_errc code);
/// A printable name of a message type ("HELLO", ...), or "UNKNOWN".
const char* to_string(msg_type type);

} // namespace timecoin::proto
