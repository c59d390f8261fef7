// The message codec on well-formed input: round trips, exact bytes, the
// default and extension rules, and field-level errors.

#include <limits>

#include <doctest/doctest.h>

#include "protocol/codec.hpp"
#include "tests/protocol/msgpack_helpers.hpp"
#include "tests/protocol/samples.hpp"

using namespace timecoin::proto;
using namespace timecoin::proto::test;

namespace {

/// Decodes `payload`, which must fail, and returns the error.
decode_error decode_failure(const bytes& payload) {
  auto r = decode(payload);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

TEST_CASE("every message type round-trips with non-default values") {
  const auto samples = sample_messages();
  REQUIRE(samples.size() == std::variant_size_v<body>);
  for (const auto& m : samples) {
    CAPTURE(to_string(m.type()));
    const bytes payload = encode(m);
    auto decoded = decode(payload);
    REQUIRE(decoded.has_value());
    CHECK(decoded->type() == m.type());
    CHECK(decoded->id == m.id);
    CHECK(decoded->content.index() == m.content.index());
    // All sample fields differ from their defaults, so any field lost or
    // altered by decode changes the re-encoding.
    CHECK(encode(*decoded) == payload);
  }
}

TEST_CASE("round trips keep field values") {
  const auto samples = sample_messages();
  auto h = decode(encode(samples[0]));
  REQUIRE(h.has_value());
  const auto& hi = std::get<hello>(h->content);
  CHECK(hi.magic == 0x44455654);
  CHECK(hi.network == "devnet");
  CHECK(hi.node_id == h32(1));
  CHECK(hi.listen_port == 24200);
  CHECK(hi.best_height == 123456789012ULL);
  CHECK(hi.user_agent == "timecoin-node/0.1");
  CHECK(hi.timestamp == -1234567);

  auto p = decode(encode(samples[6]));
  REQUIRE(p.has_value());
  const auto& entries = std::get<peers>(p->content).entries;
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].node_id == bytes_of(h32(5)));
  CHECK(entries[1].node_id.empty());
  CHECK(entries[1].last_seen == -5);

  auto b = decode(encode(samples[12]));
  REQUIRE(b.has_value());
  const auto& items = std::get<blocks>(b->content).items;
  REQUIRE(items.size() == 2);
  CHECK(items[1].header.height == 101);
  CHECK(items[0].transactions[0].inputs[1].vout == 70000);
  CHECK(items[0].transactions[1].outputs[0].value == 5'000'000'000ULL);

  auto mn = decode(encode(samples[21]));
  REQUIRE(mn.has_value());
  const auto& anns = std::get<masternodes>(mn->content).entries;
  REQUIRE(anns.size() == 2);
  CHECK(anns[0].kind == 9);
  CHECK(anns[0].payload == bytes{5, 6, 7});
  CHECK(anns[0].sender == bytes_of(h32(19)));
  CHECK(anns[0].timestamp == 1'767'225'602);
  CHECK(anns[0].signature == bytes(64, 0xCD));
  CHECK(anns[1].sender.empty());
  CHECK(anns[1].signature.empty());
  CHECK(anns[1].timestamp == -7);
}

TEST_CASE("GET_MASTERNODES and MASTERNODES encode exactly") {
  // [10, 3, []]
  CHECK(encode(message{3, get_masternodes{}}) == bytes{0x93, 0x0a, 0x03, 0x90});
  // [11, 3, [[]]]
  CHECK(encode(message{3, masternodes{}})
        == bytes{0x93, 0x0b, 0x03, 0x91, 0x90});
  // [11, 0, [[[9, bin "x", bin "", 1, bin ""]]]]: each entry is a GOSSIP body.
  const gossip g{9, bytes{'x'}, {}, 1, {}};
  CHECK(encode(message{0, masternodes{{g}}})
        == bytes{0x93, 0x0b, 0x00, 0x91, 0x91, 0x95, 0x09, 0xc4, 0x01, 'x',
                 0xc4, 0x00, 0x01, 0xc4, 0x00});
  const bytes as_gossip = encode(message{0, g});
  const bytes as_entry = encode(message{0, masternodes{{g}}});
  // The entry is the GOSSIP message's body byte for byte.
  CHECK(bytes(as_entry.begin() + 5, as_entry.end())
        == bytes(as_gossip.begin() + 3, as_gossip.end()));
  CHECK(std::string(to_string(msg_type::get_masternodes)) == "GET_MASTERNODES");
  CHECK(std::string(to_string(msg_type::masternodes)) == "MASTERNODES");
}

TEST_CASE("MASTERNODES entries are GOSSIP bodies under the extension rule") {
  const bytes sig(64, 1);
  const bytes sender(32, 2);
  // An entry with only kind and payload: the rest defaulted; an entry with
  // a trailing extra field: ignored.
  auto r = decode(pack_raw(std::make_tuple(
    11, 4,
    std::make_tuple(std::make_tuple(
      std::make_tuple(9, bin_object(sig.data(), 3)),
      std::make_tuple(9, bin_object(sig.data(), 1),
                      bin_object(sender.data(), 32), -3,
                      bin_object(sig.data(), 64), "future"))))));
  REQUIRE(r.has_value());
  const auto& entries = std::get<masternodes>(r->content).entries;
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].payload == bytes(3, 1));
  CHECK(entries[0].sender.empty());
  CHECK(entries[0].timestamp == 0);
  CHECK(entries[1].sender == sender);
  CHECK(entries[1].timestamp == -3);
  CHECK(entries[1].signature == sig);
}

