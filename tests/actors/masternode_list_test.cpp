#include <doctest/doctest.h>

#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <msgpack.hpp>

#include "actors/masternode_list.hpp"
#include "security/envelope.hpp"
#include "security/node_key.hpp"

using namespace timecoin;

namespace {

constexpr uint32_t test_magic = 0x54494d45; // "TIME"
constexpr int64_t t0 = 1'767'225'600;

security::node_key key_of(uint8_t n) {
  proto::hash256 seed{};
  seed.fill(n);
  return security::node_key::from_seed(seed);
}

proto::hash256 txid_of(uint8_t n) {
  proto::hash256 h{};
  h.fill(static_cast<uint8_t>(0xA0 + n));
  return h;
}

masternode_announcement announcement_of(const proto::hash256& node_id,
                                        uint8_t n = 1) {
  masternode_announcement a;
  a.node_id = node_id;
  a.host = "10.0.0." + std::to_string(n);
  a.port = 24100;
  a.collateral_txid = txid_of(n);
  a.collateral_vout = n;
  return a;
}

proto::gossip signed_by(const security::node_key& key,
                        const masternode_announcement& a, int64_t ts) {
  return security::make_gossip(&key, test_magic, gossip_kind_masternode, ts,
                               encode_announcement(a));
}

/// A chain state: outputs by (txid, vout); absent ones are spent.
struct fake_chain {
  std::map<std::pair<proto::hash256, uint32_t>, collateral_coin> coins;

  void fund(const masternode_announcement& a,
            uint64_t value = masternode_collateral) {
    coins[{a.collateral_txid, a.collateral_vout}] = {value, a.node_id};
  }
  void spend(const masternode_announcement& a) {
    coins.erase({a.collateral_txid, a.collateral_vout});
  }
  coin_lookup lookup() const {
    return [this](const proto::hash256& txid,
                  uint32_t vout) -> std::optional<collateral_coin> {
      auto i = coins.find({txid, vout});
      if (i == coins.end())
        return std::nullopt;
      return i->second;
    };
  }
};

/// One funded masternode with its key.
struct node {
  security::node_key key;
  masternode_announcement ann;
  std::string id;

  explicit node(uint8_t n)
    : key(key_of(n)),
      ann(announcement_of(key.public_key(), n)),
      id(proto::to_hex(key.public_key())) {}

  proto::gossip at(int64_t ts) const { return signed_by(key, ann, ts); }
};

template <class... T>
proto::bytes pack(const T&... fields) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  pk.pack_array(sizeof...(T));
  (pk.pack(fields), ...);
  return proto::bytes(buf.data(), buf.data() + buf.size());
}

/// One MessagePack object.
template <class T>
proto::bytes obj(const T& v) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, v);
  return proto::bytes(buf.data(), buf.data() + buf.size());
}

} // namespace

TEST_CASE("masternode announcements round-trip in shortest form") {
  auto a = announcement_of(key_of(1).public_key(), 7);
  a.host = "2001:db8::1";
  a.port = 65535;
  a.collateral_vout = 70000;
  const auto enc = encode_announcement(a);
  // fixarray 5, bin8 32, str, uint16, bin8 32, uint32.
  REQUIRE(enc.size() == 1 + 34 + 1 + a.host.size() + 3 + 34 + 5);
  CHECK(enc[0] == 0x95);
  CHECK(enc[1] == 0xc4);
  CHECK(enc[2] == 32);
  auto back = decode_announcement(enc);
  REQUIRE(back.has_value());
  CHECK(back->node_id == a.node_id);
  CHECK(back->host == a.host);
  CHECK(back->port == a.port);
  CHECK(back->collateral_txid == a.collateral_txid);
  CHECK(back->collateral_vout == a.collateral_vout);
  // Small integers take one byte.
  a.port = 1;
  a.collateral_vout = 0;
  CHECK(encode_announcement(a).size()
        == 1 + 34 + 1 + a.host.size() + 1 + 34 + 1);
}

TEST_CASE("extra trailing payload fields are ignored") {
  const auto id = key_of(1).public_key();
  const auto txid = txid_of(1);
  const auto p = pack(
    msgpack::type::raw_ref(reinterpret_cast<const char*>(id.data()), 32),
    std::string("1.2.3.4"), 24100,
    msgpack::type::raw_ref(reinterpret_cast<const char*>(txid.data()), 32), 3,
    std::string("future"), msgpack::type::nil_t{});
  auto a = decode_announcement(p);
  REQUIRE(a.has_value());
  CHECK(a->node_id == id);
  CHECK(a->collateral_vout == 3);
}

