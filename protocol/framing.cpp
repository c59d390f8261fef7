// Length-prefixed framing (protocol.md §3).

#include "protocol/framing.hpp"

#include <cstring>

namespace timecoin::proto {

namespace {

/// Consumed bytes are dropped from the front of the buffer only once they are
/// at least this many and at least half of it: each byte is moved O(1) times
/// on average, instead of an erase per frame (quadratic in frames buffered).
constexpr std::size_t compact_min_bytes = 4096;

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16)
         | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

/// need_more if a frame of `length` bytes is acceptable, else the error.
frame_status check_length(uint32_t length, std::size_t max_payload) {
  if (length == 0)
    return frame_status::empty_frame;
  if (length > max_payload)
    return frame_status::frame_too_large;
  return frame_status::need_more;
}

} // namespace

void frame_decoder::feed(const uint8_t* data, std::size_t size) {
  // A failed connection is closing: buffering more of it only costs memory.
  if (failed_ != frame_status::need_more || size == 0)
    return;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ >= compact_min_bytes && pos_ * 2 >= buf_.size()) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), data, data + size);
  // Refuse a bad length prefix as soon as its four bytes are here, so that
  // nothing more of a hostile frame is buffered even if `next` is not called.
  if (buf_.size() - pos_ >= frame_header_bytes) {
    failed_ = check_length(read_be32(buf_.data() + pos_), max_payload_);
    if (failed_ != frame_status::need_more)
      release();
  }
}

void frame_decoder::release() {
  bytes{}.swap(buf_);
  pos_ = 0;
}

frame_status frame_decoder::next(bytes& out) {
  if (failed_ != frame_status::need_more)
    return failed_;
  const std::size_t available = buf_.size() - pos_;
  if (available < frame_header_bytes)
    return frame_status::need_more;
  const uint32_t length = read_be32(buf_.data() + pos_);
  // Both checks use the four header bytes alone, before any payload is
  // buffered for this frame or copied out.
  failed_ = check_length(length, max_payload_);
  if (failed_ != frame_status::need_more) {
    release();
    return failed_;
  }
  if (available - frame_header_bytes < length)
    return frame_status::need_more;
  const uint8_t* payload = buf_.data() + pos_ + frame_header_bytes;
  out.assign(payload, payload + length);
  pos_ += frame_header_bytes + length;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return frame_status::frame;
}

} // namespace timecoin::proto