TEST_CASE("a MASTERNODES entry of the wrong shape is bad_field") {
  const bytes sender31(31, 2);
  const bytes sig63(63, 1);
  struct bad_entry {
    bytes payload;
    std::string detail;
  };
  const std::vector<bad_entry> cases = {
    {pack_raw(std::make_tuple(11, 1, std::make_tuple(std::make_tuple(7)))),
     "MASTERNODES.entries[0]: expected array"},
    {pack_raw(std::make_tuple(11, 1, std::make_tuple(7))),
     "MASTERNODES.entries: expected array"},
    {pack_raw(
       std::make_tuple(11, 1,
                       std::make_tuple(std::make_tuple(
                         std::make_tuple(9, bytes{1}), std::make_tuple("9"))))),
     "MASTERNODES.entries[1].kind: expected u16"},
    {pack_raw(std::make_tuple(
       11, 1,
       std::make_tuple(std::make_tuple(std::make_tuple(
         9, bin_object(sig63.data(), 1), bin_object(sender31.data(), 31)))))),
     "MASTERNODES.entries[0].sender: expected bin of 0 or 32 bytes"},
    {pack_raw(std::make_tuple(
       11, 1,
       std::make_tuple(std::make_tuple(std::make_tuple(
         9, bin_object(sig63.data(), 1), bin_object(sig63.data(), 32), 1,
         bin_object(sig63.data(), 63)))))),
     "MASTERNODES.entries[0].signature: expected bin of 0 or 64 bytes"},
    {pack_raw(std::make_tuple(
       11, 1, std::make_tuple(std::make_tuple(std::make_tuple(9, "payload"))))),
     "MASTERNODES.entries[0].payload: expected bin"},
    {pack_raw(std::make_tuple(11, 1,
                              std::make_tuple(std::make_tuple(
                                std::make_tuple(9, bin_object(sig63.data(), 1),
                                                bin_object(sig63.data(), 0),
                                                0xFFFFFFFFFFFFFFFFULL))))),
     "MASTERNODES.entries[0].timestamp: expected i64"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.detail);
    auto err = decode_failure(c.payload);
    CHECK(err.code == decode_errc::bad_field);
    CHECK(err.type == 11);
    CHECK(err.detail == c.detail);
  }
}

