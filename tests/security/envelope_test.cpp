#include "security/envelope.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "security/bloom.hpp"

using namespace timecoin;
using namespace timecoin::security;

namespace {

constexpr uint32_t test_magic = 0x54494d45; // "TIME"
constexpr uint16_t test_kind = 1024;
constexpr int64_t test_time = 1767225600;
constexpr uint32_t max_age = 300;

bytes text(const std::string& s) {
  return bytes(s.begin(), s.end());
}

/// The key of the known-answer vectors: seed 01 02 ... 20.
node_key kat_key() {
  hash256 seed;
  for (std::size_t i = 0; i < seed.size(); ++i)
    seed[i] = static_cast<uint8_t>(i + 1);
  return node_key::from_seed(seed);
}

proto::gossip signed_hello() {
  auto key = kat_key();
  return make_gossip(&key, test_magic, test_kind, test_time, text("hello"));
}

gossip_rules signing_rules() {
  return gossip_rules{test_magic, max_age, true};
}

} // namespace

// Vectors computed independently with Python (struct, hashlib.blake2b with
// digest_size=32, cryptography's Ed25519).
TEST_CASE("gossip signing bytes: known answers") {
  CHECK(proto::to_hex(
          gossip_signing_bytes(test_magic, test_kind, test_time, text("hello")))
        == "74696d65636f696e2f31206d736754494d450400000000006955b900"
           "68656c6c6f");
  // Negative timestamp in two's complement, kind and magic big-endian, empty
  // payload.
  CHECK(proto::to_hex(gossip_signing_bytes(0x01020304, 0xfffe, -2, {}))
        == "74696d65636f696e2f31206d736701020304fffefffffffffffffffe");
  CHECK(gossip_signing_prefix.size() == 14);
}

TEST_CASE("make_gossip signs; signature and id match known answers") {
  auto msg = signed_hello();
  CHECK(msg.kind == test_kind);
  CHECK(msg.timestamp == test_time);
  CHECK(msg.payload == text("hello"));
  CHECK(proto::to_hex(msg.sender)
        == "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664");
  CHECK(proto::to_hex(msg.signature)
        == "ab305570a927e5a2957a7861970d6c8fe15792b0477163f66f976e6b7d07e16c"
           "c2bbf4a6e65d7adcfd9c7fa70a13f35d4c2e1ecde0cc220b00ab24b26dcbcb07");
  CHECK(proto::to_hex(message_id(msg))
        == "51691e53f0b2aff4525cb2aca66577c71a9163f2948544f3d0ff55adbb7f3c46");
  CHECK(verify_signature(test_magic, msg));
}

TEST_CASE("message id is the hash of kind, timestamp, sender, payload") {
  auto msg = signed_hello();
  bytes preimage{0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x69, 0x55, 0xb9, 0x00};
  preimage.insert(preimage.end(), msg.sender.begin(), msg.sender.end());
  preimage.insert(preimage.end(), msg.payload.begin(), msg.payload.end());
  CHECK(message_id(msg) == proto::hash(preimage));

  SUBCASE("independent of the signature") {
    auto copy = msg;
    copy.signature[0] ^= 1;
    CHECK(message_id(copy) == message_id(msg));
    copy.signature.clear();
    CHECK(message_id(copy) == message_id(msg));
  }
  SUBCASE("stable and sensitive to every other field") {
    CHECK(message_id(signed_hello()) == message_id(msg));
    auto k = msg;
    k.kind = 1025;
    auto t = msg;
    t.timestamp += 1;
    auto s = msg;
    s.sender[31] ^= 1;
    auto p = msg;
    p.payload.push_back(0);
    for (const auto* other : {&k, &t, &s, &p})
      CHECK(message_id(*other) != message_id(msg));
  }
  SUBCASE("unsigned envelope") {
    auto plain = make_gossip(nullptr, test_magic, test_kind, test_time,
                             text("hello"));
    CHECK(
      proto::to_hex(message_id(plain))
      == "8fccd005db2aa04a6eabd32d9cb40b6208f8013a3d19267a35b94e290e8b5c79");
  }
}