TEST_CASE("hostile announcement payloads decode to nothing") {
  const auto id = key_of(1).public_key();
  const msgpack::type::raw_ref id_bin(reinterpret_cast<const char*>(id.data()),
                                      32);
  const std::string s31(31, 'x');
  const std::string s33(33, 'x');
  const msgpack::type::raw_ref bin31(s31.data(), 31);
  const msgpack::type::raw_ref bin33(s33.data(), 33);
  const std::string host = "1.2.3.4";
  const auto good = pack(id_bin, host, 24100, id_bin, 0);
  REQUIRE(decode_announcement(good).has_value());

  std::vector<std::pair<const char*, proto::bytes>> cases = {
    {"empty", {}},
    {"nil", obj(msgpack::type::nil_t{})},
    {"an integer", obj(5)},
    {"a map", obj(std::map<int, int>{{1, 2}})},
    {"empty array", pack()},
    {"four fields", pack(id_bin, host, 24100, id_bin)},
    {"node id of 31 bytes", pack(bin31, host, 24100, id_bin, 0)},
    {"node id of 33 bytes", pack(bin33, host, 24100, id_bin, 0)},
    {"node id a str", pack(s31 + "y", host, 24100, id_bin, 0)},
    {"txid of 31 bytes", pack(id_bin, host, 24100, bin31, 0)},
    {"host a bin", pack(id_bin, id_bin, 24100, id_bin, 0)},
    {"host an integer", pack(id_bin, 7, 24100, id_bin, 0)},
    {"host a name", pack(id_bin, std::string("example.com"), 24100, id_bin, 0)},
    {"host empty", pack(id_bin, std::string(), 24100, id_bin, 0)},
    {"host with a port",
     pack(id_bin, std::string("1.2.3.4:5"), 24100, id_bin, 0)},
    {"host with a NUL",
     pack(id_bin, std::string("1.2.3.4\0x", 9), 24100, id_bin, 0)},
    {"host bracketed", pack(id_bin, std::string("[::1]"), 24100, id_bin, 0)},
    {"host huge", pack(id_bin, std::string(60000, '1'), 24100, id_bin, 0)},
    {"port 0", pack(id_bin, host, 0, id_bin, 0)},
    {"port over u16", pack(id_bin, host, 65536, id_bin, 0)},
    {"port negative", pack(id_bin, host, -1, id_bin, 0)},
    {"port a str", pack(id_bin, host, std::string("1"), id_bin, 0)},
    {"vout over u32", pack(id_bin, host, 24100, id_bin, uint64_t{1} << 32)},
    {"vout negative", pack(id_bin, host, 24100, id_bin, -1)},
    {"vout a float", pack(id_bin, host, 24100, id_bin, 1.5)},
    {"array32 of 2^32-1", {0xdd, 0xff, 0xff, 0xff, 0xff}},
    {"str32 of 4 GiB", {0x95, 0xdb, 0xff, 0xff, 0xff, 0xff}},
    {"bin32 of 4 GiB", {0x95, 0xc6, 0xff, 0xff, 0xff, 0xff}},
    {"deep nesting", proto::bytes(100, 0x91)},
    {"not MessagePack", {0xc1}},
  };
  auto trailing = good;
  trailing.push_back(0xc0);
  cases.emplace_back("trailing nil after the array", trailing);
  for (std::size_t n = 0; n < good.size(); ++n)
    cases.emplace_back("truncated",
                       proto::bytes(good.begin(), good.begin() + n));
  for (const auto& [what, bytes] : cases) {
    CAPTURE(what);
    CAPTURE(bytes.size());
    CHECK_FALSE(decode_announcement(bytes).has_value());
  }
  // IPv6 and IPv4-mapped literals are hosts.
  CHECK(decode_announcement(pack(id_bin, std::string("::1"), 1, id_bin, 0)));
  CHECK(decode_announcement(
    pack(id_bin, std::string("::ffff:1.2.3.4"), 1, id_bin, 0)));
}

