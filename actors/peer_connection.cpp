#include "actors/peer_connection.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <unordered_map>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <sodium.h>

#include "actors/atoms.hpp"
#include "actors/chain_actor.hpp"
#include "actors/conn_guard.hpp"
#include "actors/discovery.hpp"
#include "actors/gossip.hpp"
#include "actors/node.hpp"
#include "actors/send_later.hpp"
#include "actors/sync_coordinator.hpp"
#include "protocol/codec.hpp"
#include "protocol/framing.hpp"
#include "protocol/printable.hpp"
#include "protocol/unix_time.hpp"
#include "security/envelope.hpp"
#include "security/violations.hpp"

namespace timecoin {

namespace {

using clock_type = caf::actor_clock::clock_type;
using time_point = caf::actor_clock::time_point;

/// Bytes asked of the socket per read event while the peer sends little.
/// CAF 0.17 keeps a read buffer of this size per connection, zero-filled
/// and resident, so it sets most of what an idle peer costs
/// (docs/BENCHMARKS.md, "Idle peers").
constexpr size_t idle_read_bytes = 2 * 1024;
/// ... and while it sends a lot: a read that fills the idle buffer switches
/// to this, which keeps bulk transfers at few read events.
constexpr size_t bulk_read_bytes = 64 * 1024;
/// Reads in a row smaller than `idle_read_bytes` that switch back.
constexpr uint32_t small_reads_to_idle = 32;
/// Plaintext handed to OpenSSL per SSL_write. TLS cuts it into 16 KiB
/// records either way; bounded writes keep OpenSSL's output memory BIO small
/// and reused, where one write of a whole backlog grows it by reallocation
/// (copies and page faults: most of the send cost in the benchmark).
constexpr size_t tls_write_chunk_bytes = 64 * 1024;
/// Queued plaintext that is sent at once rather than at the next `flush`:
/// a burst of sends would otherwise queue everything behind the self-sent
/// `flush` at the end of the mailbox, in buffers far larger than the caches.
constexpr size_t flush_threshold_bytes = 256 * 1024;
/// Bytes waiting in the socket's write buffer (handed over, not yet taken by
/// the kernel) from which the connection stops encoding: further messages
/// wait, unencoded and in order, in its backlog until the socket has taken
/// enough (`data_transferred_msg`). A burst of sends, or a peer that reads
/// slowly, then costs a queue of shared messages, not ever larger buffers of
/// ciphertext.
constexpr size_t write_high_water_bytes = 1024 * 1024;
/// What a peer may have queued to it, unsent, in bytes (an estimate of the
/// encoded size, plus the socket's buffer) and in messages. A peer that
/// does not read is disconnected when it reaches either, not buffered:
/// the chain requests we serve at once (`max_serving_per_peer`, new ones
/// only while less than `serve_below_queued_bytes` waits) fit with their
/// 4 MiB answers, which is what an honest peer syncing from us with its
/// windows pipelined can have in flight.
constexpr size_t max_send_queue_bytes = 24 * 1024 * 1024;
/// A chain request is served only while less than this waits to be sent to
/// the peer (else NOT_FOUND "busy").
constexpr size_t serve_below_queued_bytes = 4 * 1024 * 1024;
constexpr size_t max_send_queue_messages = 4096;
/// An inbound peer that has sent nothing (no TLS ClientHello) this long
/// after accept is closed: idle sockets cannot hold the pre-handshake slots
/// for the whole handshake deadline.
constexpr auto first_bytes_timeout = std::chrono::seconds{2};
/// Receive buffers keep at most this much capacity between frames, so a
/// large frame's memory is given back once it has been handled.
constexpr size_t keep_buffer_bytes = 16 * 1024;
/// Envelopes handed to the verifiers in one message at most: a 64 KiB read
/// of small envelopes makes a few batches, spread over the verifiers.
constexpr size_t max_verify_batch = 64;

using first_bytes_atom = caf::atom_constant<caf::atom("fbytes")>;

/// A FIFO that holds no memory while empty (libstdc++'s `std::deque`
/// allocates about 600 bytes as soon as it is constructed: per idle peer).
template <class T>
class lazy_queue {
public:
  bool empty() const { return !q_ || q_->empty(); }
  size_t size() const { return q_ ? q_->size() : 0; }
  void push_back(T x) {
    if (!q_)
      q_ = std::make_unique<std::deque<T>>();
    q_->push_back(std::move(x));
  }
  T& front() { return q_->front(); }
  void pop_front() {
    q_->pop_front();
    if (q_->empty())
      q_.reset();
  }
  void clear() { q_.reset(); }

private:
  std::unique_ptr<std::deque<T>> q_;
};

struct conn_state {
  static inline const char* name = "peer_connection";

