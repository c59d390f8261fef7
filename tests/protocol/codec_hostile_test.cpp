// The message codec on hostile input: it must answer every byte string with a
// message or an error, without crashing, recursing deeply or allocating more
// than the input justifies (run these under TIMECOIN_SANITIZE=ON too).

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include <doctest/doctest.h>

#include "protocol/codec.hpp"
#include "tests/protocol/samples.hpp"

using namespace timecoin::proto;
using namespace timecoin::proto::test;

/// The largest single `operator new` request since a test reset it. The
/// replacements below serve the whole test binary and only record sizes.
static std::atomic<std::size_t> largest_new_bytes{0};

void* operator new(std::size_t size) {
  std::size_t seen = largest_new_bytes.load(std::memory_order_relaxed);
  while (size > seen
         && !largest_new_bytes.compare_exchange_weak(
           seen, size, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size))
    return p;
  throw std::bad_alloc{};
}
// The replaced operator new allocates with malloc, so free is the matching
// release; GCC cannot see that through the replacement.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace {

/// Nesting far beyond any parser's comfortable recursion depth.
constexpr std::size_t hostile_nesting = 100000;
/// Deterministic fuzz: a fixed seed and a fixed number of rounds.
constexpr uint32_t fuzz_seed = 20260101;
constexpr int random_rounds = 20000;
constexpr int mutation_rounds_per_sample = 1000;

/// Every decoder entry point on `data`; none may crash.
void decode_all(const bytes& data) {
  auto m = decode(data);
  if (m.has_value())
    (void) encode(*m);
  else
    CHECK_FALSE(m.error().detail.empty());
  (void) decode_transaction(data.data(), data.size());
  (void) decode_block(data.data(), data.size());
  (void) decode_header(data.data(), data.size());
}

decode_errc error_code(const bytes& data) {
  auto r = decode(data);
  REQUIRE_FALSE(r.has_value());
  return r.error().code;
}

} // namespace

TEST_CASE("every strict prefix of a valid payload is not_msgpack") {
  for (const auto& m : sample_messages()) {
    CAPTURE(to_string(m.type()));
    const bytes payload = encode(m);
    for (std::size_t n = 0; n < payload.size(); ++n) {
      const bytes prefix(payload.begin(), payload.begin() + n);
      auto r = decode(prefix);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == decode_errc::not_msgpack);
    }
  }
}

TEST_CASE("trailing bytes after the object are not_msgpack") {
  bytes payload = encode(message{1, ping{2, 3}});
  payload.push_back(0xc0);
  CHECK(error_code(payload) == decode_errc::not_msgpack);
  payload = encode_transaction(sample_transaction(1));
  payload.push_back(0x00);
  auto r = decode_transaction(payload.data(), payload.size());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == decode_errc::not_msgpack);
}

TEST_CASE("invalid MessagePack bytes are not_msgpack") {
  CHECK(error_code(bytes{}) == decode_errc::not_msgpack);
  CHECK(error_code(bytes{0xc1}) == decode_errc::not_msgpack); // never used
  CHECK(error_code(bytes{0x93, 0x04, 0x00, 0xc1}) == decode_errc::not_msgpack);
}

TEST_CASE("deep nesting is refused without deep recursion") {
  bytes deep(hostile_nesting, 0x91); // [[[[...
  deep.push_back(0xc0);
  CHECK(error_code(deep) == decode_errc::too_deep);
  deep.pop_back(); // and truncated
  CHECK(error_code(deep) == decode_errc::too_deep);
  bytes deep_maps;
  for (std::size_t i = 0; i < hostile_nesting; ++i) {
    deep_maps.push_back(0x81); // {0: {0: ...
    deep_maps.push_back(0x00);
  }
  CHECK(error_code(deep_maps) == decode_errc::too_deep);
  auto t = decode_transaction(deep.data(), deep.size());
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().code == decode_errc::too_deep);

  // Exactly max_nesting_depth levels parse (and are then no envelope).
  bytes at_limit(max_nesting_depth, 0x91);
  at_limit.push_back(0xc0);
  CHECK(error_code(at_limit) == decode_errc::not_envelope);
  at_limit.insert(at_limit.begin(), 0x91);
  CHECK(error_code(at_limit) == decode_errc::too_deep);
}

