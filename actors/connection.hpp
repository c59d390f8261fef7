#pragma once

// The connection actor above a `peer_session`, for any transport: it
// registers the peer, hands gossip to the verifiers, serves chain requests,
// answers address and masternode requests, and turns requests of other
// actors into the session's request ids. A transport (the socket broker in
// socket_transport.cpp, the simulated link in sim_transport.cpp) supplies
// `transport<Self>` and the handlers for its own messages (internal header,
// included only by transports).

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/all.hpp>
#include <caf/io/connection_handle.hpp>

#include "actors/atoms.hpp"
#include "actors/chain_actor.hpp"
#include "actors/conn_guard.hpp"
#include "actors/discovery.hpp"
#include "actors/gossip.hpp"
#include "actors/node.hpp"
#include "actors/node_clock.hpp"
#include "actors/peer_connection.hpp"
#include "actors/send_later.hpp"
#include "actors/session.hpp"
#include "actors/sync_coordinator.hpp"
#include "security/envelope.hpp"

namespace timecoin::conn {

using first_bytes_atom = caf::atom_constant<caf::atom("fbytes")>;

/// Envelopes handed to the verifiers in one message at most: a 64 KiB read
/// of small envelopes makes a few batches, spread over the verifiers.
constexpr size_t max_verify_batch = 64;
/// A chain request is served only while less than this waits to be sent to
/// the peer (else NOT_FOUND "busy").
constexpr size_t serve_below_queued_bytes = 4 * 1024 * 1024;

/// What a transport does for the connection above it; specialized by each.
///   static void write(Self*, const uint8_t*, size_t);
///   static size_t flush(Self*);  // the bytes it still holds, unsent
///   static void close(Self*);    // closes the transport once the bytes
///                                // written went out; the actor quits then
template <class Self>
struct transport;

/// The state of a connection actor, whatever its transport.
struct conn_state {
  static inline const char* name = "peer_connection";