  caf::io::connection_handle hdl;
  context_ptr ctx;
  conn_params params;
  std::unique_ptr<security::tls_session> tls;
  proto::frame_decoder decoder;
  std::optional<security::handshake> hs;
  bool connected = false;
  bool closing = false;
  bool flush_scheduled = false;
  /// The socket's write buffer is over `write_high_water_bytes`.
  bool congested = false;
  /// Messages to send while `congested`, oldest first (see `send_msg`).
  lazy_queue<shared_message> backlog;
  /// Estimated encoded bytes of `backlog`.
  size_t backlog_bytes = 0;
  /// Any byte arrived (see `first_bytes_timeout`).
  bool got_bytes = false;
  /// The current read size (`idle_read_bytes` or `bulk_read_bytes`).
  size_t read_size = idle_read_bytes;
  /// Small reads in a row while reading in bulk.
  uint32_t small_reads = 0;
  /// Why the connection closes, for the metrics (set before closing).
  close_reason why = close_reason::local;
  /// The close was counted in the metrics.
  bool close_counted = false;
  /// Answers to our requests (BLOCKS, HEADERS, UTXO_CHUNK) get their full
  /// size limit until then: a request's time, twice over, after the last
  /// one was sent, so that a late answer is ignored, not a violation.
  time_point answers_until{};
  proto::bytes plain_in;
  proto::bytes plain_out;
  proto::bytes wire_out;
  proto::bytes payload;
  std::shared_ptr<conn_stats> stats = std::make_shared<conn_stats>();
  std::optional<security::ip_address> ip;
  std::optional<conn_guard> guard;
  peer_entry entry;
  uint64_t ping_nonce = 0;
  std::optional<time_point> ping_sent;
  uint64_t next_request_id = 1;
  /// The id of our GET_PEERS; 0 once answered (or never sent).
  uint64_t getaddr_id = 0;
  /// The peer's first GET_PEERS was answered; later ones get an empty PEERS.
  bool getaddr_answered = false;
  /// Unsolicited addresses this peer may still send.
  address_allowance addr_allowance;
  /// When this node announces its address on this connection again.
  time_point next_self_announce{};
  /// The id of our GET_MASTERNODES; 0 once answered (or never sent).
  uint64_t getmn_id = 0;
  /// The peer's first GET_MASTERNODES was answered; later ones get an empty
  /// MASTERNODES.
  bool getmn_answered = false;
  /// Chain requests sent to the chain reader and not answered yet.
  uint32_t serving = 0;
  /// The peer's height as last told to the sync coordinator.
  uint64_t reported_height = 0;
  std::unordered_map<uint64_t, caf::response_promise> pending;
  std::string peer_label; // for logs: "ip:port" (node id once known)
  /// Envelopes for the verifiers, sent together once the read that
  /// carried them is handled (see `flush_verify`).
  gossip_batch verify_batch;
  /// This connection as the source of its gossip (made once connected).
  std::shared_ptr<const gossip_source> gossip_from;
};

using conn_broker = caf::io::stateful_broker<conn_state>;

spdlog::logger& log(conn_broker* self) {
  return *self->state.ctx->log;
}

void fail_pending(conn_broker* self);
void release(conn_broker* self);

/// Counts the connection's close in the metrics, once, as `r`.
void count_close(conn_state& st, close_reason r) {
  if (st.close_counted)
    return;
  st.close_counted = true;
  st.ctx->counters->closed[static_cast<size_t>(r)].fetch_add(
    1, std::memory_order_relaxed);
}

/// Hands the ciphertext (or, with tls=0, plaintext) in `wire_out` to the
/// socket's write buffer; true if there was any.
bool write_wire(conn_broker* self) {
  auto& st = self->state;
  if (st.wire_out.empty())
    return false;
  st.stats->bytes_sent.fetch_add(st.wire_out.size(), std::memory_order_relaxed);
  self->write(st.hdl, st.wire_out.size(), st.wire_out.data());
  st.wire_out.clear();
  return true;
}

/// Encrypts what is queued and hands it, with any TLS handshake output, to
/// the socket.
void flush_now(conn_broker* self) {
  auto& st = self->state;
  bool wrote = false;
  if (st.tls) {
    if (!st.plain_out.empty() && st.tls->established()) {
      const auto size = st.plain_out.size();
      for (size_t off = 0; off < size; off += tls_write_chunk_bytes) {
        auto n = std::min(tls_write_chunk_bytes, size - off);
        if (!st.tls->send(st.plain_out.data() + off, n)) {
          log(self).warn("{}: TLS write failed: {}", st.peer_label,
                         st.tls->last_error());
          count_close(st, close_reason::tls_failure);
          st.closing = true;
          release(self);
          self->close(st.hdl);
          self->quit();
          return;
        }
        st.tls->take_output(st.wire_out);
        wrote |= write_wire(self);
      }
      st.plain_out.clear();
    }
    st.tls->take_output(st.wire_out);
  } else {
    st.wire_out.swap(st.plain_out);
    st.plain_out.clear();
  }
  wrote |= write_wire(self);
  if (wrote)
    self->flush(st.hdl);
  // After `flush`, which hands the buffer to the socket if it is idle.
  st.congested = self->wr_buf(st.hdl).size() >= write_high_water_bytes;
}

/// Appends the frame of `msg` to what the next flush sends.
void encode_msg(conn_broker* self, const proto::message& msg) {
  auto& st = self->state;
  proto::append_frame(st.plain_out, msg);
  st.stats->messages_sent.fetch_add(1, std::memory_order_relaxed);
  if (st.plain_out.size() >= flush_threshold_bytes) {
    flush_now(self);
    return;
  }
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    // Anonymous: a message from self to self still queued when the actor
    // quits would keep the actor alive forever (a reference cycle through its
    // own mailbox).
    caf::anon_send(caf::actor_cast<caf::actor>(self), flush_atom::value);
  }
}

/// An estimate of the encoded size of `msg` (a little above it), for the
/// send queue's byte bound; exact encoding would cost a copy per peer of
/// what is shared between them.
size_t approx_bytes(const proto::message& msg) {
  constexpr size_t overhead = 32;
  return std::visit(
    [](const auto& body) -> size_t {
      using T = std::decay_t<decltype(body)>;
      if constexpr (std::is_same_v<T, proto::gossip>) {
        return overhead + 96 + body.payload.size() + body.sender.size();
      } else if constexpr (std::is_same_v<T, proto::blocks>) {
        size_t n = overhead;
        for (const auto& b : body.items) {
          n += 256;
          for (const auto& tx : b.transactions)
            n += 16 + 110 * tx.inputs.size() + 48 * tx.outputs.size();
        }
        return n;
      } else if constexpr (std::is_same_v<T, proto::masternodes>) {
        size_t n = overhead;
        for (const auto& e : body.entries)
          n += 128 + e.payload.size() + e.sender.size();
        return n;
      } else if constexpr (std::is_same_v<T, proto::peers>) {
        size_t n = overhead;
        for (const auto& e : body.entries)
          n += 64 + e.host.size();
        return n;
      } else if constexpr (std::is_same_v<T, proto::hashes>) {
        return overhead + 34 * body.items.size();
      } else if constexpr (std::is_same_v<T, proto::headers>) {
        return overhead + 240 * body.items.size();
      } else if constexpr (std::is_same_v<T, proto::utxo_chunk>) {
        return overhead + 110 * body.entries.size();
      } else {
        return overhead + 256;
      }
    },
    msg.content);
}

void close_conn(conn_broker* self, const std::string& why);
void after_register(conn_broker* self);
void announce_self(conn_broker* self);
void on_get_masternodes(conn_broker* self, uint64_t id);
proto::peers known_peers(const node_context& ctx, const std::string& asker);

/// Bytes queued to the peer and not yet taken by the socket.
size_t queued_bytes(conn_broker* self) {
  auto& st = self->state;
  return st.backlog_bytes + self->wr_buf(st.hdl).size();
}

/// Queues one frame. Frames queued in one handler go out together at the next
/// `flush` (self-sent once per batch), or at once past `flush_threshold_bytes`.
/// While the socket is congested, or messages wait already, `msg` waits in
/// the backlog: frames always leave in the order they were queued.
void send_msg(conn_broker* self, const proto::message& msg,
              const shared_message& shared = nullptr) {
  auto& st = self->state;
  if (st.closing)
    return;
  if (!st.congested && st.backlog.empty()) {
    encode_msg(self, msg);
    return;
  }
  st.backlog_bytes += approx_bytes(msg);
  st.backlog.push_back(shared ? shared
                              : std::make_shared<const proto::message>(msg));
  const auto queued = queued_bytes(self);
  st.stats->send_queue_bytes.store(queued, std::memory_order_relaxed);
  if (st.backlog.size() > max_send_queue_messages
      || queued > max_send_queue_bytes) {
    st.stats->send_overflows.fetch_add(1, std::memory_order_relaxed);
    log(self).info("{}: disconnecting: send queue over its bound ({} "
                   "messages, {} bytes): the peer does not read",
                   st.peer_label, st.backlog.size(), queued);
    st.backlog.clear();
    st.backlog_bytes = 0;
    st.why = close_reason::send_queue_full;
    close_conn(self, "send queue full");
  }
}

/// Encodes waiting messages while the socket accepts more (all of them with
/// `everything`, before a close), then sends what was encoded.
void drain_backlog(conn_broker* self, bool everything) {
  auto& st = self->state;
  while (!st.backlog.empty() && !st.closing && (everything || !st.congested)) {
    auto msg = std::move(st.backlog.front());
    st.backlog.pop_front();
    st.backlog_bytes -= std::min(st.backlog_bytes, approx_bytes(*msg));
    encode_msg(self, *msg);
  }
  if (st.backlog.empty())
    st.backlog_bytes = 0;
  if (!st.closing)
    flush_now(self);
  st.stats->send_queue_bytes.store(queued_bytes(self),
                                   std::memory_order_relaxed);
}

void fail_pending(conn_broker* self) {
  for (auto& kv : self->state.pending)
    kv.second.deliver(caf::make_error(caf::sec::request_receiver_down));
  self->state.pending.clear();
}

/// What a connection gives back as it ends: its pending requests fail, and
/// the monitor on the registry goes (CAF keeps a monitor's record in the
/// monitored actor until it is removed: one per connection ever made).
void release(conn_broker* self) {
  fail_pending(self);
  if (self->state.params.registry)
    self->demonitor(self->state.params.registry);
}

/// Sends what is queued, a TLS close_notify, and closes the connection.
void close_conn(conn_broker* self, const std::string& why) {
  auto& st = self->state;
  if (st.closing)
    return;
  count_close(st, st.why);
  log(self).debug("{}: closing: {}", st.peer_label, why);
  // What was queued before the close still goes out, in order: at most
  // `max_send_queue_bytes`, since the queue is bounded (a queue over its
  // bound is dropped before the close).
  drain_backlog(self, true);
  st.closing = true;
  if (st.tls) {
    st.tls->close();
    st.wire_out.clear();
    st.tls->take_output(st.wire_out);
    if (!st.wire_out.empty()) {
      self->write(st.hdl, st.wire_out.size(), st.wire_out.data());
      self->flush(st.hdl);
    }
  }
  release(self);
  self->close(st.hdl);
  self->quit();
}

void reject_and_close(conn_broker* self, proto::reject_code code,
                      const std::string& reason) {
  send_msg(self, proto::message{0, proto::reject{code, reason}});
  close_conn(self, "REJECT " + std::to_string(static_cast<int>(code)) + ": "
                     + reason);
}

/// Charges `v` to the peer's address (docs/PROTOCOL.md, "Violations and bans")
/// and counts it on the connection.
void report(conn_broker* self, security::violation v) {
  auto& st = self->state;
  st.stats->violations.fetch_add(1, std::memory_order_relaxed);
  if (st.params.limiter)
    self->send(st.params.limiter, violation_atom::value, st.entry.host,
               static_cast<uint8_t>(v), st.entry.node_id);
}

/// A protocol violation (docs/PROTOCOL.md, "Violations and bans"): charged,
/// logged, the connection closed.
void violation(conn_broker* self, security::violation v,
               const std::string& what) {
  auto& st = self->state;
  report(self, v);
  if (!st.closing)
    st.why = close_reason::violation;
  log(self).info("{}: protocol violation ({}): {}", st.peer_label,
                 security::to_string(v), what);
  if (!st.connected)
    reject_and_close(self, proto::reject_code::protocol_violation, what);
  else
    close_conn(self, "protocol violation: " + what);
}

security::local_info local_info_now(const node_context& ctx) {
  auto local = ctx.local;
  auto tip = ctx.tip();
  local.best_height = tip.height;
  local.best_hash = tip.hash;
  // A node that fast-synced while running has no blocks below its snapshot
  // any more: it stops offering full history at once, not at its restart.
  if (tip.base_height > 0)
    local.services &= ~uint32_t{proto::service_full_history};
  return local;
}

void begin_handshake(conn_broker* self) {
  auto& st = self->state;
  proto::hash256 binding{};
  std::optional<proto::hash256> peer_key;
  if (st.tls) {
    if (auto b = st.tls->exporter_binding())
      binding = *b;
    peer_key = st.tls->peer_public_key();
  }
  auto ctx = st.ctx;
  auto ip = st.ip;
  auto admit =
    [ctx, ip](const proto::hello& hello) -> std::optional<security::refusal> {
    auto now = unix_now();
    if (ctx->bans->node_banned(proto::to_hex(hello.node_id), now)
        || (ip && ctx->bans->address_banned(*ip, now)))
      return security::refusal{proto::reject_code::banned, "banned", false};
    return std::nullopt;
  };
  st.hs.emplace(st.ctx->key, local_info_now(*st.ctx), st.params.role, binding,
                peer_key, std::move(admit));
  send_msg(self, st.hs->make_hello(unix_now()));
}

void schedule_ping(conn_broker* self) {
  send_later(self, ping_interval, ping_tick_atom::value);
}

void on_connected(conn_broker* self) {
  auto& st = self->state;
  st.connected = true;
  st.decoder.set_max_payload(proto::max_frame_bytes);
  st.decoder.set_type_limits(true);
  const auto& hello = *st.hs->peer_hello();
  auto& e = st.entry;
  e.node_id = proto::to_hex(hello.node_id);
  e.node_id_raw.assign(hello.node_id.begin(), hello.node_id.end());
  e.listen_port = hello.listen_port;
  e.services = hello.services;
  e.inbound = st.params.role == security::conn_role::acceptor;
  e.connected_since = unix_now();
  st.stats->best_height.store(hello.best_height, std::memory_order_relaxed);
  st.reported_height = hello.best_height;
  st.peer_label = e.node_id.substr(0, 16) + "@" + e.host + ":"
                  + std::to_string(e.remote_port);
  conn_record rec;
  rec.entry = e;
  rec.stats = st.stats;
  rec.target = st.params.target;
  rec.user_agent = hello.user_agent;
  rec.dialer_id = e.inbound ? e.node_id : st.ctx->node_id_hex;
  rec.type = st.params.type;
  self
    ->request(st.params.registry, caf::infinite, register_atom::value,
              std::move(rec))
    .then(
      [=](uint16_t code) {
        if (code != 0) {
          reject_and_close(self, static_cast<proto::reject_code>(code),
                           code == 3 ? "duplicate connection"
                                     : "connection refused");
          return;
        }
        auto& st = self->state;
        log(self).info("connected to {} ({})", st.peer_label,
                       st.entry.inbound ? "inbound" : "outbound");
        if (st.params.sync)
          self->send(st.params.sync, sync_peer_atom::value, st.entry.node_id,
                     st.entry.host, st.entry.services, st.reported_height);
        schedule_ping(self);
        after_register(self);
      },
      [=](caf::error&) { close_conn(self, "registry gone"); });
}

void on_ping_tick(conn_broker* self) {
  auto& st = self->state;
  if (st.closing)
    return;
  auto now = self->clock().now();
  // Self-announcement again on long-lived connections.
  if (st.params.discovery && now >= st.next_self_announce)
    announce_self(self);
  // The budget follows the number of connected masternodes.
  st.guard->set_masternodes(
    st.ctx->table->read([](const peer_snapshot& s) { return s.masternodes; }),
    now);
  if (st.ping_sent) {
    if (now - *st.ping_sent >= ping_timeout) {
      st.why = close_reason::ping_timeout;
      close_conn(self, "no PONG for 90 s");
      return;
    }
  } else {
    randombytes_buf(&st.ping_nonce, sizeof(st.ping_nonce));
    st.ping_sent = now;
    send_msg(self, proto::message{0, proto::ping{st.ping_nonce,
                                                 st.ctx->tip().height}});
  }
  schedule_ping(self);
}

/// What a connection does once registered (docs/PROTOCOL.md, "Addresses and
/// discovery"): a feeler has done its work and leaves; an outbound
/// connection asks for addresses; a node that knows its address announces
/// it.
void after_register(conn_broker* self) {
  auto& st = self->state;
  if (st.params.type == conn_type::feeler) {
    close_conn(self, "feeler done");
    return;
  }
  if (!st.params.discovery)
    return;
  announce_self(self);
  if (!st.entry.inbound) {
    st.getaddr_id = st.next_request_id++;
    send_msg(self, proto::message{st.getaddr_id, proto::get_peers{}});
    if (st.params.masternodes && st.params.type != conn_type::seed) {
      // A new node learns the masternode list at once.
      st.getmn_id = st.next_request_id++;
      st.answers_until = self->clock().now() + 2 * request_timeout;
      send_msg(self, proto::message{st.getmn_id, proto::get_masternodes{}});
    }
  }
}

/// Sends this node's own address, if it knows it, as an unsolicited PEERS
/// (docs/PROTOCOL.md, "Addresses and discovery"); again in 24 hours.
void announce_self(conn_broker* self) {
  auto& st = self->state;
  st.next_self_announce = self->clock().now() + self_announce_interval;
  if (auto own = self_address(*st.ctx)) {
    proto::peers me;
    me.entries.push_back(std::move(*own));
    send_msg(self, proto::message{0, std::move(me)});
  }
}

/// GET_MASTERNODES: the newest announcement of each listed masternode.
void on_get_masternodes(conn_broker* self, uint64_t id) {
  auto& st = self->state;
  // Up to 1.25 MiB: answered once per connection, as GET_PEERS.
  if (!st.params.masternodes || st.getmn_answered) {
    send_msg(self, proto::message{id, proto::masternodes{}});
    return;
  }
  st.getmn_answered = true;
  self
    ->request(st.params.masternodes, std::chrono::seconds{5}, getmn_atom::value)
    .then(
      [=](proto::masternodes& answer) {
        send_msg(self, proto::message{id, std::move(answer)});
      },
      [=](caf::error&) {
        send_msg(self, proto::message{id, proto::masternodes{}});
      });
}

/// GET_PEERS: the first of a connection is answered from the address book,
/// later ones with an empty PEERS.
void on_get_peers(conn_broker* self, uint64_t id) {
  auto& st = self->state;
  if (!st.params.discovery) {
    send_msg(self, proto::message{id, known_peers(*st.ctx, st.entry.node_id)});
    return;
  }
  if (st.getaddr_answered) {
    send_msg(self, proto::message{id, proto::peers{}});
    return;
  }
  st.getaddr_answered = true;
  self
    ->request(st.params.discovery, std::chrono::seconds{5}, getaddr_atom::value,
              st.entry.host, st.entry.node_id)
    .then(
      [=](proto::peers& answer) {
        send_msg(self, proto::message{id, std::move(answer)});
      },
      [=](caf::error&) {
        send_msg(self, proto::message{id, proto::peers{}});
      });
}

/// PEERS: to the discovery actor; the answer to our GET_PEERS is solicited.
/// A seed connection has done its work once it answered.
void on_peers(conn_broker* self, proto::message& msg) {
  auto& st = self->state;
  if (!st.params.discovery)
    return;
  auto& in = std::get<proto::peers>(msg.content);
  bool solicited = msg.id != 0 && msg.id == st.getaddr_id;
  bool relayable = false;
  if (solicited) {
    st.getaddr_id = 0;
  } else {
    // Beyond the allowance, addresses are dropped here: a flood never
    // queues in the discovery actor (docs/PROTOCOL.md, "Addresses and
    // discovery").
    relayable = in.entries.size() <= relay_max_addresses;
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    self->clock().now().time_since_epoch())
                    .count();
    in.entries.resize(st.addr_allowance.take(in.entries.size(), now_ms));
    if (in.entries.empty())
      return;
  }
  self->send(st.params.discovery, peer_addrs_atom::value, st.entry.host,
             st.entry.node_id, relayable, std::move(in));
  if (solicited && st.params.type == conn_type::seed)
    close_conn(self, "seed asked");
}

