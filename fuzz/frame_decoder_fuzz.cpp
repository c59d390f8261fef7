// libFuzzer target: proto::frame_decoder against a straightforward reference
// reading of the same stream. The bytes arrive in input-chosen splits, and
// the frames, the final status and what stays buffered must match the
// reference whatever the split.
//
// Input: [mode, split, stream...]
//   mode & 3: the bound: 0 handshake (64 KiB), 1 connected (8 MiB), 2 a tiny
//             bound (16 bytes), 3 handshake bound raised to 8 MiB after the
//             first frame (as the connection does once connected)
//   mode & 4: call `next` only after every byte was fed (frames pile up in
//             the buffer), else after each `feed`
//   mode & 8: limits per message type on (as after the handshake), with
//             mode & 16 saying whether a request of ours waits
//   split:    low 3 bits pick the largest piece (all at once, 1, 3, 16, 255,
//             4096, 65536, all), the high 5 bits seed the piece sizes

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz/fuzz_common.hpp"
#include "protocol/big_endian.hpp"
#include "protocol/framing.hpp"

using namespace timecoin;
using proto::frame_status;

namespace {

/// The bound on the tiny-bound mode: most frames of real messages exceed it.
constexpr std::size_t tiny_bound_bytes = 16;
constexpr std::size_t input_header_bytes = 2;
constexpr std::size_t max_piece_bytes[8] = {0, 1, 3, 16, 255, 4096, 65536, 0};

struct bounds {
  std::size_t first; ///< for the first frame
  std::size_t later; ///< once a frame was produced
};

bounds bounds_of(uint8_t mode) {
  switch (mode & 3) {
    case 0:
      return {proto::max_handshake_frame_bytes,
              proto::max_handshake_frame_bytes};
    case 1: return {proto::max_frame_bytes, proto::max_frame_bytes};
    case 2: return {tiny_bound_bytes, tiny_bound_bytes};
    default: return {proto::max_handshake_frame_bytes, proto::max_frame_bytes};
  }
}

/// What any correct decoder makes of the whole stream.
struct reference {
  struct span {
    std::size_t offset, size;
  };
  std::vector<span> frames;
  frame_status end = frame_status::need_more;
  std::size_t left = 0; ///< bytes after the last frame, when `need_more`
};

reference read_reference(const uint8_t* data, std::size_t size, bounds b,
                         bool type_limits, bool awaiting) {
  reference ref;
  std::size_t pos = 0;
  for (;;) {
    if (size - pos < proto::frame_header_bytes)
      break;
    const uint32_t length = proto::be32(data + pos);
    const std::size_t bound = ref.frames.empty() ? b.first : b.later;
    if (length == 0) {
      ref.end = frame_status::empty_frame;
      return ref;
    }
    if (length > bound) {
      ref.end = frame_status::frame_too_large;
      return ref;
    }
    const std::size_t have = size - pos - proto::frame_header_bytes;
    if (type_limits) {
      // The type is read once the first bytes of the payload are here.
      const std::size_t need = length < proto::peek_type_bytes
                                 ? length
                                 : proto::peek_type_bytes;
      if (have < need)
        break;
      const uint8_t* p = data + pos + proto::frame_header_bytes;
      const auto limit = proto::max_payload_for(
        proto::peek_type(p, have < length ? have : length), awaiting);
      if (length > limit) {
        ref.end = frame_status::type_too_large;
        return ref;
      }
    }
    if (have < length)
      break;
    ref.frames.push_back({pos + proto::frame_header_bytes, length});
    pos += proto::frame_header_bytes + length;
  }
  ref.left = size - pos;
  return ref;
}

/// Deterministic piece sizes from the input's seed (xorshift32).
class pieces {
public:
  pieces(uint8_t split)
    : max_(max_piece_bytes[split & 7]), state_(0x9E3779B9u ^ (split >> 3)) {}

  std::size_t next(std::size_t remaining) {
    if (max_ == 0)
      return remaining;
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    const std::size_t n = 1 + state_ % max_;
    return n < remaining ? n : remaining;
  }

private:
  std::size_t max_;
  uint32_t state_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < input_header_bytes)
    return 0;
  const uint8_t mode = data[0];
  const uint8_t split = data[1];
  const uint8_t* stream = data + input_header_bytes;
  const std::size_t stream_size = size - input_header_bytes;
  const bounds b = bounds_of(mode);
  const bool drain_each_feed = (mode & 4) == 0;
  const bool type_limits = (mode & 8) != 0;
  const bool awaiting = (mode & 16) != 0;
  const reference ref = read_reference(stream, stream_size, b, type_limits,
                                       awaiting);

  proto::frame_decoder decoder{b.first};
  decoder.set_type_limits(type_limits);
  decoder.set_awaiting_answers(awaiting);
  std::size_t produced = 0;
  proto::bytes payload;
  auto drain = [&] {
    for (;;) {
      const frame_status s = decoder.next(payload);
      if (s != frame_status::frame)
        return;
      fuzz::check(produced < ref.frames.size(), "a frame the reference lacks");
      const auto& want = ref.frames[produced];
      fuzz::check(
        payload.size() == want.size
          && std::memcmp(payload.data(), stream + want.offset, want.size) == 0,
        "a frame differs from the reference");
      if (++produced == 1)
        decoder.set_max_payload(b.later);
    }
  };

  pieces split_sizes{split};
  for (std::size_t fed = 0; fed < stream_size;) {
    const std::size_t n = split_sizes.next(stream_size - fed);
    decoder.feed(stream + fed, n);
    fed += n;
    if (drain_each_feed)
      drain();
    // Memory bound: once the whole frames are taken, at most one frame in
    // progress stays buffered, and it is within the bound.
    if (drain_each_feed && !decoder.failed())
      fuzz::check(decoder.buffered()
                    < proto::frame_header_bytes + decoder.max_payload(),
                  "buffered more than one bounded frame in progress");
  }
  drain();

  fuzz::check(produced == ref.frames.size(), "frames missing");
  const frame_status end = decoder.next(payload);
  fuzz::check(end == ref.end, "final status differs from the reference");
  fuzz::check(decoder.failed() == (ref.end != frame_status::need_more),
              "failed() disagrees with the final status");
  if (decoder.failed()) {
    fuzz::check(decoder.buffered() == 0, "bytes kept after a failure");
    // A failed decoder stays failed and ignores more input.
    const uint8_t more[8] = {0, 0, 0, 1, 42, 0, 0, 0};
    decoder.feed(more, sizeof(more));
    fuzz::check(decoder.next(payload) == end, "a failure did not stick");
    fuzz::check(decoder.buffered() == 0, "bytes kept after a failure");
  } else {
    fuzz::check(decoder.buffered() == ref.left,
                "buffered bytes differ from the reference");
  }
  return 0;
}
