// libFuzzer target: the handshake state machine fed what a peer sends.
//
// Input: [scenario, stream...]. `scenario` (fuzz/fuzz_common.hpp) picks the
// role, whether our HELLO went out first, and whether the peer's valid HELLO
// (and HELLO_AUTH) were fed before the stream, so that the stream meets every
// state. The stream is read as the connection reads it: frames under the
// handshake bound (raised once connected), each decoded into a message and
// fed to the handshake. Undecodable frames are skipped (the connection would
// close; skipping lets later frames reach further states).
//
// Properties: no crash, throw or leak; a step that fails leaves the handshake
// failed for good; the stream alone never authenticates (it cannot sign with
// the peer key for our random nonce); whatever the handshake sends encodes
// within the bound the peer's decoder applies; every HELLO_AUTH we send is a
// valid signature for the HELLO it answers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "fuzz/fuzz_common.hpp"
#include "protocol/framing.hpp"

using namespace timecoin;
using security::conn_role;

namespace {

/// A node the admit callback refuses as banned, so that path is reachable.
const security::node_key& banned_key() {
  static const auto key = security::node_key::from_seed(fuzz::fixed_seed(5));
  return key;
}

std::optional<security::refusal> admit(const proto::hello& peer) {
  if (peer.node_id == banned_key().public_key())
    return security::refusal{proto::reject_code::banned, "banned", false};
  return std::nullopt;
}

struct run {
  conn_role role;
  security::handshake hs;
  std::optional<proto::hash256> our_nonce;

  explicit run(conn_role r)
    : role(r),
      hs(fuzz::local_key(), fuzz::devnet_local_info(), r, proto::hash256{},
         std::nullopt, admit) {}

  /// Feeds `msg` and checks the step against the state before it.
  security::handshake_step feed(const proto::message& msg) {
    const bool was_failed = hs.failed();
    const bool was_connected = hs.connected();
    auto step = hs.on_message(msg, fuzz::fuzz_now);
    fuzz::check(!(step.failure && step.connected),
                "a step both failed and connected");
    fuzz::check(!step.failure || hs.failed(), "a failure did not stick");
    fuzz::check(!was_failed || hs.failed(), "a failed handshake recovered");
    fuzz::check(!step.connected || hs.connected(),
                "connected step, handshake not connected");
    fuzz::check(!was_connected || hs.connected() || hs.failed(),
                "a connected handshake went back");
    for (const auto& out : step.send)
      check_sent(out);
    return step;
  }

  void check_sent(const proto::message& out) {
    const auto frame = proto::encode_frame(out);
    fuzz::check(frame.size() - proto::frame_header_bytes
                  <= proto::max_handshake_frame_bytes,
                "sent a frame over the handshake bound");
    auto back = proto::decode(frame.data() + proto::frame_header_bytes,
                              frame.size() - proto::frame_header_bytes);
    fuzz::check(back.has_value() && back->type() == out.type(),
                "sent a message that does not decode");
    if (const auto* h = std::get_if<proto::hello>(&out.content)) {
      fuzz::check(h->node_id == fuzz::local_key().public_key(),
                  "our HELLO carries another node id");
      fuzz::check(!our_nonce || *our_nonce == h->nonce,
                  "our nonce changed between HELLOs");
      our_nonce = h->nonce;
    } else if (const auto* a = std::get_if<proto::hello_auth>(&out.content)) {
      const auto& peer = hs.peer_hello();
      fuzz::check(peer.has_value(), "HELLO_AUTH sent before a peer HELLO");
      auto signed_bytes = security::hello_auth_bytes(
        peer->nonce, fuzz::local_key().public_key(), peer->node_id,
        proto::hash256{}, role);
      fuzz::check(security::verify(fuzz::local_key().public_key(), signed_bytes,
                                   a->signature),
                  "our HELLO_AUTH does not verify");
    }
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const uint8_t scenario = data[0];
  run r{(scenario & fuzz::scenario_acceptor) ? conn_role::acceptor
                                             : conn_role::dialer};
  if (scenario & fuzz::scenario_hello_first)
    r.check_sent(r.hs.make_hello(fuzz::fuzz_now));

  const bool connect = (scenario & fuzz::scenario_connected) != 0;
  if (connect || (scenario & fuzz::scenario_peer_hello)) {
    auto step = r.feed(proto::message{0, fuzz::peer_hello_body()});
    fuzz::check(!step.failure && !r.hs.failed() && r.hs.peer_hello(),
                "the valid peer HELLO was refused");
    fuzz::check(r.our_nonce.has_value(), "no HELLO of ours went out");
    if (connect) {
      r.feed(fuzz::peer_auth(*r.our_nonce, r.role));
      fuzz::check(r.hs.connected(), "the valid HELLO_AUTH did not connect");
    }
  }

  proto::frame_decoder decoder{proto::max_handshake_frame_bytes};
  if (r.hs.connected())
    decoder.set_max_payload(proto::max_frame_bytes);
  decoder.feed(data + 1, size - 1);
  proto::bytes payload;
  while (decoder.next(payload) == proto::frame_status::frame) {
    auto msg = proto::decode(payload);
    if (!msg)
      continue;
    r.feed(*msg);
    fuzz::check(connect || !r.hs.connected(),
                "the peer authenticated without the peer key");
    if (r.hs.connected())
      decoder.set_max_payload(proto::max_frame_bytes);
  }
  return 0;
}