proto::peers known_peers(const node_context& ctx, const std::string& asker) {
  proto::peers out;
  auto now = unix_now();
  ctx.table->read([&](const peer_snapshot& s) {
    for (const auto& kv : s.by_id) {
      const auto& e = kv.second;
      if (e.listen_port == 0 || kv.first == asker)
        continue;
      if (out.entries.size() >= proto::max_peers_entries)
        break;
      out.entries.push_back(proto::peer_address{
        e.host, e.listen_port, e.node_id_raw, e.services, now});
    }
    return 0;
  });
  return out;
}

/// The peer announced `height` (PING, PONG, TIP): shown by getpeerinfo and
/// told to the sync coordinator when it changed.
void peer_height(conn_broker* self, uint64_t height) {
  auto& st = self->state;
  st.stats->best_height.store(height, std::memory_order_relaxed);
  if (height == st.reported_height)
    return;
  st.reported_height = height;
  if (st.params.sync)
    self->send(st.params.sync, peer_height_atom::value, st.entry.node_id,
               height);
}

/// A chain request: answered by the chain reader, off this thread.
void serve_request(conn_broker* self, proto::message msg) {
  auto& st = self->state;
  if (!st.params.chain) {
    send_msg(self, proto::message{msg.id, proto::not_found{"not served"}});
    return;
  }
  if (st.serving >= max_serving_per_peer || st.congested || !st.backlog.empty()
      || queued_bytes(self) >= serve_below_queued_bytes) {
    send_msg(self, proto::message{msg.id, proto::not_found{"busy"}});
    return;
  }
  ++st.serving;
  auto id = msg.id;
  self
    ->request(st.params.chain, caf::infinite, serve_atom::value, std::move(msg))
    .then(
      [=](proto::message& answer) {
        --self->state.serving;
        send_msg(self, answer);
      },
      [=](caf::error&) {
        --self->state.serving;
        send_msg(self, proto::message{id, proto::not_found{"not served"}});
      });
}