TEST_CASE("huge declared lengths with tiny data allocate nothing") {
  // array32, map32, bin32, str32 and ext32 declaring about 4 GiB.
  const std::vector<bytes> huge = {
    {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01},
    {0xdf, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02},
    {0xc6, 0xff, 0xff, 0xff, 0xff, 0x01},
    {0xdb, 0xff, 0xff, 0xff, 0xff, 0x61},
    {0xc9, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02},
    // A valid envelope start whose body declares 2^32-1 elements.
    {0x93, 0x07, 0x00, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x91},
  };
  for (const auto& data : huge) {
    CHECK(error_code(data) == decode_errc::not_msgpack);
    decode_all(data);
  }
  // Sixteen nested arrays each declaring 2^32-1 elements: msgpack-c alone
  // would reserve 16 x 96 GiB of elements before noticing the data is short.
  bytes nested;
  for (std::size_t i = 0; i < max_nesting_depth; ++i)
    nested.insert(nested.end(), {0xdd, 0xff, 0xff, 0xff, 0xff});
  auto r = decode(nested);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == decode_errc::not_msgpack);
  CHECK(r.error().detail == "payload: declared length exceeds the data");
  // Declared lengths that each fit but together exceed the data.
  bytes sum{0x92, 0xdc, 0x00, 0x10, 0xdc, 0x00, 0x10};
  sum.resize(sum.size() + 16, 0x00);
  CHECK(error_code(sum) == decode_errc::not_msgpack);
}

TEST_CASE("a list's declared count does not size its buffer beyond the data") {
  // Found while bounding the fuzz targets' allocations (scripts/fuzz.sh,
  // -malloc_limit_mb): [1, inputs, [], 0] declaring 60000 inputs, each a
  // 1-byte nil where a 3-array belongs. Reserving the declared count of
  // 100-byte inputs took 6 MB for 60 KB of data (800 MB for an 8 MiB frame)
  // before failing at the first input.
  const uint16_t count = 60000;
  bytes tx{0x94, 0x01, 0xdc, static_cast<uint8_t>(count >> 8),
           static_cast<uint8_t>(count)};
  tx.insert(tx.end(), count, 0xc0);
  tx.insert(tx.end(), {0x90, 0x00});
  largest_new_bytes = 0;
  auto r = decode_transaction(tx.data(), tx.size());
  const std::size_t largest = largest_new_bytes;
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == decode_errc::bad_field);
  CHECK(r.error().detail == "transaction.inputs[0]: expected array of 3");
  CHECK(largest <= 2 * tx.size());
}

TEST_CASE("hostile MASTERNODES: too many entries, huge counts, bad entries") {
  // 5,001 entries, each an empty array (a defaulted GOSSIP body): refused by
  // count before any entry is read.
  const uint16_t over = static_cast<uint16_t>(max_masternodes_entries + 1);
  bytes many{0x93,
             0x0b,
             0x00,
             0x91,
             0xdc,
             static_cast<uint8_t>(over >> 8),
             static_cast<uint8_t>(over)};
  many.insert(many.end(), over, 0x90);
  auto r = decode(many);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == decode_errc::limit_exceeded);
  CHECK(r.error().type == 11);
  CHECK(r.error().detail == "MASTERNODES.entries: 5001 entries exceed 5000");
  // 5,000 of them decode.
  many[5] = static_cast<uint8_t>(max_masternodes_entries >> 8);
  many[6] = static_cast<uint8_t>(max_masternodes_entries);
  many.pop_back();
  CHECK(decode(many).has_value());
  // array32 declaring 2^32-1 entries in a few bytes.
  CHECK(error_code({0x93, 0x0b, 0x00, 0x91, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x90})
        == decode_errc::not_msgpack);
  // 60,000 declared entries, each a nil: refused by count, allocating
  // nothing near the declared size.
  const uint16_t count = 60000;
  bytes nils{0x93,
             0x0b,
             0x00,
             0x91,
             0xdc,
             static_cast<uint8_t>(count >> 8),
             static_cast<uint8_t>(count)};
  nils.insert(nils.end(), count, 0xc0);
  largest_new_bytes = 0;
  CHECK(error_code(nils) == decode_errc::limit_exceeded);
  CHECK(largest_new_bytes <= 2 * nils.size());
  // Entries of the wrong shape: nil, an integer, a map, a bin.
  for (uint8_t entry : {0xc0, 0x07, 0x80, 0xc4}) {
    CAPTURE(entry);
    bytes one{0x93, 0x0b, 0x00, 0x91, 0x91, entry};
    if (entry == 0xc4)
      one.push_back(0x00);
    CHECK(error_code(one) == decode_errc::bad_field);
  }
  // A GET_MASTERNODES with a huge trailing field is still one (extension
  // rule); its frame limit is the framing's business.
  bytes get{0x93, 0x0a, 0x01, 0x91, 0xc5, 0x10, 0x00};
  get.resize(get.size() + 0x1000, 0xee);
  auto g = decode(get);
  REQUIRE(g.has_value());
  CHECK(g->type() == msg_type::get_masternodes);
}