TEST_CASE("mutated announcement payloads never crash the decoder") {
  const auto good = encode_announcement(
    announcement_of(key_of(1).public_key()));
  std::mt19937 rng{20260101};
  std::size_t decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    auto b = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 3) {
        case 0: b[rng() % b.size()] = static_cast<uint8_t>(rng()); break;
        case 1:
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng() % b.size()),
                   static_cast<uint8_t>(rng()));
          break;
        default:
          if (b.size() > 1)
            b.erase(b.begin() + static_cast<std::ptrdiff_t>(rng() % b.size()));
      }
    }
    if (decode_announcement(b))
      ++decoded;
  }
  MESSAGE(decoded << " of 20000 mutated payloads decoded");
}

TEST_CASE("an announcement with its collateral is accepted and listed") {
  fake_chain chain;
  node a{1};
  chain.fund(a.ann);
  masternode_list list{test_magic};
  CHECK(list.offer(a.at(t0), t0, chain.lookup(), true)
        == announcement_verdict::accepted);
  CHECK(list.size() == 1);
  CHECK(list.contains(a.id));
  CHECK_FALSE(list.contains(proto::to_hex(key_of(2).public_key())));
  CHECK(list.ids() == std::vector<std::string>{a.id});
  auto e = list.find(a.id);
  REQUIRE(e.has_value());
  CHECK(e->ann.host == a.ann.host);
  CHECK(e->ann.collateral_txid == a.ann.collateral_txid);
  CHECK(e->announced == t0);
  CHECK(e->first_seen == t0);
  CHECK(e->envelope.signature == a.at(t0).signature);
  CHECK(std::string(to_string(announcement_verdict::accepted)) == "accepted");
  CHECK(std::string(to_string(announcement_verdict::wrong_owner))
        == "wrong_owner");

  // A newer announcement replaces it; first_seen stays.
  a.ann.port = 24200;
  CHECK(list.offer(a.at(t0 + 1200), t0 + 1250, chain.lookup(), true)
        == announcement_verdict::accepted);
  e = list.find(a.id);
  REQUIRE(e.has_value());
  CHECK(e->ann.port == 24200);
  CHECK(e->announced == t0 + 1200);
  CHECK(e->first_seen == t0);
  CHECK(list.size() == 1);
}

TEST_CASE("collateral owned by another key is wrong_owner") {
  fake_chain chain;
  node a{1};
  chain.coins[{a.ann.collateral_txid, a.ann.collateral_vout}]
    = {masternode_collateral, key_of(2).public_key()};
  masternode_list list{test_magic};
  CHECK(list.offer(a.at(t0), t0, chain.lookup(), true)
        == announcement_verdict::wrong_owner);
  CHECK(list.size() == 0);
}

TEST_CASE("spent or missing collateral is no_collateral") {
  fake_chain chain;
  node a{1};
  masternode_list list{test_magic};
  CHECK(list.offer(a.at(t0), t0, chain.lookup(), true)
        == announcement_verdict::no_collateral);
  // Another output of the same transaction is not the collateral.
  auto other = a.ann;
  other.collateral_vout += 1;
  chain.fund(other);
  CHECK(list.offer(a.at(t0), t0, chain.lookup(), true)
        == announcement_verdict::no_collateral);
  // No chain state at all.
  CHECK(list.offer(a.at(t0), t0, coin_lookup{}, true)
        == announcement_verdict::no_collateral);
  CHECK(list.size() == 0);
}

