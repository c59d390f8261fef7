#pragma once

// The protocol session of one connection, as plain code (no CAF, no socket):
// TLS through memory BIOs, framing, the HELLO handshake, PING/PONG, request
// ids, the send queue and the dispatch of what arrives. A transport feeds it
// the peer's bytes and carries the bytes it gives out; what the node acts on
// comes out as events (internal header).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "actors/context.hpp"
#include "actors/lazy_queue.hpp"
#include "protocol/framing.hpp"
#include "protocol/messages.hpp"
#include "security/handshake.hpp"
#include "security/tls.hpp"
#include "security/violations.hpp"

namespace timecoin {

/// The whole handshake must complete this soon after connect or accept.
constexpr auto handshake_timeout = std::chrono::seconds{10};
/// An inbound peer that has sent nothing (no TLS ClientHello) this long
/// after accept is closed: idle sockets cannot hold the pre-handshake slots
/// for the whole handshake deadline.
constexpr auto first_bytes_timeout = std::chrono::seconds{2};
/// A connected peer is pinged this often.
constexpr auto ping_interval = std::chrono::seconds{30};
/// A peer that leaves a PING unanswered this long is disconnected.
constexpr auto ping_timeout = std::chrono::seconds{90};
/// A request unanswered this long fails at the requester.
constexpr auto request_timeout = std::chrono::seconds{30};

/// Plaintext handed to OpenSSL per SSL_write. TLS cuts it into 16 KiB
/// records either way; bounded writes keep OpenSSL's output memory BIO small
/// and reused, where one write of a whole backlog grows it by reallocation
/// (copies and page faults: most of the send cost in the benchmark).
constexpr std::size_t tls_write_chunk_bytes = 64 * 1024;
/// Queued plaintext that is sent at once rather than at the next `flush`:
/// a burst of sends would otherwise queue everything until the transport's
/// next turn, in buffers far larger than the caches.
constexpr std::size_t flush_threshold_bytes = 256 * 1024;
/// Bytes waiting in the transport (handed over, not yet taken by the kernel
/// or the simulated link) from which the session stops encoding: further
/// messages wait, unencoded and in order, in its backlog until the
/// transport has taken enough. A burst of sends, or a peer that reads
/// slowly, then costs a queue of shared messages, not ever larger buffers
/// of ciphertext.
constexpr std::size_t write_high_water_bytes = 1024 * 1024;
/// What a peer may have queued to it, unsent, in bytes (an estimate of the
/// encoded size, plus the transport's buffer) and in messages. A peer that
/// does not read is disconnected when it reaches either, not buffered: the
/// chain requests we serve at once (`max_serving_per_peer`, new ones only
/// while less than `serve_below_queued_bytes` waits) fit with their 4 MiB
/// answers, which is what an honest peer syncing from us with its windows
/// pipelined can have in flight.
constexpr std::size_t max_send_queue_bytes = 24 * 1024 * 1024;
constexpr std::size_t max_send_queue_messages = 4096;
/// Receive buffers keep at most this much capacity between frames, so a
/// large frame's memory is given back once it has been handled.
constexpr std::size_t keep_buffer_bytes = 16 * 1024;

/// A message shared between the connections it is sent to.
using shared_message = std::shared_ptr<const proto::message>;

/// What a session is and may say, fixed when it starts.
struct session_config {
  security::conn_role role = security::conn_role::acceptor;
  /// Null: plaintext (`tls=0`).
  std::shared_ptr<security::tls_context> tls;
  /// The node key (outlives the session).
  const security::node_key* key = nullptr;
  /// What HELLO announces, read when the handshake starts.
  std::function<security::local_info()> local;
  /// Admission of the peer's HELLO (bans); empty: everyone.
  security::handshake::admit_fn admit;
  /// The local height, for PING and PONG.
  std::function<uint64_t()> height;
  /// Wall time in unix seconds (HELLO timestamps).
  std::function<int64_t()> unix_now;
  /// PING nonces; empty: libsodium's random numbers.
  std::function<uint64_t()> nonce;
};

/// What a session decides about one frame within the framing limits,
/// before it is decoded.
enum class frame_verdict : uint8_t {
  pass,  ///< decode and dispatch it
  drop,  ///< discard it (counted by whoever decided)
  flood, ///< over budget for too long: a `flood` violation
};

/// What a session reports to the connection that carries it. Calls come
/// from inside the session's own functions; a handler may call back into
/// the session (send, close).
class session_events {
public:
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~session_events() = default;

  /// Bytes for the peer, in order.
  virtual void on_wire(const uint8_t* data, std::size_t size) = 0;
  /// The bytes given to `on_wire` so far may leave; returns the bytes the
  /// transport still holds, unsent (its congestion).
  virtual std::size_t on_wire_flush() = 0;
  /// Rate limits for one frame of `payload`; `answer`: it answers a request
  /// of ours (not charged to the byte budget).
  virtual frame_verdict on_frame(const proto::bytes& payload, bool answer,
                                 time_point now)
    = 0;
  /// The handshake completed: `peer` is the peer's HELLO.
  virtual void on_connected(const proto::hello& peer) = 0;
  /// A message for the node: anything after the handshake but PING, PONG,
  /// BYE, REJECT and the answers to `request`.
  virtual void on_message(proto::message& msg) = 0;
  /// The answer to our request `id`.
  virtual void on_answer(uint64_t id, proto::message& msg) = 0;
  /// The peer announced its height (PING, PONG).
  virtual void on_height(uint64_t height) = 0;
  /// The peer committed `v` (charge it); the session closes after.
  virtual void on_violation(security::violation v, const std::string& what) = 0;
  /// Something worth a warning in the log (a peer's clock far off).
  virtual void on_warning(const std::string& what) = 0;
  /// The session ended, for `why`; its last bytes went to `on_wire`. The
  /// transport closes.
  virtual void on_closed(close_reason why, const std::string& reason) = 0;
};

/// One connection's protocol state machine.
class peer_session {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// `events` and `stats` outlive the session.
  peer_session(session_config cfg, session_events& events, conn_stats& stats);
  ~peer_session();
  peer_session(const peer_session&) = delete;
  peer_session& operator=(const peer_session&) = delete;

