#pragma once

// The HELLO / HELLO_AUTH exchange of docs/PROTOCOL.md, "Handshake" as a plain
// state machine: the connection actor feeds it the peer's messages and sends
// what it says.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "security/node_key.hpp"

namespace timecoin::security {

/// The role byte of HELLO_AUTH: 1 for the side that dialled, 2 for the side
/// that accepted.
enum class conn_role : uint8_t { dialer = 1, acceptor = 2 };

/// What this node announces about itself in HELLO.
struct local_info {
  uint32_t magic = 0;
  std::string network;
  uint16_t listen_port = 0;
  uint64_t best_height = 0;
  hash256 best_hash{};
  uint32_t services = 0;
  std::string user_agent;
};

/// `"timecoin/1 hello" || peer_nonce || own_node_id || peer_node_id ||
/// binding || role`: the bytes a side signs for HELLO_AUTH (`role` is the
/// signer's own role).
bytes hello_auth_bytes(const hash256& peer_nonce, const hash256& own_node_id,
                       const hash256& peer_node_id, const hash256& binding,
                       conn_role role);

/// A refusal: the code to send in REJECT and a reason for logs and the peer.
struct refusal {
  proto::reject_code code;
  std::string reason;
  bool violation = false; ///< also charge a violation to the peer
                          ///< (docs/PROTOCOL.md, "Violations and bans")
};

/// Checks a peer's HELLO against docs/PROTOCOL.md, "Handshake": magic and
/// network, overlapping versions, not our own node id, sane field sizes. Ban
/// checks are the caller's.
std::optional<refusal> check_hello(const local_info& local,
                                   const hash256& own_node_id,
                                   const proto::hello& peer);

/// What the connection must do after feeding a message to the handshake.
struct handshake_step {
  /// Messages to send now, in order.
  std::vector<proto::message> send;
  /// Set when the handshake failed: send REJECT (if `send` holds it) and close.
  std::optional<refusal> failure;
  /// The peer is authenticated: the connection is connected.
  bool connected = false;
  /// A non-fatal observation for the log (e.g. clock skew over 60 s).
  std::optional<std::string> warning;
};

/// One side of the handshake. Use: `make_hello()` and send it, then feed every
/// message received until `connected` or `failure`.
class handshake {
public:
  /// Called with the peer's node id after its HELLO passed `check_hello`:
  /// returns a refusal (banned: REJECT 5; duplicate: REJECT 3; ...) or none.
  using admit_fn = std::function<std::optional<refusal>(const proto::hello&)>;

  /// `binding`: the TLS exporter output, or 32 zero bytes without TLS.
  /// `tls_peer_key`: the peer certificate's key, or none without TLS.
  handshake(const node_key& key, local_info local, conn_role role,
            hash256 binding, std::optional<hash256> tls_peer_key,
            admit_fn admit = {});

  /// Our HELLO with a fresh random nonce and `now` (unix seconds).
  proto::message make_hello(int64_t now);

  /// Feeds one message received before the connection is connected. Never
  /// throws, whatever the message holds. If no HELLO was made yet, the step
  /// sends ours before HELLO_AUTH. A REJECT from the peer fails the
  /// handshake with the peer's code and nothing to send. After `connected`,
  /// a HELLO or HELLO_AUTH is a violation and anything else a no-op.
  handshake_step on_message(const proto::message& msg, int64_t now) noexcept;

  /// The peer's HELLO, once received and accepted.
  const std::optional<proto::hello>& peer_hello() const { return peer_hello_; }
  /// The peer proved its node key: the connection is connected.
  bool connected() const { return state_ == state::connected; }
  /// The handshake failed; the connection must close.
  bool failed() const { return state_ == state::failed; }

private:
  enum class state : uint8_t { await_hello, await_auth, connected, failed };

  handshake_step fail(refusal r, bool send_reject);
  handshake_step dispatch(const proto::message& msg, int64_t now);
  handshake_step on_hello(const proto::hello& peer, int64_t now);
  handshake_step on_auth(const proto::hello_auth& auth);

  const node_key& key_;
  local_info local_;
  conn_role role_;
  hash256 binding_;
  std::optional<hash256> tls_peer_key_;
  admit_fn admit_;
  hash256 own_nonce_{};
  bool hello_sent_ = false;
  std::optional<proto::hello> peer_hello_;
  state state_ = state::await_hello;
};

/// Clock differences above this are logged, not refused.
constexpr int64_t max_clock_skew_seconds = 60;

} // namespace timecoin::security