TEST_CASE("collateral below 1,000 TIME is too_small") {
  fake_chain chain;
  node a{1};
  chain.fund(a.ann, masternode_collateral - 1);
  masternode_list list{test_magic};
  CHECK(list.offer(a.at(t0), t0, chain.lookup(), true)
        == announcement_verdict::too_small);
  chain.fund(a.ann, masternode_collateral);
  CHECK(list.offer(a.at(t0), t0, chain.lookup(), true)
        == announcement_verdict::accepted);
  CHECK(masternode_collateral == 100'000'000'000ULL);
}

TEST_CASE("announcements older than 65 minutes are expired") {
  fake_chain chain;
  node a{1};
  chain.fund(a.ann);
  masternode_list list{test_magic};
  const int64_t now = t0 + 10'000;
  CHECK(list.offer(a.at(now - masternode_expiry_seconds - 1), now,
                   chain.lookup(), true)
        == announcement_verdict::expired);
  CHECK(list.offer(a.at(std::numeric_limits<int64_t>::min()), now,
                   chain.lookup(), true)
        == announcement_verdict::expired);
  CHECK(list.size() == 0);
  // Exactly 65 minutes old still passes (older than the expiry fails).
  CHECK(
    list.offer(a.at(now - masternode_expiry_seconds), now, chain.lookup(), true)
    == announcement_verdict::accepted);
  CHECK(masternode_expiry_seconds == 3900);
}

TEST_CASE("announcements too far ahead of the clock are refused") {
  fake_chain chain;
  node a{1};
  chain.fund(a.ann);
  masternode_list list{test_magic};
  CHECK(list.offer(a.at(t0 + 301), t0, chain.lookup(), true)
        == announcement_verdict::expired);
  CHECK(list.offer(a.at(std::numeric_limits<int64_t>::max()), t0,
                   chain.lookup(), true)
        == announcement_verdict::expired);
  CHECK(list.offer(a.at(t0 + 61), t0, chain.lookup(), true, 60)
        == announcement_verdict::expired);
  CHECK(list.size() == 0);
  CHECK(list.offer(a.at(t0 + 300), t0, chain.lookup(), true)
        == announcement_verdict::accepted);
}

TEST_CASE("a replayed or older announcement is not_newer") {
  fake_chain chain;
  node a{1};
  chain.fund(a.ann);
  masternode_list list{test_magic};
  const auto first = a.at(t0);
  CHECK(list.offer(first, t0, chain.lookup(), true)
        == announcement_verdict::accepted);
  CHECK(list.offer(first, t0 + 5, chain.lookup(), true)
        == announcement_verdict::not_newer);
  const auto newer = a.at(t0 + 1200);
  CHECK(list.offer(newer, t0 + 1200, chain.lookup(), true)
        == announcement_verdict::accepted);
  // The first one, received late: older than the listed one.
  CHECK(list.offer(first, t0 + 1300, chain.lookup(), true)
        == announcement_verdict::not_newer);
  // Another message at the listed timestamp is not newer either.
  a.ann.port = 1;
  CHECK(list.offer(a.at(t0 + 1200), t0 + 1300, chain.lookup(), true)
        == announcement_verdict::not_newer);
  auto e = list.find(a.id);
  REQUIRE(e.has_value());
  CHECK(e->announced == t0 + 1200);
  CHECK(e->ann.port == 24100);
}

TEST_CASE("a payload naming another node than the sender is wrong_sender") {
  fake_chain chain;
  node a{1};
  node b{2};
  chain.fund(a.ann);
  masternode_list list{test_magic};
  // b signs an announcement of a (validly, as b).
  const auto forged = signed_by(b.key, a.ann, t0);
  CHECK(security::verify_signature(test_magic, forged));
  CHECK(list.offer(forged, t0, chain.lookup(), true)
        == announcement_verdict::wrong_sender);
  CHECK(list.offer(forged, t0, chain.lookup(), false)
        == announcement_verdict::wrong_sender);
  // An unsigned envelope has no sender.
  const auto plain = security::make_gossip(nullptr, test_magic,
                                           gossip_kind_masternode, t0,
                                           encode_announcement(a.ann));
  CHECK(plain.sender.empty());
  CHECK(list.offer(plain, t0, chain.lookup(), false)
        == announcement_verdict::wrong_sender);
  CHECK(list.size() == 0);
}

TEST_CASE("a bad signature is refused when signatures are checked") {
  fake_chain chain;
  node a{1};
  chain.fund(a.ann);
  masternode_list list{test_magic};
  auto g = a.at(t0);
  g.signature[10] ^= 0x01;
  CHECK(list.offer(g, t0, chain.lookup(), true)
        == announcement_verdict::bad_signature);
  // The payload altered after signing.
  auto altered = a.at(t0);
  altered.payload.back() ^= 0x01; // collateral_vout 1 -> 0
  chain.fund(decode_announcement(altered.payload).value());
  CHECK(list.offer(altered, t0, chain.lookup(), true)
        == announcement_verdict::bad_signature);
  // Signed for another network.
  const auto other_net = security::make_gossip(&a.key, test_magic + 1,
                                               gossip_kind_masternode, t0,
                                               encode_announcement(a.ann));
  CHECK(list.offer(other_net, t0, chain.lookup(), true)
        == announcement_verdict::bad_signature);
  CHECK(list.size() == 0);
  // Unchecked (the verifiers did it already): listed.
  CHECK(list.offer(g, t0, chain.lookup(), false)
        == announcement_verdict::accepted);
}

TEST_CASE("malformed payloads and other kinds are malformed") {
  fake_chain chain;
  node a{1};
  chain.fund(a.ann);
  masternode_list list{test_magic};
  auto bad_host = a.ann;
  bad_host.host = "masternode.example";
  CHECK(list.offer(signed_by(a.key, bad_host, t0), t0, chain.lookup(), true)
        == announcement_verdict::malformed);
  auto port0 = a.ann;
  port0.port = 0;
  CHECK(list.offer(signed_by(a.key, port0, t0), t0, chain.lookup(), true)
        == announcement_verdict::malformed);
  CHECK(
    list.offer(security::make_gossip(&a.key, test_magic, gossip_kind_masternode,
                                     t0, proto::bytes{0x90}),
               t0, chain.lookup(), true)
    == announcement_verdict::malformed);
  // A valid announcement payload under another kind.
  CHECK(list.offer(security::make_gossip(&a.key, test_magic, 1024, t0,
                                         encode_announcement(a.ann)),
                   t0, chain.lookup(), true)
        == announcement_verdict::malformed);
  // Malformed comes first: a bad payload that is also expired and unsigned.
  CHECK(list.offer(security::make_gossip(nullptr, test_magic,
                                         gossip_kind_masternode, 0,
                                         proto::bytes{0xc1}),
                   t0, chain.lookup(), true)
        == announcement_verdict::malformed);
  CHECK(list.size() == 0);
}

TEST_CASE("expire drops entries 65 minutes after their newest announcement") {
  fake_chain chain;
  node a{1};
  node b{2};
  chain.fund(a.ann);
  chain.fund(b.ann);
  masternode_list list{test_magic};
  REQUIRE(list.offer(a.at(t0), t0, chain.lookup(), true)
          == announcement_verdict::accepted);
  REQUIRE(list.offer(b.at(t0), t0, chain.lookup(), true)
          == announcement_verdict::accepted);
  // b re-announces after 20 minutes.
  REQUIRE(list.offer(b.at(t0 + masternode_announce_seconds),
                     t0 + masternode_announce_seconds, chain.lookup(), true)
          == announcement_verdict::accepted);
  CHECK(list.expire(t0 + masternode_expiry_seconds) == 0);
  CHECK(list.size() == 2);
  CHECK(list.expire(t0 + masternode_expiry_seconds + 1) == 1);
  CHECK_FALSE(list.contains(a.id));
  CHECK(list.contains(b.id));
  CHECK(list.expire(t0 + masternode_announce_seconds + masternode_expiry_seconds
                    + 1)
        == 1);
  CHECK(list.size() == 0);
  CHECK(list.expire(t0 + 100'000) == 0);
}

TEST_CASE("next_expiry is the first second expire drops an entry") {
  fake_chain chain;
  node a{1};
  node b{2};
  chain.fund(a.ann);
  chain.fund(b.ann);
  masternode_list list{test_magic};
  CHECK_FALSE(list.next_expiry());
  REQUIRE(list.offer(b.at(t0 + 60), t0 + 60, chain.lookup(), true)
          == announcement_verdict::accepted);
  REQUIRE(list.offer(a.at(t0), t0 + 60, chain.lookup(), true)
          == announcement_verdict::accepted);
  auto first = list.next_expiry();
  REQUIRE(first);
  CHECK(*first == t0 + masternode_expiry_seconds + 1);
  CHECK(list.expire(*first - 1) == 0);
  CHECK(list.expire(*first) == 1);
  CHECK(list.next_expiry() == t0 + 60 + masternode_expiry_seconds + 1);
  // A newer announcement moves it.
  REQUIRE(list.offer(b.at(t0 + 600), t0 + 600, chain.lookup(), true)
          == announcement_verdict::accepted);
  CHECK(list.next_expiry() == t0 + 600 + masternode_expiry_seconds + 1);
}

TEST_CASE("recheck drops entries whose collateral was spent") {
  fake_chain chain;
  node a{1};
  node b{2};
  node c{3};
  chain.fund(a.ann);
  chain.fund(b.ann);
  chain.fund(c.ann);
  masternode_list list{test_magic};
  for (const auto* n : {&a, &b, &c})
    REQUIRE(list.offer(n->at(t0), t0, chain.lookup(), true)
            == announcement_verdict::accepted);
  CHECK(list.recheck(chain.lookup()) == 0);
  chain.spend(b.ann);
  // c's output now holds too little (a reorganisation, say).
  chain.fund(c.ann, masternode_collateral - 1);
  CHECK(list.recheck(chain.lookup()) == 2);
  CHECK(list.ids() == std::vector<std::string>{a.id});
  // b cannot come back while its output stays spent.
  CHECK(list.offer(b.at(t0 + 1), t0 + 1, chain.lookup(), true)
        == announcement_verdict::no_collateral);
  CHECK(list.recheck(coin_lookup{}) == 1);
  CHECK(list.size() == 0);
}

TEST_CASE("announcements come newest first, at most max") {
  fake_chain chain;
  std::vector<node> nodes;
  for (uint8_t n = 1; n <= 5; ++n)
    nodes.emplace_back(n);
  masternode_list list{test_magic};
  // Timestamps 3, 1, 4, 0, 2 (minutes after t0).
  const int64_t minutes[] = {3, 1, 4, 0, 2};
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    chain.fund(nodes[i].ann);
    REQUIRE(list.offer(nodes[i].at(t0 + 60 * minutes[i]), t0 + 300,
                       chain.lookup(), true)
            == announcement_verdict::accepted);
  }
  auto all = list.announcements(100);
  REQUIRE(all.size() == 5);
  for (std::size_t i = 0; i < all.size(); ++i)
    CHECK(all[i].timestamp == t0 + 60 * static_cast<int64_t>(4 - i));
  CHECK(all[0].sender
        == proto::bytes(nodes[2].key.public_key().begin(),
                        nodes[2].key.public_key().end()));
  // Each is the envelope as received: it verifies and decodes.
  for (const auto& g : all) {
    CHECK(security::verify_signature(test_magic, g));
    CHECK(decode_announcement(g.payload).has_value());
  }
  auto two = list.announcements(2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].timestamp == t0 + 240);
  CHECK(two[1].timestamp == t0 + 180);
  CHECK(list.announcements(0).empty());
  CHECK(masternode_list{test_magic}.announcements(10).empty());
}

TEST_CASE("the list holds at most max_masternode_list masternodes") {
  // Unsigned checks (check_signature false): only the bound is under test,
  // so the sender is any 32 bytes equal to the node id.
  fake_chain chain;
  masternode_list list{test_magic};
  auto envelope = [](const masternode_announcement& a, int64_t ts) {
    proto::gossip g;
    g.kind = gossip_kind_masternode;
    g.payload = encode_announcement(a);
    g.sender.assign(a.node_id.begin(), a.node_id.end());
    g.timestamp = ts;
    return g;
  };
  auto nth = [](uint32_t i) {
    proto::hash256 id{};
    for (int k = 0; k < 4; ++k)
      id[static_cast<std::size_t>(k)] = static_cast<uint8_t>(i >> (8 * k));
    id[31] = 0x5a;
    auto a = announcement_of(id);
    a.collateral_vout = i;
    return a;
  };
  for (uint32_t i = 0; i < max_masternode_list; ++i) {
    auto a = nth(i);
    chain.fund(a);
    if (list.offer(envelope(a, t0), t0, chain.lookup(), false)
        != announcement_verdict::accepted) {
      FAIL("announcement " << i << " refused");
    }
  }
  CHECK(list.size() == max_masternode_list);
  auto extra = nth(static_cast<uint32_t>(max_masternode_list));
  chain.fund(extra);
  CHECK(list.offer(envelope(extra, t0), t0, chain.lookup(), false)
        == announcement_verdict::list_full);
  // A listed masternode still re-announces.
  CHECK(list.offer(envelope(nth(7), t0 + 1), t0 + 1, chain.lookup(), false)
        == announcement_verdict::accepted);
  // Room again once entries expire.
  CHECK(list.expire(t0 + masternode_expiry_seconds + 1)
        == max_masternode_list - 1);
  CHECK(list.offer(envelope(extra, t0 + masternode_expiry_seconds + 1),
                   t0 + masternode_expiry_seconds + 1, chain.lookup(), false)
        == announcement_verdict::accepted);
  CHECK(list.size() == 2);
  CHECK(max_masternodes_entries == proto::max_masternodes_entries);
}
