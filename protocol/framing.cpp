// Length-prefixed framing (docs/PROTOCOL.md, "Frames").

#include "protocol/framing.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/big_endian.hpp"
#include "protocol/messages.hpp"

namespace timecoin::proto {

namespace {

/// Consumed bytes are dropped from the front of the buffer only once they are
/// at least this many and at least half of it: each byte is moved O(1) times
/// on average, instead of an erase per frame (quadratic in frames buffered).
constexpr std::size_t compact_min_bytes = 4096;

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
    failed_ = check_length(be32(buf_.data() + pos_), max_payload_);
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
  const uint32_t length = be32(buf_.data() + pos_);
  // Both checks use the four header bytes alone, before any payload is
  // buffered for this frame or copied out.
  failed_ = check_length(length, max_payload_);
  if (failed_ != frame_status::need_more) {
    release();
    return failed_;
  }
  const uint8_t* payload = buf_.data() + pos_ + frame_header_bytes;
  const std::size_t have = available - frame_header_bytes;
  if (type_limits_ && frame_limit_ == 0
      && have >= std::min<std::size_t>(length, peek_type_bytes)) {
    frame_limit_ = max_payload_for(
      peek_type(payload, std::min<std::size_t>(have, length)), awaiting_);
    if (length > frame_limit_) {
      refused_limit_ = frame_limit_;
      failed_ = frame_status::type_too_large;
      release();
      return failed_;
    }
  }
  if (have < length)
    return frame_status::need_more;
  frame_limit_ = 0;
  out.assign(payload, payload + length);
  pos_ += frame_header_bytes + length;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return frame_status::frame;
}

void frame_decoder::shrink(std::size_t keep) {
  if (pos_ == buf_.size() && buf_.capacity() > keep)
    release();
}

namespace {

/// Reads one MessagePack integer at `p` (any encoding); the bytes it took,
/// or 0 if it is not an integer or not all here.
std::size_t read_int(const uint8_t* p, std::size_t size, int64_t& value) {
  if (size == 0)
    return 0;
  const uint8_t b = p[0];
  if (b <= 0x7f) {
    value = b;
    return 1;
  }
  if (b >= 0xe0) {
    value = static_cast<int8_t>(b);
    return 1;
  }
  std::size_t n = 0;
  bool is_signed = false;
  switch (b) {
    case 0xcc: n = 1; break;
    case 0xcd: n = 2; break;
    case 0xce: n = 4; break;
    case 0xcf: n = 8; break;
    case 0xd0:
      n = 1;
      is_signed = true;
      break;
    case 0xd1:
      n = 2;
      is_signed = true;
      break;
    case 0xd2:
      n = 4;
      is_signed = true;
      break;
    case 0xd3:
      n = 8;
      is_signed = true;
      break;
    default: return 0;
  }
  if (size < 1 + n)
    return 0;
  uint64_t u = 0;
  for (std::size_t i = 0; i < n; ++i)
    u = (u << 8) | p[1 + i];
  if (is_signed && n < 8 && (u >> (8 * n - 1)) != 0)
    u |= ~uint64_t{0} << (8 * n); // sign extension
  value = static_cast<int64_t>(u);
  return 1 + n;
}

} // namespace

std::optional<uint16_t> peek_type(const uint8_t* payload, std::size_t size) {
  if (size == 0)
    return std::nullopt;
  std::size_t off = 0;
  const uint8_t b = payload[0];
  if (b >= 0x90 && b <= 0x9f)
    off = 1;
  else if (b == 0xdc)
    off = 3;
  else if (b == 0xdd)
    off = 5;
  else
    return std::nullopt;
  if (size <= off)
    return std::nullopt;
  int64_t value = 0;
  if (read_int(payload + off, size - off, value) == 0 || value < 0
      || value > 0xffff)
    return std::nullopt;
  return static_cast<uint16_t>(value);
}

std::optional<std::pair<uint16_t, uint64_t>>
peek_type_and_id(const uint8_t* payload, std::size_t size) {
  auto type = peek_type(payload, size);
  if (!type)
    return std::nullopt;
  // The array header, then the type: skip both again to reach the id.
  std::size_t off = payload[0] == 0xdc ? 3 : payload[0] == 0xdd ? 5 : 1;
  int64_t value = 0;
  off += read_int(payload + off, size - off, value);
  int64_t id = 0;
  // A u64 above INT64_MAX comes back negative: the cast below restores it.
  auto n = read_int(payload + off, size - off, id);
  if (n == 0)
    return std::nullopt;
  return std::make_pair(*type, static_cast<uint64_t>(id));
}

std::size_t max_payload_for(std::optional<uint16_t> type,
                            bool awaiting_answers) {
  if (!type)
    return type_limits::other;
  switch (static_cast<msg_type>(*type)) {
    case msg_type::ping:
    case msg_type::pong:
    case msg_type::get_peers:
    case msg_type::get_masternodes:
    case msg_type::get_tip:
    case msg_type::tip:
    case msg_type::get_blocks:
    case msg_type::get_hashes:
    case msg_type::get_utxo_chunk:
    case msg_type::get_headers: return type_limits::small;
    case msg_type::bye:
    case msg_type::reject:
    case msg_type::not_found: return type_limits::reason;
    case msg_type::peers: return type_limits::peers;
    case msg_type::hashes: return type_limits::hashes;
    case msg_type::gossip: return max_frame_bytes;
    case msg_type::blocks:
      return awaiting_answers ? max_frame_bytes : type_limits::other;
    case msg_type::headers:
      return awaiting_answers ? type_limits::headers : type_limits::other;
    case msg_type::utxo_chunk:
      return awaiting_answers ? type_limits::utxo_chunk : type_limits::other;
    case msg_type::masternodes:
      return awaiting_answers ? type_limits::masternodes : type_limits::other;
    case msg_type::hello:
    case msg_type::hello_auth: return max_handshake_frame_bytes;
  }
  return type_limits::other;
}

} // namespace timecoin::proto