/// Types that answer a request (docs/PROTOCOL.md, "Peer messages", "Chain
/// requests").
bool is_response(proto::msg_type t) {
  switch (t) {
    case proto::msg_type::peers:
    case proto::msg_type::masternodes:
    case proto::msg_type::tip:
    case proto::msg_type::blocks:
    case proto::msg_type::hashes:
    case proto::msg_type::utxo_chunk:
    case proto::msg_type::not_found:
    case proto::msg_type::headers:
    case proto::msg_type::pong: return true;
    default: return false;
  }
}

/// The verifier queue is full for this connection or for the node.
bool verify_share_full(const conn_state& st) {
  const auto& q = *st.ctx->verify;
  return st.stats->verify_queued.load(std::memory_order_relaxed)
           >= verify_queue::max_count_per_peer
         || st.stats->verify_queued_bytes.load(std::memory_order_relaxed)
              >= verify_queue::max_bytes_per_peer
         || q.count.load(std::memory_order_relaxed) >= verify_queue::max_count
         || q.bytes.load(std::memory_order_relaxed) >= verify_queue::max_bytes;
}

/// Hands the envelopes collected from the last read to the verifiers, as
/// one CAF message: per frame, the mailbox and dispatch cost more than
/// decoding a small envelope (docs/BENCHMARKS.md).
void flush_verify(conn_broker* self) {
  auto& st = self->state;
  if (st.verify_batch.empty())
    return;
  gossip_batch batch;
  batch.reserve(st.verify_batch.size());
  batch.swap(st.verify_batch);
  self->send(st.params.verifiers, verify_atom::value, std::move(batch));
}

