#pragma once

// TLS 1.3 through OpenSSL memory BIOs: the connection actor moves ciphertext
// between its socket and a `tls_session`; no socket is touched here.

#include <memory>
#include <optional>
#include <string>

#include "protocol/result.hpp"
#include "protocol/types.hpp"
#include "security/node_key.hpp"

namespace timecoin::security {

/// ALPN protocol id.
constexpr const char* alpn_protocol = "timecoin/1";
/// Label of the TLS exporter that binds HELLO_AUTH to the session.
constexpr const char* hello_exporter_label = "EXPORTER-timecoin-hello";

/// Shared TLS configuration of one node: its self-signed Ed25519 certificate
/// (made from the node key) and TLS 1.3 only. Thread-safe to share.
class tls_context {
public:
  /// Builds client and server contexts from `key`.
  static result<std::shared_ptr<tls_context>, std::string>
  make(const node_key& key);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  struct impl;
  impl& get() { return *impl_; }

private:
  tls_context() = default;
  std::unique_ptr<impl> impl_;
};

/// Which end of the TCP connection this session is.
enum class tls_role : uint8_t { client, server };

/// Progress reported by `tls_session::receive`.
enum class tls_status : uint8_t {
  ok,     ///< all input consumed (plaintext may have been produced)
  closed, ///< the peer sent close_notify
  failed, ///< handshake or record failure: close the connection
};

/// One TLS session over memory BIOs.
class tls_session {
public:
  tls_session(std::shared_ptr<tls_context> ctx, tls_role role);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  /// Starts the handshake (the client produces its ClientHello).
  void start();

  /// Feeds ciphertext from the network; appends any plaintext to `plain`.
  /// Call `take_output()` afterwards: handshake replies and alerts (also the
  /// alert explaining a failure) are queued there.
  tls_status receive(const uint8_t* data, std::size_t size, bytes& plain);

  /// Encrypts `size` bytes of plaintext. Only valid once `established()`.
  /// Returns false on a fatal error.
  bool send(const uint8_t* data, std::size_t size);

  /// Moves ciphertext waiting for the socket into `out` (appends); returns
  /// the number of bytes appended.
  std::size_t take_output(bytes& out);

  /// Sends close_notify (the output must still be written).
  void close();

  /// The handshake has completed, ALPN and the peer certificate checked.
  bool established() const;

  /// The session has failed (handshake, record or check); `last_error()`
  /// says why. A failed session stays failed.
  bool failed() const;

  /// The peer's certificate public key (raw 32 bytes), once established.
  std::optional<hash256> peer_public_key() const;

  /// 32 bytes of `SSL_export_keying_material(EXPORTER-timecoin-hello, empty
  /// context)`, once established.
  std::optional<hash256> exporter_binding() const;

  /// Bytes allocated for the ciphertext buffers (OpenSSL memory BIOs, in
  /// and out), for tests and memory accounting. Once a burst is over they
  /// shrink back to at most 16 KiB each.
  std::size_t bio_bytes() const;

  /// The last OpenSSL error, for logs.
  const std::string& last_error() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace timecoin::security