TEST_CASE("message::type and to_string cover every type") {
  for (const auto& m : sample_messages()) {
    CHECK(std::string(to_string(m.type())) != "UNKNOWN");
    CHECK(static_cast<uint16_t>(m.type()) != 0);
  }
  CHECK(std::string(to_string(msg_type::utxo_chunk)) == "UTXO_CHUNK");
  CHECK(std::string(to_string(static_cast<msg_type>(999))) == "UNKNOWN");
  CHECK(std::string(to_string(decode_errc::limit_exceeded))
        == "limit_exceeded");
}

TEST_CASE("encodings are exact and integers take their shortest form") {
  // [4, 7, [1, 2]]
  CHECK(encode(message{7, ping{1, 2}})
        == bytes{0x93, 0x04, 0x07, 0x92, 0x01, 0x02});
  // [6, 0, []]
  CHECK(encode(message{0, get_peers{}}) == bytes{0x93, 0x06, 0x00, 0x90});
  // u64 max as uint64, 300 as uint16.
  CHECK(encode(message{300, pong{0xFFFFFFFFFFFFFFFFULL, 0}})
        == bytes{0x93, 0x05, 0xcd, 0x01, 0x2c, 0x92, 0xcf, 0xff, 0xff, 0xff,
                 0xff, 0xff, 0xff, 0xff, 0xff, 0x00});

  // i64 timestamps: positive values as positive fixint / uint, negative as
  // the narrowest signed form.
  auto ts_hex = [](int64_t ts) {
    gossip g;
    g.timestamp = ts;
    const bytes full = encode(message{0, g});
    // 93 10 00 95 00 c4 00 c4 00 <ts> c4 00: [16, 0, [0, "", "", ts, ""]]
    return to_hex(bytes(full.begin() + 9, full.end() - 2));
  };
  CHECK(ts_hex(0) == "00");
  CHECK(ts_hex(127) == "7f");
  CHECK(ts_hex(128) == "cc80");
  CHECK(ts_hex(65535) == "cdffff");
  CHECK(ts_hex(1767225600) == "ce6955b900");
  CHECK(ts_hex(5'000'000'000) == "cf000000012a05f200");
  CHECK(ts_hex(-1) == "ff");
  CHECK(ts_hex(-32) == "e0");
  CHECK(ts_hex(-33) == "d0df");
  CHECK(ts_hex(-129) == "d1ff7f");
  CHECK(ts_hex(-40000) == "d2ffff63c0");
  CHECK(ts_hex(std::numeric_limits<int64_t>::min()) == "d38000000000000000");
}

TEST_CASE("encode_frame and append_frame prefix the payload length") {
  const message m{9, bye{"bye"}};
  const bytes payload = encode(m);
  const bytes frame = encode_frame(m);
  REQUIRE(frame.size() == payload.size() + 4);
  CHECK(frame[0] == 0);
  CHECK(frame[1] == 0);
  CHECK(frame[2] == 0);
  CHECK(frame[3] == payload.size());
  CHECK(bytes(frame.begin() + 4, frame.end()) == payload);

  bytes batch{0xAA};
  append_frame(batch, m);
  append_frame(batch, m);
  CHECK(batch.size() == 1 + 2 * frame.size());
  CHECK(bytes(batch.begin() + 1, batch.begin() + 1 + frame.size()) == frame);
}

TEST_CASE("absent trailing fields take their defaults") {
  for (const auto& m : sample_messages()) {
    CAPTURE(to_string(m.type()));
    // [type, id, []]: every field absent.
    const bytes empty_body = pack_raw(std::make_tuple(
      static_cast<uint16_t>(m.type()), m.id, std::vector<int>{}));
    auto r = decode(empty_body);
    REQUIRE(r.has_value());
    CHECK(r->type() == m.type());
    message defaults{m.id, r->content};
    std::visit(
      [&](const auto& v) { defaults.content = std::decay_t<decltype(v)>{}; },
      r->content);
    CHECK(encode(*r) == encode(defaults));
  }
  // HELLO with only magic and version.
  auto r = decode(
    pack_raw(std::make_tuple(1, 0, std::make_tuple(0x44455654u, 1))));
  REQUIRE(r.has_value());
  const auto& h = std::get<hello>(r->content);
  CHECK(h.magic == 0x44455654u);
  CHECK(h.version == 1);
  CHECK(h.min_version == 0);
  CHECK(h.network.empty());
  CHECK(h.node_id == hash256{});
  CHECK(h.timestamp == 0);
}

TEST_CASE("extra trailing body elements are ignored") {
  for (const auto& m : sample_messages()) {
    CAPTURE(to_string(m.type()));
    const bytes payload = encode(m);
    auto handle = unpack_raw(payload);
    auto& body_obj = handle.get().via.array.ptr[2];
    // Rebuild the body with three extra elements of assorted kinds.
    std::vector<msgpack::object> extended(
      body_obj.via.array.ptr, body_obj.via.array.ptr + body_obj.via.array.size);
    extended.emplace_back();                    // nil
    extended.emplace_back(msgpack::object(-5)); // integer
    extended.emplace_back(str_object("future", 6));
    body_obj.via.array.ptr = extended.data();
    body_obj.via.array.size = static_cast<uint32_t>(extended.size());
    auto r = decode(pack_raw(handle.get()));
    REQUIRE(r.has_value());
    CHECK(encode(*r) == payload);
  }
}

TEST_CASE("a wrong type in any body field is bad_field naming it") {
  for (const auto& m : sample_messages()) {
    const bytes payload = encode(m);
    const auto names = body_field_names(m.type());
    auto handle = unpack_raw(payload);
    auto& body_arr = handle.get().via.array.ptr[2].via.array;
    REQUIRE(body_arr.size == names.size());
    for (uint32_t i = 0; i < body_arr.size; ++i) {
      const std::string where = std::string(to_string(m.type())) + "."
                                + names[i] + ": expected ";
      CAPTURE(where);
      const msgpack::object original = body_arr.ptr[i];
      for (const auto& wrong : {msgpack::object{}, wrong_kind_for(original)}) {
        body_arr.ptr[i] = wrong;
        auto err = decode_failure(pack_raw(handle.get()));
        CHECK(err.code == decode_errc::bad_field);
        CHECK(err.type == static_cast<uint16_t>(m.type()));
        CHECK(starts_with(err.detail, where));
      }
      body_arr.ptr[i] = original;
    }
  }
}

TEST_CASE("sizes and ranges of fields are checked") {
  auto edit_hello = [](uint32_t field, const msgpack::object& value) {
    auto handle = unpack_raw(encode(sample_messages()[0]));
    handle.get().via.array.ptr[2].via.array.ptr[field] = value;
    return decode_failure(pack_raw(handle.get()));
  };
  const bytes short_id(31, 1);
  const bytes long_id(33, 1);
  auto err = edit_hello(4, bin_object(short_id.data(), 31));
  CHECK(err.code == decode_errc::bad_field);
  CHECK(err.detail == "HELLO.node_id: expected bin32");
  CHECK(edit_hello(5, bin_object(long_id.data(), 33)).detail
        == "HELLO.nonce: expected bin32");
  CHECK(edit_hello(6, msgpack::object(70000)).detail
        == "HELLO.listen_port: expected u16");
  CHECK(edit_hello(0, msgpack::object(-1)).detail
        == "HELLO.magic: expected u32");
  CHECK(edit_hello(0, msgpack::object(uint64_t{1} << 32)).detail
        == "HELLO.magic: expected u32");
  CHECK(edit_hello(7, msgpack::object(1.5)).detail
        == "HELLO.best_height: expected u64");
  CHECK(edit_hello(11, msgpack::object(0xFFFFFFFFFFFFFFFFULL)).detail
        == "HELLO.timestamp: expected i64");
  CHECK(edit_hello(10, bin_object(short_id.data(), 3)).detail
        == "HELLO.user_agent: expected str");

  // HELLO_AUTH.signature must be 64 bytes.
  const bytes sig63(63, 2);
  auto auth = decode_failure(pack_raw(
    std::make_tuple(2, 0, std::make_tuple(bin_object(sig63.data(), 63)))));
  CHECK(auth.detail == "HELLO_AUTH.signature: expected bin64");

  // GOSSIP sender and signature: empty or exactly 32/64 bytes.
  gossip g;
  g.sender = bytes(31, 1);
  CHECK(decode_failure(encode(message{0, g})).detail
        == "GOSSIP.sender: expected bin of 0 or 32 bytes");
  g.sender = bytes(32, 1);
  g.signature = bytes(65, 1);
  CHECK(decode_failure(encode(message{0, g})).detail
        == "GOSSIP.signature: expected bin of 0 or 64 bytes");

  // PEERS node ids: empty or 32 bytes.
  peers p{{{"h", 1, bytes(5, 1), 0, 0}}};
  CHECK(decode_failure(encode(message{0, p})).detail
        == "PEERS.entries[0].node_id: expected bin of 0 or 32 bytes");
}

TEST_CASE("nested field errors carry the full path") {
  auto handle = unpack_raw(encode(sample_messages()[12])); // BLOCKS
  auto& items = handle.get().via.array.ptr[2].via.array.ptr[0].via.array;
  auto& block1 = items.ptr[1].via.array;
  auto& header = block1.ptr[0].via.array;
  const msgpack::object height = header.ptr[1];
  header.ptr[1] = str_object("x", 1);
  CHECK(decode_failure(pack_raw(handle.get())).detail
        == "BLOCKS.items[1].header.height: expected u64");
  header.ptr[1] = height;

  auto& tx0 = block1.ptr[2].via.array.ptr[0].via.array;
  auto& input1 = tx0.ptr[1].via.array.ptr[1].via.array;
  const bytes sig63(63, 2);
  input1.ptr[2] = bin_object(sig63.data(), 63);
  CHECK(decode_failure(pack_raw(handle.get())).detail
        == "BLOCKS.items[1].transactions[0].inputs[1].signature: expected "
           "bin64");
}

TEST_CASE("chain structures are exact records") {
  const transaction tx = sample_transaction(1);
  const bytes enc = encode_transaction(tx);
  auto back = decode_transaction(enc.data(), enc.size());
  REQUIRE(back.has_value());
  CHECK(encode_transaction(*back) == enc);

  // One field more or less is refused.
  auto handle = unpack_raw(enc);
  msgpack::object root = handle.get(); // a shallow, editable copy
  auto& arr = root.via.array;
  std::vector<msgpack::object> longer(arr.ptr, arr.ptr + arr.size);
  longer.emplace_back();
  arr.ptr = longer.data();
  arr.size = 5;
  bytes bad = pack_raw(root);
  auto err = decode_transaction(bad.data(), bad.size());
  REQUIRE_FALSE(err.has_value());
  CHECK(err.error().code == decode_errc::bad_field);
  CHECK(err.error().detail == "transaction: expected array of 4");
  arr.size = 3;
  bad = pack_raw(root);
  CHECK(decode_transaction(bad.data(), bad.size()).error().detail
        == "transaction: expected array of 4");

  const block b = sample_block(5);
  const bytes benc = encode_block(b);
  auto bback = decode_block(benc.data(), benc.size());
  REQUIRE(bback.has_value());
  CHECK(encode_block(*bback) == benc);
  const bytes henc = encode_header(b.header);
  auto hback = decode_header(henc.data(), henc.size());
  REQUIRE(hback.has_value());
  CHECK(encode_header(*hback) == henc);
  // A transaction is not a block.
  auto wrong = decode_block(enc.data(), enc.size());
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().detail == "block: expected array of 3");
}

TEST_CASE("response list limits are enforced by the codec") {
  auto check_limit = [](const message& at_limit, const message& over,
                        const std::string& where) {
    CAPTURE(where);
    CHECK(decode(encode(at_limit)).has_value());
    auto err = decode_failure(encode(over));
    CHECK(err.code == decode_errc::limit_exceeded);
    CHECK(starts_with(err.detail, where));
  };
  const peer_address addr{"10.1.2.3", 24000, {}, 1, 2};
  check_limit(message{1, peers{std::vector<peer_address>(1000, addr)}},
              message{1, peers{std::vector<peer_address>(1001, addr)}},
              "PEERS.entries: 1001 entries exceed 1000");
  check_limit(message{1, hashes{std::vector<hash256>(2000)}},
              message{1, hashes{std::vector<hash256>(2001)}}, "HASHES.items");
  const signed_header sh{};
  check_limit(message{1, headers{std::vector<signed_header>(2000, sh)}},
              message{1, headers{std::vector<signed_header>(2001, sh)}},
              "HEADERS.items");
  check_limit(message{1, blocks{std::vector<block>(500)}},
              message{1, blocks{std::vector<block>(501)}}, "BLOCKS.items");
  utxo_chunk uc;
  uc.entries.resize(10000);
  utxo_chunk over = uc;
  over.entries.resize(10001);
  check_limit(message{1, uc}, message{1, over}, "UTXO_CHUNK.entries");
  const gossip ann{9, bytes(120, 7), bytes(32, 1), 1'767'225'600, bytes(64, 2)};
  check_limit(message{1, masternodes{std::vector<gossip>(5000, ann)}},
              message{1, masternodes{std::vector<gossip>(5001, ann)}},
              "MASTERNODES.entries: 5001 entries exceed 5000");
  CHECK(max_masternodes_entries == 5000);
  // Request counts are not the codec's to bound: the server clamps them.
  CHECK(decode(encode(message{1, get_blocks{0, 65535}})).has_value());
}

TEST_CASE("unknown types with a well-formed envelope report the type") {
  auto err = decode_failure(
    pack_raw(std::make_tuple(99, 5, std::make_tuple(1, "x"))));
  CHECK(err.code == decode_errc::unknown_type);
  CHECK(err.type == 99);
  err = decode_failure(pack_raw(std::make_tuple(65535, 0, std::vector<int>{})));
  CHECK(err.code == decode_errc::unknown_type);
  CHECK(err.type == 65535);
}

TEST_CASE("envelopes of the wrong shape are not_envelope") {
  const std::vector<bytes> bad = {
    pack_raw(5),                                             // not an array
    pack_raw(std::map<int, int>{{1, 2}}),                    // a map
    pack_raw(std::vector<int>{}),                            // []
    pack_raw(std::make_tuple(4, 0)),                         // no body
    pack_raw(std::make_tuple(4, 0, std::vector<int>{}, 1)),  // 4 elements
    pack_raw(std::make_tuple("4", 0, std::vector<int>{})),   // type a str
    pack_raw(std::make_tuple(-4, 0, std::vector<int>{})),    // negative type
    pack_raw(std::make_tuple(65536, 0, std::vector<int>{})), // type > u16
    pack_raw(std::make_tuple(4, -1, std::vector<int>{})),    // negative id
    pack_raw(std::make_tuple(4, msgpack::type::nil_t{}, std::vector<int>{})),
    pack_raw(std::make_tuple(4, 0, 7)),                    // body an int
    pack_raw(std::make_tuple(4, 0, std::map<int, int>{})), // body a map
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    CAPTURE(i);
    auto err = decode_failure(bad[i]);
    CHECK(err.code == decode_errc::not_envelope);
    CHECK_FALSE(err.detail.empty());
  }
}

TEST_CASE("any integer width that holds the value is accepted") {
  // [4, 7, [1, 2]] with every integer in a wider or signed form.
  const bytes wide{0x93, 0xd0, 0x04, 0xcf, 0,    0,    0,   0, 0,
                   0,    0,    0x07, 0x92, 0xd3, 0,    0,   0, 0,
                   0,    0,    0,    0x01, 0xcd, 0x00, 0x02};
  auto r = decode(wide);
  REQUIRE(r.has_value());
  CHECK(r->id == 7);
  CHECK(std::get<ping>(r->content).nonce == 1);
  CHECK(std::get<ping>(r->content).best_height == 2);
}
