#include "bench/tls_baseline.hpp"

#include <stdexcept>

#include "protocol/codec.hpp"
#include "protocol/framing.hpp"
#include "security/node_key.hpp"
#include "security/tls.hpp"

namespace timecoin::bench {

namespace {

/// Plaintext per pump round: the node's read chunk, so that one round moves
/// about what one socket read event delivers.
constexpr std::size_t round_plaintext_bytes = 64 * 1024;

std::shared_ptr<security::tls_context> make_tls() {
  auto ctx = security::tls_context::make(security::node_key::generate());
  if (!ctx)
    throw std::runtime_error("TLS context: " + ctx.error());
  return *ctx;
}

/// Client and server sessions of two different keys, handshake completed.
struct tls_pair {
  security::tls_session client{make_tls(), security::tls_role::client};
  security::tls_session server{make_tls(), security::tls_role::server};
  proto::bytes wire;
  proto::bytes plain;

  tls_pair() {
    client.start();
    for (int i = 0; i < 8 && !(client.established() && server.established());
         ++i) {
      pump(client, server);
      pump(server, client);
    }
    if (!client.established() || !server.established())
      throw std::runtime_error("baseline TLS handshake failed");
  }

  /// Moves what `from` has written into `to`; plaintext lands in `plain`.
  void pump(security::tls_session& from, security::tls_session& to) {
    wire.clear();
    from.take_output(wire);
    plain.clear();
    if (!wire.empty()
        && to.receive(wire.data(), wire.size(), plain)
             == security::tls_status::failed)
      throw std::runtime_error("baseline TLS failure: " + to.last_error());
  }
};

} // namespace

result_row run_tls_baseline(const proto::message& msg, write_mode mode,
                            std::chrono::milliseconds duration) {
  const auto frame = proto::encode_frame(msg);
  const std::size_t frames_per_round
    = std::max<std::size_t>(1, round_plaintext_bytes / frame.size());
  proto::bytes batch;
  for (std::size_t i = 0; i < frames_per_round; ++i)
    batch.insert(batch.end(), frame.begin(), frame.end());

  tls_pair tls;
  proto::frame_decoder decoder{proto::max_frame_bytes};
  proto::bytes payload;
  uint64_t received = 0;
  const auto start = bench_clock::now();
  const auto end = start + duration;
  auto now = start;
  while (now < end) {
    if (mode == write_mode::batched) {
      if (!tls.client.send(batch.data(), batch.size()))
        throw std::runtime_error("baseline TLS write failed");
    } else {
      for (std::size_t i = 0; i < frames_per_round; ++i)
        if (!tls.client.send(frame.data(), frame.size()))
          throw std::runtime_error("baseline TLS write failed");
    }
    tls.pump(tls.client, tls.server);
    decoder.feed(tls.plain.data(), tls.plain.size());
    while (decoder.next(payload) == proto::frame_status::frame)
      ++received;
    now = bench_clock::now();
  }
  result_row row;
  row.payload_bytes = std::get<proto::gossip>(msg.content).payload.size();
  row.frame_bytes = frame.size();
  row.mode = mode == write_mode::batched
               ? "baseline: memory-BIO TLS, 64 KiB SSL_write"
               : "baseline: memory-BIO TLS, SSL_write/frame";
  row.frames = received;
  row.seconds = std::chrono::duration<double>(now - start).count();
  return row;
}

result_row run_codec_baseline(const proto::message& msg,
                              std::chrono::milliseconds duration) {
  proto::bytes frame;
  uint64_t decoded = 0;
  const auto start = bench_clock::now();
  const auto end = start + duration;
  auto now = start;
  while (now < end) {
    // Check the clock once per 256 frames: reading it costs about as much as
    // a small frame.
    for (int i = 0; i < 256; ++i) {
      frame.clear();
      proto::append_frame(frame, msg);
      auto back = proto::decode(frame.data() + proto::frame_header_bytes,
                                frame.size() - proto::frame_header_bytes);
      if (!back)
        throw std::runtime_error("codec baseline: " + back.error().detail);
      ++decoded;
    }
    now = bench_clock::now();
  }
  result_row row;
  row.payload_bytes = std::get<proto::gossip>(msg.content).payload.size();
  row.frame_bytes = frame.size();
  row.mode = "reference: msgpack encode + decode only";
  row.frames = decoded;
  row.seconds = std::chrono::duration<double>(now - start).count();
  return row;
}

} // namespace timecoin::bench