  context_ptr ctx;
  conn_params params;
  std::unique_ptr<session_events> events;
  std::unique_ptr<peer_session> session;
  std::shared_ptr<conn_stats> stats = std::make_shared<conn_stats>();
  std::optional<security::ip_address> ip;
  std::optional<conn_guard> guard;
  peer_entry entry;
  /// Why the connection closed was counted in the metrics.
  bool close_counted = false;
  /// The session ended; the actor quits.
  bool done = false;
  /// Our requests for other actors, by the session's request id.
  std::unordered_map<uint64_t, caf::response_promise> promises;
  /// The id of our GET_PEERS; 0 once answered (or never sent).
  uint64_t getaddr_id = 0;
  /// The peer's first GET_PEERS was answered; later ones get an empty PEERS.
  bool getaddr_answered = false;
  /// Unsolicited addresses this peer may still send.
  address_allowance addr_allowance;
  /// When this node announces its address on this connection again.
  caf::actor_clock::time_point next_self_announce{};
  /// The id of our GET_MASTERNODES; 0 once answered (or never sent).
  uint64_t getmn_id = 0;
  /// The peer's first GET_MASTERNODES was answered; later ones get an
  /// empty MASTERNODES.
  bool getmn_answered = false;
  /// Chain requests sent to the chain reader and not answered yet.
  uint32_t serving = 0;
  /// The peer's height as last told to the sync coordinator.
  uint64_t reported_height = 0;
  std::string peer_label; // for logs: "ip:port" (node id once known)
  /// Envelopes for the verifiers, sent together once the read that
  /// carried them is handled (see `flush_verify`).
  gossip_batch verify_batch;
  /// This connection as the source of its gossip (made once connected).
  std::shared_ptr<const gossip_source> gossip_from;
  /// Transport: the socket of a broker.
  caf::io::connection_handle hdl;
  /// Transport: the simulated link and its network.
  uint64_t link = 0;
  caf::actor network;
};

template <class Self>
spdlog::logger& log(Self* self) {
  return *self->state.ctx->log;
}

/// The node's monotonic time (virtual in a simulation).
template <class Self>
caf::actor_clock::time_point now_of(Self* self) {
  return self->state.ctx->clock->now();
}

/// Counts the connection's close in the metrics, once, as `r`.
inline void count_close(conn_state& st, close_reason r) {
  if (st.close_counted)
    return;
  st.close_counted = true;
  st.ctx->counters->closed[static_cast<size_t>(r)].fetch_add(
    1, std::memory_order_relaxed);
}

/// Queues `msg` and arranges the flush of what one handler queued: frames
/// queued in one handler leave together.
template <class Self>
void send_msg(Self* self, const proto::message& msg,
              const shared_message& shared = nullptr) {
  auto& st = self->state;
  if (st.session->send(msg, shared))
    // Anonymous: a message from self to self still queued when the actor
    // quits would keep the actor alive forever (a reference cycle through
    // its own mailbox).
    caf::anon_send(caf::actor_cast<caf::actor>(self), flush_atom::value);
}

/// What a connection gives back as it ends: its pending requests fail, and
/// the monitor on the registry goes (CAF keeps a monitor's record in the
/// monitored actor until it is removed: one per connection ever made).
template <class Self>
void release(Self* self) {
  auto& st = self->state;
  // Its traffic stays in the node's totals.
  auto& c = *st.ctx->counters;
  auto& s = *st.stats;
  c.closed_bytes_in.fetch_add(s.bytes_received.load(),
                              std::memory_order_relaxed);
  c.closed_bytes_out.fetch_add(s.bytes_sent.load(), std::memory_order_relaxed);
  c.closed_messages_in.fetch_add(s.messages_received.load(),
                                 std::memory_order_relaxed);
  c.closed_messages_out.fetch_add(s.messages_sent.load(),
                                  std::memory_order_relaxed);
  for (auto& kv : st.promises)
    kv.second.deliver(caf::make_error(caf::sec::request_receiver_down));
  st.promises.clear();
  if (st.params.registry)
    self->demonitor(st.params.registry);
}

/// The transport is gone: the connection ends without a word.
template <class Self>
void transport_lost(Self* self) {
  auto& st = self->state;
  if (st.done)
    return;
  log(self).debug("{}: connection closed by peer", st.peer_label);
  st.done = true;
  st.session->abort();
  count_close(st, close_reason::peer_closed);
  release(self);
  self->quit();
}

security::local_info local_info_now(const node_context& ctx);
proto::peers known_peers(const node_context& ctx, const std::string& asker);
/// The verifier queue is full for this connection or for the node.
bool verify_share_full(const node_context& ctx, const conn_stats& stats);

template <class Self>
void after_register(Self* self);
template <class Self>
void on_message(Self* self, proto::message& msg);

/// The handshake is done: the peer is registered (or refused).
template <class Self>
void on_connected(Self* self, const proto::hello& hello) {
  auto& st = self->state;
  auto& e = st.entry;
  e.node_id = proto::to_hex(hello.node_id);
  e.node_id_raw.assign(hello.node_id.begin(), hello.node_id.end());
  e.listen_port = hello.listen_port;
  e.services = hello.services;
  e.inbound = st.params.role == security::conn_role::acceptor;
  e.connected_since = st.ctx->clock->unix_now();
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
        auto& st = self->state;
        if (st.done)
          return;
        if (code != 0) {
          st.session->reject_and_close(static_cast<proto::reject_code>(code),
                                       code == 3 ? "duplicate connection"
                                                 : "connection refused");
          return;
        }
        log(self).info("connected to {} ({})", st.peer_label,
                       st.entry.inbound ? "inbound" : "outbound");
        if (st.params.sync)
          self->send(st.params.sync, sync_peer_atom::value, st.entry.node_id,
                     st.entry.host, st.entry.services, st.reported_height);
        send_later(self, ping_interval, ping_tick_atom::value);
        after_register(self);
      },
      [=](caf::error&) {
        self->state.session->close(close_reason::local, "registry gone");
      });
}

/// Sends this node's own address, if it knows it, as an unsolicited PEERS
/// (docs/PROTOCOL.md, "Addresses and discovery"); again in 24 hours.
template <class Self>
void announce_self(Self* self) {
  auto& st = self->state;
  st.next_self_announce = now_of(self) + self_announce_interval;
  if (auto own = self_address(*st.ctx)) {
    proto::peers me;
    me.entries.push_back(std::move(*own));
    send_msg(self, proto::message{0, std::move(me)});
  }
}

/// What a connection does once registered (docs/PROTOCOL.md, "Addresses and
/// discovery"): a feeler has done its work and leaves; an outbound
/// connection asks for addresses; a node that knows its address announces
/// it.
template <class Self>
void after_register(Self* self) {
  auto& st = self->state;
  if (st.params.type == conn_type::feeler) {
    st.session->close(close_reason::local, "feeler done");
    return;
  }
  if (!st.params.discovery)
    return;
  announce_self(self);
  if (!st.entry.inbound) {
    st.getaddr_id = st.session->new_request_id(now_of(self));
    send_msg(self, proto::message{st.getaddr_id, proto::get_peers{}});
    if (st.params.masternodes && st.params.type != conn_type::seed) {
      // A new node learns the masternode list at once.
      st.getmn_id = st.session->new_request_id(now_of(self));
      send_msg(self, proto::message{st.getmn_id, proto::get_masternodes{}});
    }
  }
}

