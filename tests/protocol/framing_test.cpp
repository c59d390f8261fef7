// Frame reassembly: any split of the byte stream, the size bounds, sticky
// errors.

#include <random>

#include <doctest/doctest.h>

#include "protocol/codec.hpp"
#include "protocol/framing.hpp"
#include "tests/protocol/samples.hpp"

using namespace timecoin::proto;
using namespace timecoin::proto::test;

namespace {

constexpr uint32_t split_seed = 424242;

bytes length_prefix(uint32_t n) {
  return {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
}

void feed(frame_decoder& d, const bytes& data) {
  d.feed(data.data(), data.size());
}

/// All frames of every sample message, back to back, and their payloads.
std::pair<bytes, std::vector<bytes>> sample_stream() {
  bytes stream;
  std::vector<bytes> payloads;
  for (const auto& m : sample_messages()) {
    append_frame(stream, m);
    payloads.push_back(encode(m));
  }
  return {stream, payloads};
}

/// Drains every whole frame out of `d`.
void drain(frame_decoder& d, std::vector<bytes>& got) {
  bytes out;
  frame_status s;
  while ((s = d.next(out)) == frame_status::frame)
    got.push_back(out);
  REQUIRE(s == frame_status::need_more);
}

} // namespace

TEST_CASE("frames arrive whole, byte by byte, or in random splits") {
  const auto [stream, payloads] = sample_stream();
  {
    frame_decoder d{max_frame_bytes};
    std::vector<bytes> got;
    feed(d, stream);
    drain(d, got);
    CHECK(got == payloads);
    CHECK(d.buffered() == 0);
  }
  {
    frame_decoder d{max_frame_bytes};
    std::vector<bytes> got;
    for (uint8_t b : stream) {
      d.feed(&b, 1);
      drain(d, got);
    }
    CHECK(got == payloads);
    CHECK(d.buffered() == 0);
  }
  std::mt19937 rng{split_seed};
  for (int round = 0; round < 200; ++round) {
    frame_decoder d{max_frame_bytes};
    std::vector<bytes> got;
    std::uniform_int_distribution<std::size_t> chunk{
      1, 1 + static_cast<std::size_t>(round) * 8};
    for (std::size_t pos = 0; pos < stream.size();) {
      const std::size_t n = std::min(chunk(rng), stream.size() - pos);
      d.feed(stream.data() + pos, n);
      pos += n;
      drain(d, got);
    }
    REQUIRE(got == payloads);
    CHECK(d.buffered() == 0);
  }
}

TEST_CASE("a long stream of small frames stays compact") {
  frame_decoder d{max_frame_bytes};
  bytes stream;
  for (int i = 0; i < 5000; ++i)
    append_frame(stream, message{static_cast<uint64_t>(i), ping{1, 2}});
  // Fed in chunks that always end mid-frame.
  std::size_t frames = 0;
  bytes out;
  for (std::size_t pos = 0; pos < stream.size(); pos += 1000) {
    d.feed(stream.data() + pos,
           std::min<std::size_t>(1000, stream.size() - pos));
    while (d.next(out) == frame_status::frame)
      ++frames;
    CHECK(d.buffered() < 1000);
  }
  CHECK(frames == 5000);
}

TEST_CASE("a length above the bound is refused from the header alone") {
  frame_decoder d; // handshake bound
  CHECK(d.max_payload() == max_handshake_frame_bytes);
  feed(d, length_prefix(max_handshake_frame_bytes + 1));
  CHECK(d.failed());
  bytes out;
  CHECK(d.next(out) == frame_status::frame_too_large);
  CHECK(d.buffered() == 0);
  CHECK(out.empty());

  // The header split across feeds is still refused once complete.
  frame_decoder split;
  const bytes huge = length_prefix(0xFFFFFFFF);
  split.feed(huge.data(), 3);
  CHECK(split.next(out) == frame_status::need_more);
  split.feed(huge.data() + 3, 1);
  CHECK(split.next(out) == frame_status::frame_too_large);
}

TEST_CASE("64 KiB before the handshake, 8 MiB after") {
  bytes out;
  frame_decoder d;
  feed(d, length_prefix(max_handshake_frame_bytes));
  CHECK(d.next(out) == frame_status::need_more);

  frame_decoder after{max_frame_bytes};
  feed(after, length_prefix(max_handshake_frame_bytes + 1));
  CHECK(after.next(out) == frame_status::need_more);

  frame_decoder raised;
  raised.set_max_payload(max_frame_bytes);
  feed(raised, length_prefix(max_frame_bytes + 1));
  CHECK(raised.next(out) == frame_status::frame_too_large);

  // A whole frame of exactly 8 MiB is accepted.
  frame_decoder full{max_frame_bytes};
  bytes frame = length_prefix(max_frame_bytes);
  frame.resize(frame_header_bytes + max_frame_bytes, 0x5A);
  feed(full, frame);
  REQUIRE(full.next(out) == frame_status::frame);
  CHECK(out.size() == max_frame_bytes);
  CHECK(out.back() == 0x5A);
  CHECK(full.buffered() == 0);
}

TEST_CASE("a zero length is empty_frame") {
  frame_decoder d;
  bytes out;
  feed(d, length_prefix(0));
  CHECK(d.next(out) == frame_status::empty_frame);
}

TEST_CASE("errors are sticky") {
  const bytes good = encode_frame(message{1, ping{1, 1}});
  bytes out;
  {
    frame_decoder d;
    feed(d, good);
    feed(d, length_prefix(0));
    feed(d, good);
    REQUIRE(d.next(out) == frame_status::frame);
    CHECK(d.next(out) == frame_status::empty_frame);
    feed(d, good);
    CHECK(d.next(out) == frame_status::empty_frame);
    CHECK(d.next(out) == frame_status::empty_frame);
  }
  {
    frame_decoder d;
    feed(d, length_prefix(max_handshake_frame_bytes + 1));
    feed(d, good);
    CHECK(d.buffered() == 0); // nothing more is buffered once failed
    CHECK(d.next(out) == frame_status::frame_too_large);
    d.set_max_payload(max_frame_bytes);
    CHECK(d.next(out) == frame_status::frame_too_large);
  }
}

namespace {

/// A frame whose payload starts like a message of `type` and is `size`
/// bytes long in all.
bytes typed_frame(uint16_t type, uint32_t size) {
  bytes f = length_prefix(size);
  bytes payload{0x93, 0xcd, static_cast<uint8_t>(type >> 8),
                static_cast<uint8_t>(type)};
  payload.resize(size, 0);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

} // namespace

TEST_CASE("the message type is read from any integer encoding") {
  const bytes fixint{0x93, 0x04, 0x00};
  CHECK(peek_type(fixint.data(), fixint.size()) == uint16_t{4});
  const bytes u32{0x93, 0xce, 0, 0, 0, 16};
  CHECK(peek_type(u32.data(), u32.size()) == uint16_t{16});
  const bytes i8{0x93, 0xd0, 35};
  CHECK(peek_type(i8.data(), i8.size()) == uint16_t{35});
  const bytes arr16{0xdc, 0, 3, 0xcc, 7};
  CHECK(peek_type(arr16.data(), arr16.size()) == uint16_t{7});
  const bytes negative{0x93, 0xff};
  CHECK(!peek_type(negative.data(), negative.size()));
  const bytes too_big{0x93, 0xce, 0, 1, 0, 0};
  CHECK(!peek_type(too_big.data(), too_big.size()));
  const bytes truncated{0x93, 0xcd, 0};
  CHECK(!peek_type(truncated.data(), truncated.size()));
  const bytes not_array{0x04};
  CHECK(!peek_type(not_array.data(), not_array.size()));
  // Real messages.
  for (const auto& m : sample_messages()) {
    auto p = encode(m);
    CHECK(peek_type(p.data(), p.size()) == static_cast<uint16_t>(m.type()));
  }
}

TEST_CASE("a frame over its type's limit is refused before it is buffered") {
  // An 8 MiB PING (trailing fields are allowed, so it would decode): refused
  // from its first bytes, having buffered less than one read.
  frame_decoder d{max_frame_bytes};
  d.set_type_limits(true);
  auto ping = typed_frame(4, max_frame_bytes);
  d.feed(ping.data(), 64);
  bytes out;
  CHECK(d.next(out) == frame_status::type_too_large);
  CHECK(d.refused_limit() == type_limits::small);
  CHECK(d.buffered() == 0);
  CHECK(d.next(out) == frame_status::type_too_large); // sticky
  // At the limit it passes.
  frame_decoder ok{max_frame_bytes};
  ok.set_type_limits(true);
  auto fits = typed_frame(6, type_limits::small);
  feed(ok, fits);
  CHECK(ok.next(out) == frame_status::frame);
  CHECK(out.size() == type_limits::small);
}

TEST_CASE("large answers only while a request of ours waits for them") {
  for (bool awaiting : {false, true}) {
    CAPTURE(awaiting);
    frame_decoder d{max_frame_bytes};
    d.set_type_limits(true);
    d.set_awaiting_answers(awaiting);
    auto blocks = typed_frame(35, 1024 * 1024);
    feed(d, blocks);
    bytes out;
    CHECK(d.next(out)
          == (awaiting ? frame_status::frame : frame_status::type_too_large));
  }
  // MASTERNODES: an answer too.
  CHECK(max_payload_for(uint16_t{11}, true) == type_limits::masternodes);
  CHECK(max_payload_for(uint16_t{11}, false) == type_limits::other);
  CHECK(max_payload_for(uint16_t{10}, false) == type_limits::small);
  CHECK(max_payload_for(std::nullopt, true) == type_limits::other);
  CHECK(max_payload_for(uint16_t{999}, true) == type_limits::other);
  CHECK(max_payload_for(uint16_t{16}, false) == max_frame_bytes);
}

TEST_CASE("a full MASTERNODES of the largest announcements fits its limit") {
  // The largest valid kind-9 payload: a 45-character IPv6 host, port and
  // vout in their widest forms; a signed envelope; a timestamp as uint64.
  bytes payload{0x95, 0xc4, 0x20};
  payload.resize(payload.size() + 32, 1);
  payload.insert(payload.end(), {0xd9, 45});
  payload.resize(payload.size() + 45, '1');
  payload.insert(payload.end(), {0xcd, 0xff, 0xff, 0xc4, 0x20});
  payload.resize(payload.size() + 32, 2);
  payload.insert(payload.end(), {0xce, 0xff, 0xff, 0xff, 0xff});
  const gossip ann{9, payload, bytes(32, 3), int64_t{1} << 40, bytes(64, 4)};
  const message full{1, masternodes{
                          std::vector<gossip>(max_masternodes_entries, ann)}};
  CHECK(encode(full).size() <= type_limits::masternodes);
}

TEST_CASE("the buffer gives its memory back after a large frame") {
  frame_decoder d{max_frame_bytes};
  d.set_type_limits(true);
  d.set_awaiting_answers(true);
  auto big = typed_frame(35, 4 * 1024 * 1024);
  feed(d, big);
  bytes out;
  REQUIRE(d.next(out) == frame_status::frame);
  CHECK(d.capacity() >= 4 * 1024 * 1024);
  d.shrink(256 * 1024);
  CHECK(d.capacity() <= 256 * 1024);
  auto small = typed_frame(4, 20);
  feed(d, small);
  CHECK(d.next(out) == frame_status::frame);
  CHECK(out.size() == 20);
}

TEST_CASE("type and request id are read from a payload's first bytes") {
  const bytes small{0x93, 0x23, 0x05, 0x90};
  auto h = peek_type_and_id(small.data(), small.size());
  REQUIRE(h);
  CHECK(h->first == 35);
  CHECK(h->second == 5);
  const bytes big_id{0x93, 0x23, 0xcf, 0xff, 0xff, 0xff,
                     0xff, 0xff, 0xff, 0xff, 0xfe, 0x90};
  h = peek_type_and_id(big_id.data(), big_id.size());
  REQUIRE(h);
  CHECK(h->second == 0xfffffffffffffffeull);
  const bytes no_id{0x93, 0x23};
  CHECK(!peek_type_and_id(no_id.data(), no_id.size()));
  for (const auto& m : sample_messages()) {
    auto p = encode(m);
    auto got = peek_type_and_id(p.data(), p.size());
    REQUIRE(got);
    CHECK(got->first == static_cast<uint16_t>(m.type()));
    CHECK(got->second == m.id);
  }
}

TEST_CASE("a frame keeps the limit it started with") {
  // Half of a 1 MiB BLOCKS answer arrives while we wait for it; then the
  // request times out. The frame already admitted is not refused halfway.
  frame_decoder d{max_frame_bytes};
  d.set_type_limits(true);
  d.set_awaiting_answers(true);
  auto blocks = typed_frame(35, 1024 * 1024);
  const auto half = blocks.size() / 2;
  d.feed(blocks.data(), half);
  bytes out;
  CHECK(d.next(out) == frame_status::need_more);
  d.set_awaiting_answers(false);
  d.feed(blocks.data() + half, blocks.size() - half);
  CHECK(d.next(out) == frame_status::frame);
  // The next one is judged afresh.
  feed(d, blocks);
  CHECK(d.next(out) == frame_status::type_too_large);
}