/// A GOSSIP envelope: its size for its kind, then whether it is an exact
/// replay of a message already accepted (a hash, no signature work), then
/// on to the verifiers, charged to this connection's share of their queue.
void on_gossip(conn_broker* self, proto::gossip& g) {
  auto& st = self->state;
  if (g.payload.size() > max_gossip_payload(g.kind)) {
    violation(self, security::violation::malformed_frame,
              "gossip of kind " + std::to_string(g.kind) + " with "
                + std::to_string(g.payload.size()) + " bytes, over "
                + std::to_string(max_gossip_payload(g.kind)));
    return;
  }
  auto id = security::message_id(g);
  if (st.ctx->seen && st.ctx->seen->contains(id)) {
    st.stats->gossip_duplicates.fetch_add(1, std::memory_order_relaxed);
    st.ctx->counters->gossip_duplicates.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!st.params.verifiers)
    return;
  auto size = static_cast<int64_t>(g.payload.size());
  st.stats->verify_queued.fetch_add(1, std::memory_order_relaxed);
  st.stats->verify_queued_bytes.fetch_add(size, std::memory_order_relaxed);
  st.ctx->verify->count.fetch_add(1, std::memory_order_relaxed);
  st.ctx->verify->bytes.fetch_add(size, std::memory_order_relaxed);
  if (!st.gossip_from)
    st.gossip_from = std::make_shared<const gossip_source>(
      gossip_source{st.entry.node_id, st.entry.host, st.stats});
  st.verify_batch.push_back(gossip_in{
    std::make_shared<const proto::gossip>(std::move(g)), st.gossip_from, id});
  if (st.verify_batch.size() >= max_verify_batch)
    flush_verify(self);
}