TEST_CASE("tampering with any signed byte fails verification") {
  const auto msg = signed_hello();
  REQUIRE(verify_signature(test_magic, msg));
  CHECK_FALSE(verify_signature(test_magic + 1, msg));
  CHECK_FALSE(verify_signature(test_magic ^ 0x80000000u, msg));
  for (std::size_t i = 0; i < msg.payload.size(); ++i) {
    auto m = msg;
    m.payload[i] ^= 0x01;
    CHECK_FALSE(verify_signature(test_magic, m));
  }
  for (uint16_t flip = 1; flip != 0; flip = static_cast<uint16_t>(flip << 1)) {
    auto m = msg;
    m.kind ^= flip;
    CHECK_FALSE(verify_signature(test_magic, m));
  }
  for (int bit = 0; bit < 64; ++bit) {
    auto m = msg;
    m.timestamp = static_cast<int64_t>(static_cast<uint64_t>(m.timestamp)
                                       ^ (uint64_t{1} << bit));
    CHECK_FALSE(verify_signature(test_magic, m));
  }
  for (std::size_t i = 0; i < msg.sender.size(); ++i) {
    auto m = msg;
    m.sender[i] ^= 0x01;
    CHECK_FALSE(verify_signature(test_magic, m));
  }
  for (std::size_t i = 0; i < msg.signature.size(); ++i) {
    auto m = msg;
    m.signature[i] ^= 0x01;
    CHECK_FALSE(verify_signature(test_magic, m));
  }
  auto extended = msg;
  extended.payload.push_back(0);
  CHECK_FALSE(verify_signature(test_magic, extended));
  auto truncated = msg;
  truncated.payload.pop_back();
  CHECK_FALSE(verify_signature(test_magic, truncated));
}

TEST_CASE("verify_signature refuses wrong sizes and unsigned envelopes") {
  auto msg = signed_hello();
  auto no_sig = msg;
  no_sig.signature.clear();
  CHECK_FALSE(verify_signature(test_magic, no_sig));
  auto no_sender = msg;
  no_sender.sender.clear();
  CHECK_FALSE(verify_signature(test_magic, no_sender));
  auto short_sig = msg;
  short_sig.signature.pop_back();
  CHECK_FALSE(verify_signature(test_magic, short_sig));
  auto plain = make_gossip(nullptr, test_magic, test_kind, test_time,
                           text("hello"));
  CHECK(plain.sender.empty());
  CHECK(plain.signature.empty());
  CHECK_FALSE(is_signed(plain));
  CHECK(is_signed(msg));
  CHECK_FALSE(verify_signature(test_magic, plain));
}

TEST_CASE("large payloads verify; the reused buffer does not leak state") {
  auto key = kat_key();
  bytes big(1 << 20, 0xab);
  auto large = make_gossip(&key, test_magic, test_kind, test_time, big);
  auto small = signed_hello();
  CHECK(verify_signature(test_magic, large));
  CHECK(verify_signature(test_magic, small));
  CHECK(verify_signature(test_magic, large));
  auto empty = make_gossip(&key, test_magic, test_kind, test_time, {});
  CHECK(verify_signature(test_magic, empty));
}

TEST_CASE("timestamp window: max_age is accepted, max_age + 1 is not") {
  auto at = [](int64_t ts) {
    proto::gossip m;
    m.timestamp = ts;
    return m;
  };
  const int64_t now = test_time;
  CHECK(check_timestamp(at(now), now, max_age) == gossip_verdict::accept);
  CHECK(check_timestamp(at(now - max_age), now, max_age)
        == gossip_verdict::accept);
  CHECK(check_timestamp(at(now - max_age - 1), now, max_age)
        == gossip_verdict::stale);
  CHECK(check_timestamp(at(now + max_age), now, max_age)
        == gossip_verdict::accept);
  CHECK(check_timestamp(at(now + max_age + 1), now, max_age)
        == gossip_verdict::future);
  CHECK(check_timestamp(at(now), now, 0) == gossip_verdict::accept);
  CHECK(check_timestamp(at(now + 1), now, 0) == gossip_verdict::future);

  SUBCASE("extreme values do not overflow") {
    constexpr auto lo = std::numeric_limits<int64_t>::min();
    constexpr auto hi = std::numeric_limits<int64_t>::max();
    CHECK(check_timestamp(at(lo), now, max_age) == gossip_verdict::stale);
    CHECK(check_timestamp(at(hi), now, max_age) == gossip_verdict::future);
    CHECK(check_timestamp(at(lo), hi, max_age) == gossip_verdict::stale);
    CHECK(check_timestamp(at(hi), lo, max_age) == gossip_verdict::future);
    CHECK(check_timestamp(at(hi), hi, max_age) == gossip_verdict::accept);
    CHECK(check_timestamp(at(lo + 5), lo, max_age) == gossip_verdict::accept);
  }
}

