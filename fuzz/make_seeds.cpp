// Writes the seed corpora of the fuzz targets: `make_seeds <dir>` fills
// <dir>/frame_decoder, <dir>/message_decoder and <dir>/handshake. The
// committed fuzz/corpus is its output; scripts/fuzz.sh regenerates it into
// the build directory and says when the committed copy is stale.
//
// Seeds are small and meaningful: a valid encoding of every message type
// and chain structure, truncations, and the hostile shapes the decoders
// guard against (oversized and zero length prefixes, lengths the data cannot
// hold, nesting beyond the limit, lists over their protocol limit).

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "fuzz/fuzz_common.hpp"
#include "protocol/big_endian.hpp"
#include "protocol/framing.hpp"
#include "tests/protocol/samples.hpp"

using namespace timecoin;
using proto::bytes;

namespace {

namespace fs = std::filesystem;

fs::path out_root;
int written = 0;

void write_seed(const char* target, const std::string& name, const bytes& b) {
  const fs::path dir = out_root / target;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()),
          static_cast<std::streamsize>(b.size()));
  if (!f) {
    std::fprintf(stderr, "make_seeds: cannot write %s/%s\n", target,
                 name.c_str());
    std::exit(1);
  }
  ++written;
}

std::string lower(const char* s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

bytes prefix(uint32_t length) {
  bytes out(proto::frame_header_bytes);
  proto::put_be32(out.data(), length);
  return out;
}

bytes head(const bytes& b, std::size_t n) {
  return bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
}

bytes frame(const proto::message& m) {
  return proto::encode_frame(m);
}

proto::message with(proto::hello h) {
  return proto::message{0, std::move(h)};
}

// -- message_decoder
// -----------------------------------------------------------

void message_seeds() {
  const char* t = "message_decoder";
  int i = 0;
  for (const auto& m : proto::test::sample_messages()) {
    const bytes enc = proto::encode(m);
    const std::string base = (i < 10 ? "0" : "") + std::to_string(i) + "-"
                             + lower(to_string(m.type()));
    write_seed(t, base, enc);
    write_seed(t, base + "-truncated", head(enc, enc.size() / 2));
    ++i;
  }
  const auto tx = proto::test::sample_transaction(1);
  const auto blk = proto::test::sample_block(5);
  write_seed(t, "chain-transaction", proto::encode_transaction(tx));
  write_seed(t, "chain-block", proto::encode_block(blk));
  write_seed(t, "chain-header", proto::encode_header(blk.header));
  write_seed(t, "chain-devnet-genesis",
             proto::encode_block(proto::devnet_genesis()));
  // [1, 0, []]: a HELLO whose fields all take their defaults.
  write_seed(t, "hello-empty-body", {0x93, 0x01, 0x00, 0x90});
  // [999, 5, [1, 2]]: a well-formed envelope of an unknown type.
  write_seed(t, "unknown-type",
             {0x93, 0xcd, 0x03, 0xe7, 0x05, 0x92, 0x01, 0x02});
  // array32 declaring 2^32 - 1 elements in five bytes.
  write_seed(t, "hostile-array32", {0xdd, 0xff, 0xff, 0xff, 0xff});
  // [1, 0, [[[...]]]] nested one level beyond max_nesting_depth.
  bytes deep{0x93, 0x01, 0x00};
  deep.insert(deep.end(), proto::max_nesting_depth, 0x91);
  deep.push_back(0x90);
  write_seed(t, "hostile-too-deep", deep);
  write_seed(t, "trailing-byte",
             cat(
               {proto::encode(proto::message{1, proto::ping{2, 3}}), {0xc0}}));
  // PEERS with one entry over max_peers_entries, each an empty array.
  bytes many{0x93, 0x07, 0x00, 0x91, 0xdc};
  const auto n = static_cast<uint16_t>(proto::max_peers_entries + 1);
  proto::append_be(many, n);
  many.insert(many.end(), n, 0x90);
  write_seed(t, "peers-over-limit", many);
  // MASTERNODES with one entry over max_masternodes_entries.
  bytes many_mn{0x93, 0x0b, 0x00, 0x91, 0xdc};
  const auto n_mn = static_cast<uint16_t>(proto::max_masternodes_entries + 1);
  proto::append_be(many_mn, n_mn);
  many_mn.insert(many_mn.end(), n_mn, 0x90);
  write_seed(t, "masternodes-over-limit", many_mn);
  auto long_ua = fuzz::peer_hello_body();
  long_ua.user_agent.assign(proto::max_user_agent_bytes + 1, 'u');
  write_seed(t, "hello-long-user-agent", proto::encode(with(long_ua)));
}

// -- frame_decoder
// -------------------------------------------------------------

/// [mode, split]: see fuzz/frame_decoder_fuzz.cpp.
void frame_seed(const std::string& name, uint8_t mode, uint8_t split,
                const bytes& stream) {
  write_seed("frame_decoder", name, cat({{mode, split}, stream}));
}

bytes all_sample_frames() {
  bytes out;
  for (const auto& m : proto::test::sample_messages())
    proto::append_frame(out, m);
  return out;
}

void frame_seeds() {
  const bytes all = all_sample_frames();
  frame_seed("all-types-one-feed", 0, 0, all);
  frame_seed("all-types-byte-by-byte", 0, 1, all);
  frame_seed("all-types-pieces-of-16-next-at-end", 4, 3 | (7 << 3), all);
  frame_seed("all-types-connected", 1, 4, all);
  frame_seed("all-types-tiny-bound", 2, 2, all);
  frame_seed("truncated", 0, 5, head(all, all.size() - 3));
  frame_seed("partial-header", 0, 0, {0x00, 0x00, 0x01});
  frame_seed("zero-length", 0, 0, prefix(0));
  frame_seed("zero-length-after-frame", 0, 1,
             cat({frame(proto::message{0, proto::get_tip{}}), prefix(0)}));
  frame_seed("over-handshake-bound", 0, 0,
             cat({prefix(proto::max_handshake_frame_bytes + 1), {0x90}}));
  frame_seed("over-frame-bound", 1, 0,
             cat({prefix(proto::max_frame_bytes + 1), {0x90}}));
  frame_seed("max-prefix", 1, 0, {0xff, 0xff, 0xff, 0xff});
  frame_seed("exactly-handshake-bound", 0, 6,
             cat({prefix(proto::max_handshake_frame_bytes),
                  bytes(proto::max_handshake_frame_bytes, 0xc0)}));
  // A frame the handshake bound refuses, accepted once the bound is raised.
  const bytes after_first = cat({frame(proto::message{0, proto::ping{1, 2}}),
                                 prefix(proto::max_handshake_frame_bytes * 2),
                                 bytes(100, 0xc0)});
  frame_seed("raised-bound", 3, 0, after_first);
  frame_seed("not-raised-bound", 0, 0, after_first);
}

// -- handshake
// -----------------------------------------------------------------

void hs_seed(const std::string& name, uint8_t scenario, const bytes& stream) {
  write_seed("handshake", name, cat({{scenario}, stream}));
}

void handshake_seeds() {
  using namespace fuzz;
  const uint8_t dial = scenario_hello_first;
  const uint8_t accept = scenario_hello_first | scenario_acceptor;
  const bytes hello = frame(with(peer_hello_body()));
  const bytes bad_auth = frame(proto::message{0, proto::hello_auth{}});
  hs_seed("dialer-hello-bad-auth", dial, cat({hello, bad_auth}));
  hs_seed("acceptor-hello-bad-auth", accept, cat({hello, bad_auth}));
  hs_seed("hello-without-ours-first", 0, hello);
  hs_seed("auth-before-hello", dial, bad_auth);
  hs_seed("reject", dial,
          frame(proto::message{0, proto::reject{proto::reject_code::banned,
                                                "go away\n\x01"}}));
  hs_seed("ping-before-hello", dial,
          frame(proto::message{0, proto::ping{1, 2}}));
  hs_seed("second-hello", dial | scenario_peer_hello, hello);
  hs_seed("awaiting-auth-bad-auth", dial | scenario_peer_hello, bad_auth);
  hs_seed("connected-then-traffic", dial | scenario_connected,
          cat({frame(proto::message{1, proto::ping{1, 2}}),
               frame(proto::message{0, proto::get_tip{}}), hello}));
  hs_seed("all-sample-frames", dial, all_sample_frames());

  auto h = peer_hello_body();
  h.magic ^= 1;
  hs_seed("wrong-magic", dial, frame(with(h)));
  h = peer_hello_body();
  h.network = "mainnet";
  hs_seed("wrong-network", dial, frame(with(h)));
  h = peer_hello_body();
  h.min_version = 2;
  hs_seed("bad-version-range", dial, frame(with(h)));
  h = peer_hello_body();
  h.min_version = h.version = proto::protocol_version + 1;
  hs_seed("incompatible-version", dial, frame(with(h)));
  h = peer_hello_body();
  h.user_agent.assign(proto::max_user_agent_bytes + 1, 'u');
  hs_seed("long-user-agent", dial, frame(with(h)));
  h = peer_hello_body();
  h.node_id = local_key().public_key();
  hs_seed("self-connection", dial, frame(with(h)));
  h = peer_hello_body();
  h.node_id = security::node_key::from_seed(fixed_seed(5)).public_key();
  hs_seed("banned-peer", dial, frame(with(h)));
  h = peer_hello_body();
  h.timestamp = fuzz_now - 3600;
  hs_seed("clock-skew", accept, frame(with(h)));
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  out_root = argv[1];
  message_seeds();
  frame_seeds();
  handshake_seeds();
  std::printf("make_seeds: wrote %d seeds under %s\n", written, argv[1]);
  return 0;
}
