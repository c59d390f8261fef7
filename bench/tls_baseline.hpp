#pragma once

// The reference the node is measured against: the same frames through two
// tls_session objects pumped in memory on one thread (no sockets, no actors),
// and the msgpack codec alone.

#include <chrono>

#include "bench/bench_report.hpp"

namespace timecoin::bench {

/// How the sender hands plaintext to OpenSSL.
enum class write_mode : uint8_t {
  batched,   ///< many frames per SSL_write, as the node's flush does
  per_frame, ///< one SSL_write (so one TLS record) per frame
};

/// Encrypts copies of `msg`'s frame at a client session, decrypts them at a
/// server session and splits the plaintext back into frames (no msgpack
/// decode), for about `duration`. Returns the frames that came out.
result_row run_tls_baseline(const proto::message& msg, write_mode mode,
                            std::chrono::milliseconds duration);

/// Encodes `msg` into a frame and decodes it again, for about `duration`:
/// the per-frame codec work the node adds to the TLS baseline.
result_row run_codec_baseline(const proto::message& msg,
                              std::chrono::milliseconds duration);

} // namespace timecoin::bench