/// A message from a connected peer.
void dispatch(conn_broker* self, proto::message& msg) {
  auto& st = self->state;
  // A response to one of our requests. Only answer types: the peer numbers
  // its own requests independently, so a request of theirs may carry the id
  // of one of ours.
  if (msg.id != 0 && is_response(msg.type())) {
    auto i = st.pending.find(msg.id);
    if (i != st.pending.end()) {
      i->second.deliver(std::move(msg));
      st.pending.erase(i);
      return;
    }
  }
  switch (msg.type()) {
    case proto::msg_type::ping: {
      auto& p = std::get<proto::ping>(msg.content);
      peer_height(self, p.best_height);
      send_msg(self,
               proto::message{0, proto::pong{p.nonce, st.ctx->tip().height}});
      break;
    }
    case proto::msg_type::pong: {
      auto& p = std::get<proto::pong>(msg.content);
      peer_height(self, p.best_height);
      if (st.ping_sent && p.nonce == st.ping_nonce) {
        auto rtt = self->clock().now() - *st.ping_sent;
        st.stats->ping_rtt_us.store(
          std::chrono::duration_cast<std::chrono::microseconds>(rtt).count(),
          std::memory_order_relaxed);
        st.ping_sent.reset();
      }
      break;
    }
    case proto::msg_type::get_peers: on_get_peers(self, msg.id); break;
    case proto::msg_type::peers: on_peers(self, msg); break;
    case proto::msg_type::get_masternodes:
      on_get_masternodes(self, msg.id);
      break;
    case proto::msg_type::masternodes:
      // Only the answer to our GET_MASTERNODES; unsolicited ones are
      // ignored.
      if (msg.id != 0 && msg.id == st.getmn_id && st.params.masternodes) {
        st.getmn_id = 0;
        self->send(st.params.masternodes, mn_in_atom::value,
                   std::move(std::get<proto::masternodes>(msg.content)),
                   st.entry.node_id);
      }
      break;
    case proto::msg_type::get_tip: {
      auto tip = st.ctx->tip();
      send_msg(self, proto::message{msg.id, proto::tip{tip.height, tip.hash,
                                                       tip.utxo_root}});
      break;
    }
    case proto::msg_type::bye:
      st.why = close_reason::peer_bye;
      close_conn(self,
                 "peer said BYE: "
                   + printable(std::get<proto::bye>(msg.content).reason, 128));
      break;
    case proto::msg_type::reject:
      st.why = close_reason::peer_reject;
      close_conn(
        self, "peer sent REJECT: "
                + printable(std::get<proto::reject>(msg.content).reason, 128));
      break;
    case proto::msg_type::hello:
    case proto::msg_type::hello_auth:
      violation(self, security::violation::protocol,
                "handshake message after the handshake");
      break;
    case proto::msg_type::gossip:
      on_gossip(self, std::get<proto::gossip>(msg.content));
      break;
    case proto::msg_type::tip:
      // An unsolicited TIP (no request of ours waits for it): the peer
      // announces its new tip.
      peer_height(self, std::get<proto::tip>(msg.content).height);
      break;
    case proto::msg_type::get_blocks:
    case proto::msg_type::get_hashes:
    case proto::msg_type::get_utxo_chunk:
    case proto::msg_type::get_headers:
      if (msg.id != 0)
        serve_request(self, std::move(msg));
      break;
    default:
      // Answers nobody waits for (late, after a timeout) and messages this
      // node does not act on yet are ignored.
      break;
  }
}