template <class Self>
void on_ping_tick(Self* self) {
  auto& st = self->state;
  if (st.done)
    return;
  auto now = now_of(self);
  // Self-announcement again on long-lived connections.
  if (st.params.discovery && now >= st.next_self_announce)
    announce_self(self);
  // The budget follows the number of connected masternodes.
  st.guard->set_masternodes(
    st.ctx->table->read([](const peer_snapshot& s) { return s.masternodes; }),
    now);
  st.session->ping_tick(now);
  if (!st.done)
    send_later(self, ping_interval, ping_tick_atom::value);
}

/// GET_MASTERNODES: the newest announcement of each listed masternode.
template <class Self>
void on_get_masternodes(Self* self, uint64_t id) {
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
template <class Self>
void on_get_peers(Self* self, uint64_t id) {
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
template <class Self>
void on_peers(Self* self, proto::message& msg) {
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
                    now_of(self).time_since_epoch())
                    .count();
    in.entries.resize(st.addr_allowance.take(in.entries.size(), now_ms));
    if (in.entries.empty())
      return;
  }
  self->send(st.params.discovery, peer_addrs_atom::value, st.entry.host,
             st.entry.node_id, relayable, std::move(in));
  if (solicited && st.params.type == conn_type::seed)
    st.session->close(close_reason::local, "seed asked");
}

