#pragma once

// Length-prefixed framing (protocol.md §3).

#include <cstddef>
#include <cstdint>

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
  frame,          ///< a whole payload was produced
  need_more,      ///< no whole frame buffered yet
  frame_too_large,///< the length prefix exceeds the current bound
  empty_frame,    ///< a zero length prefix (1 <= length is required)
};

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

  /// Appends received bytes.
  void feed(const uint8_t* data, std::size_t size);

  /// Extracts the next whole payload into `out`.
  frame_status next(bytes& out);

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
  frame_status failed_ = frame_status::need_more;
};

} // namespace timecoin::proto