void handle_payload(conn_broker* self, const proto::bytes& payload) {
  auto& st = self->state;
  auto msg = proto::decode(payload);
  if (!msg) {
    const auto& err = msg.error();
    if (err.code == proto::decode_errc::unknown_type && st.connected) {
      st.stats->unknown_messages.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    violation(self, security::violation::malformed_frame,
              std::string{"malformed message: "} + err.detail);
    return;
  }
  st.stats->messages_received.fetch_add(1, std::memory_order_relaxed);
  if (st.connected) {
    dispatch(self, *msg);
    return;
  }
  if (!st.hs) {
    violation(self, security::violation::message_before_handshake,
              "message before HELLO was possible");
    return;
  }
  auto step = st.hs->on_message(*msg, unix_now());
  if (step.warning)
    log(self).warn("{}: {}", st.peer_label, *step.warning);
  for (auto& m : step.send)
    send_msg(self, m);
  if (step.failure) {
    if (step.failure->violation)
      st.why = close_reason::violation;
    log(self).info("{}: handshake failed: {}", st.peer_label,
                   step.failure->reason);
    if (step.failure->violation) {
      auto type = msg->type();
      report(self,
             type == proto::msg_type::hello_auth
               ? security::violation::bad_signature
             : type == proto::msg_type::hello || type == proto::msg_type::reject
               ? security::violation::protocol
               : security::violation::message_before_handshake);
    }
    close_conn(self, step.failure->reason);
    return;
  }
  if (step.connected)
    on_connected(self);
}

/// While the connection's share of the verifier queue, or the node's, is
/// full, its GOSSIP frames are dropped undecoded (counted, not charged):
/// gossip is best effort and other peers relay it, and the verifiers cannot
/// take more anyway. Other messages (PING, chain answers) still pass.
///
/// Not a pause of the socket: CAF 0.17 loses a `trigger` (resume reading)
/// that meets a pending `halt` of the same socket in one multiplexer turn,
/// and a connection then is never read again (seen in the throughput
/// benchmark); a paused socket would also hold back the peer's PONGs and
/// chain answers.
/// Called for frames within the rate limits only: shed frames are charged.
bool shed_gossip(conn_state& st, const proto::bytes& payload) {
  if (!st.connected)
    return false;
  auto type = proto::peek_type(payload.data(), payload.size());
  if (!type || *type != static_cast<uint16_t>(proto::msg_type::gossip)
      || !verify_share_full(st))
    return false;
  st.stats->messages_received.fetch_add(1, std::memory_order_relaxed);
  st.stats->verify_shed.fetch_add(1, std::memory_order_relaxed);
  st.ctx->counters->gossip_shed.fetch_add(1, std::memory_order_relaxed);
  return true;
}

/// Bytes of `payload` charged to the byte budget: none for an answer while
/// requests of ours are outstanding (we asked for it).
size_t charged_bytes(const conn_state& st, const proto::bytes& payload) {
  if (!st.pending.empty()) {
    auto head = proto::peek_type_and_id(payload.data(), payload.size());
    if (head && head->second != 0
        && is_response(static_cast<proto::msg_type>(head->first))
        && st.pending.count(head->second) > 0)
      return 0;
  }
  return payload.size();
}

void on_plaintext(conn_broker* self, const uint8_t* data, size_t size) {
  auto& st = self->state;
  if (size > 0)
    st.decoder.feed(data, size);
  // One reading of the clock for the frames of one read.
  const auto now = self->clock().now();
  while (!st.closing) {
    st.decoder.set_awaiting_answers(!st.pending.empty()
                                    || now < st.answers_until);
    switch (st.decoder.next(st.payload)) {
      case proto::frame_status::frame:
        // Charged before decoding: a flood costs us no MessagePack work.
        switch (st.guard->charge(now, charged_bytes(st, st.payload))) {
          case conn_guard::verdict::pass:
            if (!shed_gossip(st, st.payload))
              handle_payload(self, st.payload);
            break;
          case conn_guard::verdict::drop:
            st.stats->rate_limited.fetch_add(1, std::memory_order_relaxed);
            if (st.guard->last_over_bytes()) {
              st.stats->bytes_limited.fetch_add(1, std::memory_order_relaxed);
              st.ctx->counters->frames_byte_limited.fetch_add(
                1, std::memory_order_relaxed);
            } else {
              st.ctx->counters->frames_rate_limited.fetch_add(
                1, std::memory_order_relaxed);
            }
            break;
          case conn_guard::verdict::flood:
            st.stats->rate_limited.fetch_add(1, std::memory_order_relaxed);
            violation(self, security::violation::flood,
                      "over its rate limit for too long");
            break;
        }
        continue;
      case proto::frame_status::need_more: return;
      case proto::frame_status::frame_too_large:
        violation(self, security::violation::oversized_frame,
                  "frame length over "
                    + std::to_string(st.decoder.max_payload()));
        return;
      case proto::frame_status::type_too_large:
        violation(self, security::violation::oversized_frame,
                  "frame over the limit of its message type ("
                    + std::to_string(st.decoder.refused_limit()) + " bytes)");
        return;
      case proto::frame_status::empty_frame:
        violation(self, security::violation::malformed_frame, "empty frame");
        return;
    }
  }
}

/// Gives back the memory of a large frame once it has been handled.
void shrink_buffers(conn_state& st) {
  st.decoder.shrink(keep_buffer_bytes);
  if (st.payload.capacity() > keep_buffer_bytes)
    proto::bytes{}.swap(st.payload);
  if (st.plain_in.capacity() > keep_buffer_bytes)
    proto::bytes{}.swap(st.plain_in);
  if (st.plain_out.empty() && st.plain_out.capacity() > keep_buffer_bytes)
    proto::bytes{}.swap(st.plain_out);
  if (st.wire_out.empty() && st.wire_out.capacity() > keep_buffer_bytes)
    proto::bytes{}.swap(st.wire_out);
}

/// Adapts the read size to the traffic: bulk after a read that filled the
/// buffer, idle again after many small reads. Going idle also gives the
/// bulk buffer back: CAF reuses `msg.buf` for the next read.
void adapt_reads(conn_broker* self, caf::io::new_data_msg& msg) {
  auto& st = self->state;
  const auto n = msg.buf.size();
  if (st.read_size == idle_read_bytes) {
    if (n >= idle_read_bytes) {
      st.read_size = bulk_read_bytes;
      st.small_reads = 0;
      self->configure_read(st.hdl,
                           caf::io::receive_policy::at_most(bulk_read_bytes));
    }
    return;
  }
  if (n >= idle_read_bytes) {
    st.small_reads = 0;
    return;
  }
  if (++st.small_reads < small_reads_to_idle)
    return;
  st.read_size = idle_read_bytes;
  self->configure_read(st.hdl,
                       caf::io::receive_policy::at_most(idle_read_bytes));
  std::vector<char>{}.swap(msg.buf);
}

void on_data(conn_broker* self, caf::io::new_data_msg& msg) {
  auto& st = self->state;
  if (st.closing)
    return;
  st.got_bytes = true;
  st.stats->bytes_received.fetch_add(msg.buf.size(), std::memory_order_relaxed);
  auto data = reinterpret_cast<const uint8_t*>(msg.buf.data());
  if (!st.tls) {
    on_plaintext(self, data, msg.buf.size());
  } else {
    st.plain_in.clear();
    auto was_established = st.tls->established();
    auto status = st.tls->receive(data, msg.buf.size(), st.plain_in);
    if (status == security::tls_status::failed) {
      log(self).info("{}: TLS failure: {}", st.peer_label,
                     st.tls->last_error());
      flush_now(self); // the TLS alert
      st.why = close_reason::tls_failure;
      close_conn(self, "TLS failure");
      return;
    }
    if (!was_established && st.tls->established())
      begin_handshake(self);
    if (!st.plain_in.empty())
      on_plaintext(self, st.plain_in.data(), st.plain_in.size());
    if (status == security::tls_status::closed) {
      st.why = close_reason::peer_closed;
      close_conn(self, "TLS close_notify");
      return;
    }
  }
  if (!st.closing) {
    flush_now(self);
    shrink_buffers(st);
  }
}

caf::behavior peer_connection(conn_broker* self, caf::io::connection_handle hdl,
                              context_ptr ctx, conn_params params) {
  auto& st = self->state;
  st.hdl = hdl;
  st.ctx = std::move(ctx);
  st.params = std::move(params);
  st.entry.host = self->remote_addr(hdl);
  st.entry.remote_port = self->remote_port(hdl);
  st.peer_label = st.entry.host + ":" + std::to_string(st.entry.remote_port);
  st.ip = security::ip_address::parse(st.entry.host);
  st.guard.emplace(*st.ctx, st.ip);
  self->configure_read(hdl, caf::io::receive_policy::at_most(idle_read_bytes));
  // Reports of bytes written drain the backlog (see write_high_water_bytes).
  self->ack_writes(hdl, true);
  send_later(self, handshake_timeout, hs_timeout_atom::value);
  if (st.params.role == security::conn_role::acceptor)
    send_later(self, first_bytes_timeout, first_bytes_atom::value);
  if (st.ctx->tls) {
    st.tls = std::make_unique<security::tls_session>(
      st.ctx->tls, st.params.role == security::conn_role::dialer
                     ? security::tls_role::client
                     : security::tls_role::server);
    st.tls->start();
    flush_now(self);
  } else {
    begin_handshake(self);
    flush_now(self);
  }
  // A connection whose registry is gone (the node stopped while it was
  // being set up) closes at once: nothing else would ever close it.
  if (st.params.registry)
    self->monitor(st.params.registry);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.params.registry.address() && !st.closing)
      close_conn(self, "the node stopped");
  });
  return {
    [=](caf::io::new_data_msg& msg) {
      on_data(self, msg);
      flush_verify(self);
      if (!self->state.closing)
        adapt_reads(self, msg);
    },
    [=](flush_atom) {
      self->state.flush_scheduled = false;
      if (!self->state.closing)
        flush_now(self);
    },
    [=](hs_timeout_atom) {
      auto& st = self->state;
      if (st.connected || st.closing)
        return;
      // A peer that dialled us and then stalls holds a slot: a violation.
      if (st.params.role == security::conn_role::acceptor)
        report(self, security::violation::handshake_timeout);
      st.why = close_reason::handshake_timeout;
      close_conn(self, "handshake not complete after 10 s");
    },
    [=](first_bytes_atom) {
      auto& st = self->state;
      if (st.got_bytes || st.connected || st.closing)
        return;
      st.why = close_reason::no_first_bytes;
      close_conn(self, "nothing received within 2 s of accept");
    },
    [=](ping_tick_atom) { on_ping_tick(self); },
    [=](send_atom, const shared_message& msg) {
      if (self->state.connected)
        send_msg(self, *msg, msg);
    },
    [=](send_atom, proto::message& msg) {
      if (self->state.connected)
        send_msg(self, msg);
    },
    [=](bye_atom, const std::string& reason) {
      if (self->state.connected)
        send_msg(self, proto::message{0, proto::bye{reason}});
      close_conn(self, "BYE: " + reason);
    },
    [=](violation_atom, uint8_t v, const std::string& what) {
      // Found by the sync coordinator (an invalid block, header, snapshot).
      if (!self->state.closing)
        violation(self, static_cast<security::violation>(v), what);
    },
    [=](reject_atom, uint16_t code, const std::string& reason) {
      reject_and_close(self, static_cast<proto::reject_code>(code), reason);
    },
    [=](request_atom, proto::message& msg) -> caf::result<proto::message> {
      auto& st = self->state;
      if (!st.connected || st.closing)
        return caf::make_error(caf::sec::request_receiver_down);
      msg.id = st.next_request_id++;
      st.answers_until = self->clock().now() + 2 * request_timeout;
      auto rp = self->make_response_promise<proto::message>();
      st.pending.emplace(msg.id, rp);
      send_later(self, request_timeout, req_timeout_atom::value, msg.id);
      send_msg(self, msg);
      return rp;
    },
    [=](req_timeout_atom, uint64_t id) {
      auto& st = self->state;
      auto i = st.pending.find(id);
      if (i != st.pending.end()) {
        i->second.deliver(caf::make_error(caf::sec::request_timeout));
        st.pending.erase(i);
      }
    },
    [=](const caf::io::connection_closed_msg&) {
      auto& st = self->state;
      if (!st.closing) {
        log(self).debug("{}: connection closed by peer", st.peer_label);
        count_close(st, close_reason::peer_closed);
        st.closing = true;
        release(self);
        self->quit();
      }
    },
    [=](const caf::io::data_transferred_msg&) {
      // The socket took some of its buffer: encode what waits, if it may.
      auto& st = self->state;
      if (st.closing)
        return;
      st.congested = self->wr_buf(st.hdl).size() >= write_high_water_bytes;
      if (!st.congested && !st.backlog.empty())
        drain_backlog(self, false);
    },
  };
}

} // namespace

caf::actor fork_inbound(caf::io::broker* parent, caf::io::connection_handle hdl,
                        context_ptr ctx, conn_params params) {
  return parent->fork(peer_connection, hdl, std::move(ctx), std::move(params));
}

caf::actor spawn_on_socket(caf::actor_system& sys, int fd, context_ptr ctx,
                           conn_params params) {
  return sys.middleman().spawn_broker(
    [=](conn_broker* self) mutable -> caf::behavior {
      auto hdl = self->add_scribe(fd);
      return peer_connection(self, hdl, std::move(ctx), std::move(params));
    });
}

caf::expected<caf::actor> spawn_via_backend(caf::actor_system& sys,
                                            const std::string& host,
                                            uint16_t port, context_ptr ctx,
                                            conn_params params) {
  return sys.middleman().spawn_client(peer_connection, host, port,
                                      std::move(ctx), std::move(params));
}

} // namespace timecoin