TEST_CASE("check_envelope applies the gossip checks in order") {
  auto msg = signed_hello();
  auto rules = signing_rules();
  CHECK(check_envelope(rules, msg, test_time) == gossip_verdict::accept);

  SUBCASE("the timestamp comes before the signature") {
    auto bad = msg;
    bad.signature[0] ^= 1;
    CHECK(check_envelope(rules, bad, test_time + max_age + 1)
          == gossip_verdict::stale);
    CHECK(check_envelope(rules, bad, test_time - max_age - 1)
          == gossip_verdict::future);
    CHECK(check_envelope(rules, bad, test_time)
          == gossip_verdict::bad_signature);
  }
  SUBCASE("signing enabled: unsigned and half-signed are violations") {
    auto plain = make_gossip(nullptr, test_magic, test_kind, test_time,
                             text("hello"));
    CHECK(check_envelope(rules, plain, test_time)
          == gossip_verdict::unsigned_rejected);
    auto half = msg;
    half.signature.clear();
    CHECK(check_envelope(rules, half, test_time)
          == gossip_verdict::bad_signature);
    CHECK(is_violation(gossip_verdict::unsigned_rejected));
    CHECK(is_violation(gossip_verdict::bad_signature));
    CHECK_FALSE(is_violation(gossip_verdict::duplicate));
    CHECK_FALSE(is_violation(gossip_verdict::stale));
    CHECK_FALSE(is_violation(gossip_verdict::future));
    CHECK_FALSE(is_violation(gossip_verdict::accept));
  }
  SUBCASE("other network's magic is a bad signature") {
    rules.magic = test_magic + 1;
    CHECK(check_envelope(rules, msg, test_time)
          == gossip_verdict::bad_signature);
  }
  SUBCASE("signing disabled: sender and signature are not checked") {
    rules.signing_enabled = false;
    auto plain = make_gossip(nullptr, test_magic, test_kind, test_time,
                             text("hello"));
    CHECK(check_envelope(rules, plain, test_time) == gossip_verdict::accept);
    auto forged = msg;
    forged.signature[0] ^= 1;
    CHECK(check_envelope(rules, forged, test_time) == gossip_verdict::accept);
    CHECK(check_envelope(rules, plain, test_time + max_age + 1)
          == gossip_verdict::stale);
  }
  CHECK(std::string(to_string(gossip_verdict::unsigned_rejected))
        == "unsigned_rejected");
}

TEST_CASE("check_gossip: duplicates after the checks, forgeries not recorded") {
  bloom_params p;
  p.capacity_per_generation = 1000;
  p.max_age = std::chrono::seconds{max_age};
  p.grace = std::chrono::seconds{0};
  rotating_bloom seen(p, bloom_key{});
  auto rules = signing_rules();
  auto msg = signed_hello();

  auto forged = msg;
  forged.signature[5] ^= 1;
  CHECK(check_gossip(rules, forged, test_time, seen)
        == gossip_verdict::bad_signature);
  // The forgery has the genuine message's id but was not recorded.
  CHECK_FALSE(seen.contains(message_id(msg)));
  CHECK(check_gossip(rules, msg, test_time, seen) == gossip_verdict::accept);
  CHECK(check_gossip(rules, msg, test_time + 1, seen)
        == gossip_verdict::duplicate);
  // A replay at the window's edge is still a duplicate; past it, stale.
  CHECK(check_gossip(rules, msg, test_time + max_age, seen)
        == gossip_verdict::duplicate);
  CHECK(check_gossip(rules, msg, test_time + max_age + 1, seen)
        == gossip_verdict::stale);
  // A bad-signature copy of a seen message is still a violation
  // (docs/PROTOCOL.md, "Gossip" order).
  CHECK(check_gossip(rules, forged, test_time + 2, seen)
        == gossip_verdict::bad_signature);
}