TEST_CASE("random bytes never crash the decoders") {
  std::mt19937 rng{fuzz_seed};
  std::uniform_int_distribution<int> byte_dist{0, 255};
  std::uniform_int_distribution<std::size_t> len_dist{0, 96};
  int decoded = 0;
  for (int round = 0; round < random_rounds; ++round) {
    bytes data(len_dist(rng));
    for (auto& b : data)
      b = static_cast<uint8_t>(byte_dist(rng));
    // Half the rounds start like an envelope, to get past the first checks.
    if (round % 2 == 0 && data.size() >= 3) {
      data[0] = 0x93;
      data[1] = static_cast<uint8_t>(
        std::vector<int>{1, 7, 16, 35, 39, 42}[round % 6]);
    }
    decode_all(data);
    decoded += decode(data).has_value() ? 1 : 0;
  }
  MESSAGE(decoded << " of " << random_rounds << " random inputs decoded");
}

TEST_CASE("random well-formed token soups never crash the decoders") {
  // Envelopes whose bodies are random sequences of valid MessagePack tokens:
  // they get past the parser and exercise the field readers.
  const std::vector<bytes> tokens = {
    {0xc0},           {0x00},       {0x7f},       {0xff}, {0xcd, 0xff, 0xff},
    {0xd0, 0x80},     {0xa1, 0x61}, {0xc4, 0x00}, {0x90}, {0x91},
    {0x92},           {0x95},       {0x97},       {0x80}, {0xca, 0, 0, 0, 0},
    bytes_of(h32(1)), {0xc4, 0x20},
  };
  const bytes bin32_header{0xc4, 0x20};
  std::mt19937 rng{fuzz_seed + 2};
  std::uniform_int_distribution<std::size_t> pick{0, tokens.size() - 1};
  std::uniform_int_distribution<int> count{0, 24};
  const auto samples = sample_messages();
  int decoded = 0;
  for (int round = 0; round < random_rounds; ++round) {
    const auto type = static_cast<uint8_t>(
      samples[round % samples.size()].type());
    bytes data{0x93, type, 0x00, static_cast<uint8_t>(0x90 + round % 13)};
    for (int n = count(rng); n > 0; --n) {
      const bytes& t = tokens[pick(rng)];
      data.insert(data.end(), t.begin(), t.end());
      if (t == bin32_header) // complete the bin32 with its 32 bytes
        data.insert(data.end(), 32, 0x42);
    }
    decode_all(data);
    decoded += decode(data).has_value() ? 1 : 0;
  }
  MESSAGE(decoded << " of " << random_rounds << " token soups decoded");
  CHECK(decoded > 0);
}

TEST_CASE("mutated valid payloads never crash the decoders") {
  std::mt19937 rng{fuzz_seed + 1};
  std::uniform_int_distribution<int> byte_dist{0, 255};
  for (const auto& m : sample_messages()) {
    const bytes payload = encode(m);
    std::uniform_int_distribution<std::size_t> pos_dist{0, payload.size() - 1};
    for (int round = 0; round < mutation_rounds_per_sample; ++round) {
      bytes data = payload;
      const int edits = 1 + round % 4;
      for (int e = 0; e < edits; ++e)
        data[pos_dist(rng)] = static_cast<uint8_t>(byte_dist(rng));
      if (round % 5 == 0)
        data.resize(pos_dist(rng));
      decode_all(data);
    }
  }
}