/// The peer announced `height` (PING, PONG, TIP): shown by getpeerinfo and
/// told to the sync coordinator when it changed.
template <class Self>
void peer_height(Self* self, uint64_t height) {
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
template <class Self>
void serve_request(Self* self, proto::message msg) {
  auto& st = self->state;
  if (!st.params.chain) {
    send_msg(self, proto::message{msg.id, proto::not_found{"not served"}});
    return;
  }
  if (st.serving >= max_serving_per_peer || st.session->congested()
      || st.session->backlog_messages() > 0
      || st.session->queued_bytes() >= serve_below_queued_bytes) {
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

/// Hands the envelopes collected from the last read to the verifiers, as
/// one CAF message: per frame, the mailbox and dispatch cost more than
/// decoding a small envelope (docs/BENCHMARKS.md).
template <class Self>
void flush_verify(Self* self) {
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
template <class Self>
void on_gossip(Self* self, proto::gossip& g) {
  auto& st = self->state;
  if (g.payload.size() > max_gossip_payload(g.kind)) {
    st.session->violation(security::violation::malformed_frame,
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

/// A message from a connected peer that the session does not handle itself.
template <class Self>
void on_message(Self* self, proto::message& msg) {
  auto& st = self->state;
  switch (msg.type()) {
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

/// Rate limits for one frame: the connection's budget, and (for GOSSIP)
/// the verifiers' room.
///
/// While the connection's share of the verifier queue, or the node's, is
/// full, its GOSSIP frames are dropped undecoded (counted, not charged):
/// gossip is best effort and other peers relay it, and the verifiers cannot
/// take more anyway. Other messages (PING, chain answers) still pass.
///
/// Not a pause of the transport: CAF 0.17 loses a `trigger` (resume reading)
/// that meets a pending `halt` of the same socket in one multiplexer turn,
/// and a connection then is never read again (seen in the throughput
/// benchmark); a paused socket would also hold back the peer's PONGs and
/// chain answers.
frame_verdict admit_frame(conn_state& st, const proto::bytes& payload,
                          bool answer, caf::actor_clock::time_point now);

/// The session's events, carried out by the connection actor `Self`.
template <class Self>
class events final : public session_events {
public:
  explicit events(Self* self) : self_(self) {}

  void on_wire(const uint8_t* data, std::size_t size) override {
    transport<Self>::write(self_, data, size);
  }
  std::size_t on_wire_flush() override { return transport<Self>::flush(self_); }
  frame_verdict on_frame(const proto::bytes& payload, bool answer,
                         time_point now) override {
    return admit_frame(self_->state, payload, answer, now);
  }
  void on_connected(const proto::hello& peer) override {
    conn::on_connected(self_, peer);
  }
  void on_message(proto::message& msg) override {
    conn::on_message(self_, msg);
  }
  void on_answer(uint64_t id, proto::message& msg) override {
    auto& st = self_->state;
    auto i = st.promises.find(id);
    if (i != st.promises.end()) {
      i->second.deliver(std::move(msg));
      st.promises.erase(i);
    }
  }
  void on_height(uint64_t height) override { peer_height(self_, height); }
  void on_violation(security::violation v, const std::string& what) override {
    auto& st = self_->state;
    // Charged to the peer's address (docs/PROTOCOL.md, "Violations and
    // bans").
    if (st.params.limiter)
      self_->send(st.params.limiter, violation_atom::value, st.entry.host,
                  static_cast<uint8_t>(v), st.entry.node_id);
    log(self_).info("{}: protocol violation ({}): {}", st.peer_label,
                    security::to_string(v), what);
  }
  void on_warning(const std::string& what) override {
    log(self_).warn("{}: {}", self_->state.peer_label, what);
  }
  void on_closed(close_reason why, const std::string& reason) override {
    auto& st = self_->state;
    st.done = true;
    count_close(st, why);
    log(self_).debug("{}: closing: {}", st.peer_label, reason);
    release(self_);
    transport<Self>::close(self_);
  }

private:
  Self* self_;
};

/// Sets up the connection of `self` to the peer at `host:port` and returns
/// the handlers every transport shares; the transport adds its own.
template <class Self>
caf::message_handler connection(Self* self, const std::string& host,
                                uint16_t port, context_ptr ctx,
                                conn_params params) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.params = std::move(params);
  st.entry.host = host;
  st.entry.remote_port = port;
  st.peer_label = host + ":" + std::to_string(port);
  st.ip = security::ip_address::parse(host);
  st.guard.emplace(*st.ctx, st.ip);
  st.events = std::make_unique<events<Self>>(self);
  session_config cfg;
  cfg.role = st.params.role;
  cfg.tls = st.ctx->tls;
  cfg.key = &st.ctx->key;
  auto c = st.ctx;
  auto ip = st.ip;
  cfg.local = [c] { return local_info_now(*c); };
  cfg.admit =
    [c, ip](const proto::hello& hello) -> std::optional<security::refusal> {
    auto now = c->clock->unix_now();
    if (c->bans->node_banned(proto::to_hex(hello.node_id), now)
        || (ip && c->bans->address_banned(*ip, now)))
      return security::refusal{proto::reject_code::banned, "banned", false};
    return std::nullopt;
  };
  cfg.height = [c] { return c->tip().height; };
  cfg.unix_now = [c] { return c->clock->unix_now(); };
  st.session = std::make_unique<peer_session>(std::move(cfg), *st.events,
                                              *st.stats);
  send_later(self, handshake_timeout, hs_timeout_atom::value);
  if (st.params.role == security::conn_role::acceptor)
    send_later(self, first_bytes_timeout, first_bytes_atom::value);
  // A connection whose registry is gone (the node stopped while it was
  // being set up) closes at once: nothing else would ever close it.
  if (st.params.registry)
    self->monitor(st.params.registry);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.params.registry.address() && !st.done)
      st.session->close(close_reason::local, "the node stopped");
  });
  return {
    [=](flush_atom) { self->state.session->flush(); },
    [=](hs_timeout_atom) { self->state.session->handshake_deadline(); },
    [=](first_bytes_atom) { self->state.session->first_bytes_deadline(); },
    [=](ping_tick_atom) { on_ping_tick(self); },
    [=](send_atom, const shared_message& msg) {
      if (self->state.session->connected())
        send_msg(self, *msg, msg);
    },
    [=](send_atom, proto::message& msg) {
      if (self->state.session->connected())
        send_msg(self, msg);
    },
    [=](bye_atom, const std::string& reason) {
      auto& s = *self->state.session;
      if (s.connected())
        send_msg(self, proto::message{0, proto::bye{reason}});
      s.close(close_reason::local, "BYE: " + reason);
    },
    [=](violation_atom, uint8_t v, const std::string& what) {
      // Found by the sync coordinator (an invalid block, header, snapshot).
      self->state.session->violation(static_cast<security::violation>(v), what);
    },
    [=](reject_atom, uint16_t code, const std::string& reason) {
      self->state.session->reject_and_close(
        static_cast<proto::reject_code>(code), reason);
    },
    [=](request_atom, proto::message& msg) -> caf::result<proto::message> {
      auto& st = self->state;
      if (!st.session->connected() || st.session->closing())
        return caf::make_error(caf::sec::request_receiver_down);
      auto rp = self->template make_response_promise<proto::message>();
      auto id = st.session->request(msg, now_of(self));
      st.promises.emplace(id, rp);
      send_later(self, request_timeout, req_timeout_atom::value, id);
      send_msg(self, msg);
      return rp;
    },
    [=](req_timeout_atom, uint64_t id) {
      auto& st = self->state;
      st.session->expire(id);
      auto i = st.promises.find(id);
      if (i != st.promises.end()) {
        i->second.deliver(caf::make_error(caf::sec::request_timeout));
        st.promises.erase(i);
      }
    },
  };
}

/// Starts the session once the transport's handlers are in place.
template <class Self>
void start(Self* self) {
  self->state.session->start();
}

/// After the peer's bytes were handled: what they carried for the
/// verifiers leaves as one batch.
template <class Self>
void received(Self* self) {
  flush_verify(self);
}

} // namespace timecoin::conn
