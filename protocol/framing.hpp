#pragma once

// Length-prefixed framing (docs/PROTOCOL.md, "Frames").

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "protocol/types.hpp"

namespace timecoin::proto {

/// Largest frame payload after the handshake.
constexpr std::size_t max_frame_bytes = 8 * 1024 * 1024;
/// Frames before the handshake are small; larger ones are hostile.
constexpr std::size_t max_handshake_frame_bytes = 64 * 1024;
/// Bytes of the big-endian length prefix.
constexpr std::size_t frame_header_bytes = 4;

/// Outcome of `frame_decoder::next`.
enum class frame_status : uint8_t {
  frame,           ///< a whole payload was produced
  need_more,       ///< no whole frame buffered yet
  frame_too_large, ///< the length prefix exceeds the current bound
  empty_frame,     ///< a zero length prefix (1 <= length is required)
  type_too_large,  ///< longer than the limit for its message type
};

/// The message type of a payload, read from its first bytes (the array
/// header and the `type` integer, in any MessagePack integer encoding);
/// nullopt if those bytes are not here yet or are not of that shape.
std::optional<uint16_t> peek_type(const uint8_t* payload, std::size_t size);

/// Bytes of payload `peek_type` needs at most.
constexpr std::size_t peek_type_bytes = 14;

/// The message type and request id of a whole payload (see `peek_type`);
/// nullopt if they cannot be read.
std::optional<std::pair<uint16_t, uint64_t>>
peek_type_and_id(const uint8_t* payload, std::size_t size);

/// What a connection accepts of each message type after the handshake
/// (docs/PROTOCOL.md, "Size limits per message type"). A peer's PING or
/// GET_PEERS is a few dozen bytes; the 8 MiB frame bound is for answers to
/// our own chain requests and for blocks, so nothing else may make a
/// connection buffer or decode megabytes.
struct type_limits {
  /// Requests and small messages: PING, PONG, GET_*, TIP.
  static constexpr std::size_t small = 1024;
  /// Messages with a reason string: BYE, REJECT, NOT_FOUND.
  static constexpr std::size_t reason = 4096;
  /// PEERS: 1,000 entries of up to ~300 bytes (a 255-byte host name).
  static constexpr std::size_t peers = 320 * 1024;
  /// HASHES: 2,000 hashes of 34 bytes.
  static constexpr std::size_t hashes = 80 * 1024;
  /// MASTERNODES: 5,000 announcements of at most ~240 bytes each.
  static constexpr std::size_t masternodes = 1280 * 1024;
  /// HEADERS: 2,000 headers with their signature, ~230 bytes each.
  static constexpr std::size_t headers = 640 * 1024;
  /// UTXO_CHUNK: 10,000 entries of ~100 bytes.
  static constexpr std::size_t utxo_chunk = 1280 * 1024;
  /// Unknown types (ignored after the handshake) and answers that no
  /// request of ours waits for.
  static constexpr std::size_t other = 64 * 1024;
};

/// The largest payload accepted for `type`. `awaiting_answers`: a chain
/// request of ours is outstanding on the connection, so BLOCKS, HEADERS,
/// UTXO_CHUNK and MASTERNODES may be as large as their answers are; otherwise
/// they are limited like unknown types. GOSSIP keeps the frame bound here: its
/// limit per kind is checked on the decoded envelope.
std::size_t max_payload_for(std::optional<uint16_t> type,
                            bool awaiting_answers);

/// Reassembles frames from bytes that arrive in any split. The bound on the
/// length prefix is checked before anything is allocated for the payload.
/// After an error the decoder stays failed (the connection must close).
class frame_decoder {
public:
  explicit frame_decoder(std::size_t max_payload = max_handshake_frame_bytes)
    : max_payload_(max_payload) {}

  /// Changes the bound (e.g. to `max_frame_bytes` once the handshake is done).
  void set_max_payload(std::size_t n) { max_payload_ = n; }
  std::size_t max_payload() const { return max_payload_; }

  /// Checks each frame against `max_payload_for(type, awaiting_answers())`
  /// as soon as its first bytes are here (`type_too_large` otherwise), so
  /// that a frame over its type's limit is refused before it is buffered.
  void set_type_limits(bool on) { type_limits_ = on; }
  void set_awaiting_answers(bool on) { awaiting_ = on; }

  /// The limit that refused the last frame (with `type_too_large`).
  std::size_t refused_limit() const { return refused_limit_; }

  /// Gives memory back after a large frame: the buffer keeps at most
  /// `keep` bytes of capacity when it holds no partial frame.
  void shrink(std::size_t keep);

  /// Appends received bytes.
  void feed(const uint8_t* data, std::size_t size);

  /// Extracts the next whole payload into `out`.
  frame_status next(bytes& out);

  /// Bytes of memory the buffer holds.
  std::size_t capacity() const { return buf_.capacity(); }

  /// Bytes buffered and not yet returned as frames.
  std::size_t buffered() const { return buf_.size() - pos_; }

  /// True once a bad length prefix was seen; `next` keeps returning it.
  /// `feed` already checks the prefix of the first pending frame.
  bool failed() const { return failed_ != frame_status::need_more; }

private:
  /// Drops everything buffered (after an error).
  void release();

  bytes buf_;
  std::size_t pos_ = 0;
  std::size_t max_payload_;
  bool type_limits_ = false;
  bool awaiting_ = false;
  std::size_t refused_limit_ = 0;
  /// The limit of the frame in progress, fixed when its type was first
  /// read (0: not read yet), so that it does not change halfway through.
  std::size_t frame_limit_ = 0;
  frame_status failed_ = frame_status::need_more;
};

} // namespace timecoin::proto