  /// Starts: the TLS ClientHello of a dialer, or (without TLS) our HELLO.
  void start();

  /// Bytes from the peer. Handles every complete frame in them.
  void receive(const uint8_t* data, std::size_t size, time_point now);

  /// Queues `msg` for the peer (`shared`: the same message, shared with
  /// other connections, kept instead of a copy while it waits). Frames
  /// queued together leave at the next `flush`, or at once past
  /// `flush_threshold_bytes`. While the transport is congested, messages
  /// wait unencoded, in order; past `max_send_queue_bytes` or
  /// `max_send_queue_messages` the session closes (`send_queue_full`).
  /// Returns true if the caller should arrange a `flush` (the first frame
  /// since the last one).
  bool send(const proto::message& msg, const shared_message& shared = nullptr);
  /// Encrypts what is queued and hands it to the transport.
  void flush();
  /// The transport took bytes: `unsent` remain with it. Encodes what waits
  /// if it may.
  void transport_drained(std::size_t unsent);

  /// Makes `msg` a request with a fresh id, to be sent next: its answer
  /// comes to `on_answer`, unless `expire(id)` came first. Returns the id.
  uint64_t request(proto::message& msg, time_point now);
  /// A fresh id for a request whose answer comes to `on_message` (GET_PEERS,
  /// GET_MASTERNODES); answers get their full size limit until
  /// `2 * request_timeout` after it.
  uint64_t new_request_id(time_point now);
  /// Request `id` ran out of time: true if it was still pending.
  bool expire(uint64_t id);

  /// The handshake deadline passed: closes (`handshake_timeout`) unless
  /// connected; a peer that dialled us and stalls commits a violation.
  void handshake_deadline();
  /// The first-bytes deadline of an accepted connection passed.
  void first_bytes_deadline();
  /// Every `ping_interval`: closes a peer that left a PING unanswered for
  /// `ping_timeout`, else sends a PING if none is outstanding.
  void ping_tick(time_point now);

  /// Closes: what waits still goes out, in order, then a TLS close_notify;
  /// then `on_closed(why, reason)`. Nothing happens after.
  void close(close_reason why, const std::string& reason);
  /// REJECT `code`, then `close`.
  void reject_and_close(proto::reject_code code, const std::string& reason,
                        close_reason why = close_reason::local);
  /// A violation of the peer: charged (`on_violation`), then REJECT (before
  /// the handshake) and close.
  void violation(security::violation v, const std::string& what);
  /// The transport is gone (the peer closed the socket): the session ends
  /// without sending anything or reporting `on_closed`.
  void abort();

  bool connected() const { return connected_; }
  bool closing() const { return closing_; }
  /// Any byte arrived.
  bool got_bytes() const { return got_bytes_; }
  /// The peer's HELLO, once connected.
  const std::optional<proto::hello>& peer() const;
  /// Requests of ours waiting for an answer.
  std::size_t pending() const { return pending_.size(); }
  /// The transport holds over `write_high_water_bytes`.
  bool congested() const { return congested_; }
  /// Bytes queued to the peer and not yet taken by the transport.
  std::size_t queued_bytes() const { return backlog_bytes_ + unsent_; }
  /// Messages waiting while congested.
  std::size_t backlog_messages() const { return backlog_.size(); }
  /// Gives back the memory of a large frame once it has been handled.
  void shrink();

private:
  void begin_handshake();
  void on_plaintext(const uint8_t* data, std::size_t size, time_point now);
  void handle_payload(const proto::bytes& payload);
  void dispatch(proto::message& msg);
  void encode(const proto::message& msg);
  void drain_backlog(bool everything);
  bool is_answer(const proto::bytes& payload) const;
  void write_wire();
  void finish(close_reason why, const std::string& reason, bool notify);
  void charge(security::violation v, const std::string& what);

  session_config cfg_;
  session_events& events_;
  conn_stats& stats_;
  std::unique_ptr<security::tls_session> tls_;
  proto::frame_decoder decoder_;
  std::optional<security::handshake> hs_;
  bool connected_ = false;
  bool closing_ = false;
  bool got_bytes_ = false;
  bool flush_due_ = false;
  bool congested_ = false;
  /// Bytes the transport holds, as it last said.
  std::size_t unsent_ = 0;
  lazy_queue<shared_message> backlog_;
  std::size_t backlog_bytes_ = 0;
  proto::bytes plain_in_;
  proto::bytes plain_out_;
  proto::bytes wire_out_;
  proto::bytes payload_;
  uint64_t next_request_id_ = 1;
  std::unordered_set<uint64_t> pending_;
  /// Answers to our requests get their full size limit until then: a
  /// request's time, twice over, after the last one was sent, so that a
  /// late answer is ignored, not a violation.
  time_point answers_until_{};
  uint64_t ping_nonce_ = 0;
  std::optional<time_point> ping_sent_;
  /// When the frame being dispatched arrived.
  time_point now_{};
};

/// An estimate of the encoded size of `msg` (a little above it), for the
/// send queue's byte bound; exact encoding would cost a copy per peer of
/// what is shared between them.
std::size_t approx_bytes(const proto::message& msg);

/// Types that answer a request (docs/PROTOCOL.md, "Peer messages", "Chain
/// requests").
bool is_response(proto::msg_type t);

} // namespace timecoin
