#include "actors/sync_coordinator.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/chain_actor.hpp"
#include "actors/download_plan.hpp"
#include "actors/fast_sync.hpp"
#include "actors/fork_resolution.hpp"
#include "actors/node.hpp"
#include "actors/send_later.hpp"
#include "actors/sync_checks.hpp"
#include "chain/params.hpp"
#include "chain/store.hpp"
#include "protocol/codec.hpp"
#include "security/violations.hpp"

namespace timecoin {

namespace {

using progress_atom = caf::atom_constant<caf::atom("progress")>;

/// Produced blocks gossiped one by one up to this many; of a longer batch
/// only the last is: peers find its parent unknown and download the rest.
constexpr uint32_t max_gossiped_per_generate = 10;

/// A request to a peer fails at the coordinator after this long even if its
/// connection never answers (the connection's own timeout is 30 s).
constexpr auto sync_request_deadline = std::chrono::seconds{35};

/// What the coordinator is doing (getsyncinfo's `state`).
enum class mode : uint8_t { idle, blocks, fork, headers, snapshot };

const char* to_string(mode m) {
  switch (m) {
    case mode::idle: return "idle";
    case mode::blocks: return "blocks";
    case mode::fork: return "fork";
    case mode::headers: return "headers";
    case mode::snapshot: return "snapshot";
  }
  return "idle";
}

/// What the coordinator knows of one peer, by node id. Its heights and
/// request counts are the download plan's (`download_plan::peer`), not
/// repeated here. A record outlives its connection only to keep a mark.
struct peer_record {
  /// The peer's connection; null while it is not connected.
  caf::actor conn;
  std::string host;
  uint32_t services = 0;
  /// Served headers or a snapshot that failed its checks: never a snapshot
  /// source again, for the life of the process.
  bool bad_snapshot = false;

  bool connected() const { return static_cast<bool>(conn); }
  /// Keeps every block (services bit 2): an empty answer means it has no
  /// blocks that high, not that it has none that low.
  bool full_history() const {
    return (services & proto::service_full_history) != 0;
  }
  bool serves_snapshots() const {
    return (services & proto::service_utxo_snapshots) != 0;
  }
};

struct sync_state {
  static inline const char* name = "sync_coordinator";
  context_ptr ctx;
  std::shared_ptr<const chain::store> store;
  sync_links links;
  std::unordered_map<std::string, peer_record> peers;
  download_plan plan;
  /// The machines, made with the store's params; at most one is active, and
  /// while it is the block download waits.
  std::optional<fork_resolution> fork;
  std::optional<fast_sync> fast;
  /// A block write to the chain writer is under way.
  bool applying = false;
  /// A progress tick is scheduled.
  bool ticking = false;
  chain_tip tip;
  // progress
  uint64_t last_tick_height = 0;
  node_clock::time_point last_tick;
  uint64_t blocks_per_second = 0;
  /// Blocks refused in the download (the machines count their own).
  uint64_t rejected_blocks = 0;
};

using sync_actor = caf::stateful_actor<sync_state>;

spdlog::logger& log(sync_actor* self) {
  return *self->state.ctx->log;
}

void pump(sync_actor* self);

/// True while the block download has something to do.
bool downloading(const sync_state& st) {
  return st.plan.behind() || !st.plan.idle() || st.applying;
}

mode mode_of(const sync_state& st) {
  if (st.fork->active())
    return mode::fork;
  if (st.fast->active())
    return st.fast->current() == fast_sync::phase::headers ? mode::headers
                                                           : mode::snapshot;
  return downloading(st) ? mode::blocks : mode::idle;
}

/// The record of `id` if it is connected, else null.
const peer_record* connected(const sync_state& st, const std::string& id) {
  auto i = st.peers.find(id);
  return i != st.peers.end() && i->second.connected() ? &i->second : nullptr;
}

caf::actor conn_of(sync_actor* self, const std::string& id) {
  auto p = connected(self->state, id);
  return p ? p->conn : caf::actor{};
}

/// Charges `v` to the peer (its connection counts it, reports it to the rate
/// limiter and closes).
void charge(sync_actor* self, const std::string& id, security::violation v,
            const std::string& what) {
  if (auto conn = conn_of(self, id))
    self->send(conn, violation_atom::value, static_cast<uint8_t>(v), what);
}

/// Sends `req` to peer `id`; later `on_answer(message)` or
/// `on_error(timed_out)`. False (and neither is called) if the peer is not
/// connected.
template <class OnAnswer, class OnError>
bool ask(sync_actor* self, const std::string& id, proto::body req,
         OnAnswer on_answer, OnError on_error) {
  auto conn = conn_of(self, id);
  if (!conn)
    return false;
  // The connection times its requests out after 30 s; this bound only
  // guards against one that quits without answering.
  self
    ->request(conn, sync_request_deadline, request_atom::value,
              proto::message{0, std::move(req)})
    .then([=](proto::message& answer) mutable { on_answer(answer); },
          [=](caf::error& err) mutable {
            on_error(err == caf::sec::request_timeout);
          });
  return true;
}

void set_tip(sync_actor* self, const chain_tip& tip) {
  self->state.tip = tip;
  self->state.plan.advance(tip.height);
}

/// Tells every peer our tip (an unsolicited TIP, id 0) after catching up or
/// producing blocks, so that peers behind us start at once.
void announce_tip(sync_actor* self) {
  const auto& t = self->state.tip;
  auto msg = std::make_shared<const proto::message>(
    proto::message{0, proto::tip{t.height, t.hash, t.utxo_root}});
  self->send(self->state.links.registry, broadcast_atom::value, msg);
}

/// After fork resolution or a fast sync attempt. `reset`: the tip changed
/// under the plan (a reorganisation, a snapshot): every window starts over.
void back_to_blocks(sync_actor* self, bool reset = false) {
  auto& st = self->state;
  if (reset)
    st.plan.reset(st.tip.height);
  pump(self);
}

// -- the state machines ---------------------------------------------------

write_outcome outcome_of(const chain_write& w) {
  write_outcome out;
  out.ok = w.ok;
  out.reason = static_cast<chain::reject_reason>(w.reason);
  out.height = w.height;
  out.detail = w.detail;
  out.tip_height = w.tip.height;
  out.tip_hash = w.tip.hash;
  out.utxo_root = w.tip.utxo_root;
  return out;
}

/// Feeds an answer to `m`, with what the machine needs to know besides.
sync_actions answer_to(sync_actor*, fast_sync& m, uint64_t seq,
                       proto::body answer) {
  return m.on_answer(seq, std::move(answer));
}

sync_actions answer_to(sync_actor* self, fork_resolution& m, uint64_t seq,
                       proto::body answer) {
  auto& st = self->state;
  auto p = st.plan.peers().find(m.peer());
  auto best = p == st.plan.peers().end() ? 0 : p->second.best;
  return m.on_answer(seq, std::move(answer),
                     fork_view{st.tip.height, best, st.ctx->clock->now()});
}

/// Carries out what machine `m` asked, in order, and feeds the answers of
/// peers and of the chain writer back to it.
template <class Machine>
void run(sync_actor* self, Machine& m, sync_actions actions);

template <class Machine>
void send_for(sync_actor* self, Machine& m, send_request r) {
  auto* mp = &m;
  auto seq = r.seq;
  auto asked = ask(
    self, r.peer, std::move(r.body),
    [=](proto::message& answer) {
      run(self, *mp, answer_to(self, *mp, seq, std::move(answer.content)));
    },
    [=](bool) { run(self, *mp, mp->on_failure(seq)); });
  if (!asked) // gone without our noticing yet
    run(self, m, m.on_peer_left(r.peer));
}

/// Asks the chain writer for `args` on behalf of `m`; an accepted write
/// moves our tip.
template <class Machine, class... Ts>
void write_for(sync_actor* self, Machine& m, Ts&&... args) {
  auto* mp = &m;
  self
    ->request(self->state.links.writer, caf::infinite,
              std::forward<Ts>(args)...)
    .then(
      [=](chain_write& w) {
        if (w.ok)
          self->state.tip = w.tip;
        run(self, *mp, mp->on_written(outcome_of(w)));
      },
      [=](caf::error&) { run(self, *mp, mp->on_write_failed()); });
}

template <class Machine>
void run(sync_actor* self, Machine& m, sync_actions actions) {
  auto& st = self->state;
  for (auto& action : actions)
    std::visit(
      [&](auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, send_request>) {
          send_for(self, m, std::move(a));
        } else if constexpr (std::is_same_v<T, charge_peer>) {
          charge(self, a.peer, a.v, a.what);
        } else if constexpr (std::is_same_v<T, exclude_peer>) {
          st.plan.exclude(a.peer);
        } else if constexpr (std::is_same_v<T, peer_lacks_from>) {
          st.plan.peer_lacks(a.peer, a.height, true);
        } else if constexpr (std::is_same_v<T, mark_bad_snapshot>) {
          st.peers[a.peer].bad_snapshot = true;
        } else if constexpr (std::is_same_v<T, reorganise>) {
          write_for(self, m, reorg_atom::value, a.fork_height,
                    std::move(a.branch));
        } else if constexpr (std::is_same_v<T, install_snapshot>) {
          write_for(self, m, install_atom::value, std::move(a.headers),
                    std::move(a.entries));
        } else if constexpr (std::is_same_v<T, announce_new_tip>) {
          announce_tip(self);
        } else if constexpr (std::is_same_v<T, resume_download>) {
          back_to_blocks(self, a.restart);
        } else {
          static_assert(std::is_same_v<T, log_note>);
          if (a.level == note_level::warn)
            log(self).warn("{}", a.text);
          else
            log(self).info("{}", a.text);
        }
      },
      action);
}

/// Our tip does not lead to `peer`'s chain: find the common ancestor among
/// the last max_reorg_depth blocks, fetch its branch, and switch to it if
/// it is longer.
void start_fork(sync_actor* self, const std::string& peer) {
  auto& st = self->state;
  auto p = st.plan.peers().find(peer);
  if (st.fork->active() || !connected(st, peer)
      || (p != st.plan.peers().end() && p->second.excluded))
    return;
  auto [start, count] = fork_resolution::search_range(st.tip.height);
  auto ours = st.store->get_hashes(start, count);
  if (!ours) {
    // Not the peer's fault, and no answer about the fork.
    log(self).error("chain store read failed: {}", ours.error().detail);
    back_to_blocks(self);
    return;
  }
  run(self, *st.fork,
      st.fork->start(peer, st.tip.height, std::move(ours->items),
                     st.ctx->clock->now()));
}

/// With `fastsync=1` on a node still at genesis: starts a fast sync from
/// the peer with the highest snapshot that serves snapshots; true if one
/// started.
bool maybe_fast_sync(sync_actor* self) {
  auto& st = self->state;
  if (!st.ctx->cfg.fastsync || st.fast->current() != fast_sync::phase::idle
      || st.tip.height != 0 || st.applying || !st.plan.idle())
    return false;
  std::vector<snapshot_candidate> candidates;
  for (const auto& [id, p] : st.plan.peers()) {
    auto r = connected(st, id);
    if (r && !p.excluded && !r->bad_snapshot && r->serves_snapshots())
      candidates.push_back(snapshot_candidate{id, p.best});
  }
  auto out = st.fast->start(candidates);
  if (out.empty())
    return false;
  st.plan.reset(st.tip.height);
  run(self, *st.fast, std::move(out));
  return true;
}

// -- block download ---------------------------------------------------------

void on_applied(sync_actor* self, const ready_window& w, chain_write& r) {
  auto& st = self->state;
  auto was_behind = st.plan.behind();
  set_tip(self, r.tip);
  if (!r.ok) {
    auto reason = static_cast<chain::reject_reason>(r.reason);
    auto rest = static_cast<uint16_t>(w.blocks.size() - r.applied);
    if (reason == chain::reject_reason::bad_prev_hash && r.applied == 0
        && r.height == w.start) {
      // The peer's blocks continue another chain than ours: asked again (of
      // another peer first) and the peer's chain looked at.
      st.plan.give_back(w.start, rest, w.source);
      start_fork(self, w.source);
      return;
    }
    if (!peer_at_fault(reason)) {
      log(self).info("window {}+{} not applied: {}: {}", w.start,
                     w.blocks.size(), chain::to_string(reason), r.detail);
      st.plan.give_back(w.start + r.applied, rest, std::string{});
      return;
    }
    ++st.rejected_blocks;
    auto why = std::string{chain::to_string(reason)} + " at height "
               + std::to_string(r.height) + ": " + r.detail;
    log(self).warn("block from {} refused: {}", w.source.substr(0, 16), why);
    charge(self, w.source, security::violation::invalid_block,
           "invalid block: " + why);
    st.plan.give_back(w.start + r.applied, rest, w.source);
    st.plan.exclude(w.source);
  }
  if (was_behind && !st.plan.behind()) {
    log(self).info("synchronised at height {} {}", st.tip.height,
                   proto::to_hex(st.tip.hash));
    announce_tip(self);
  }
}

void try_apply(sync_actor* self) {
  auto& st = self->state;
  if (st.applying)
    return;
  auto w = st.plan.take_ready();
  if (!w)
    return;
  st.applying = true;
  auto window = std::make_shared<ready_window>(std::move(*w));
  self
    ->request(st.links.writer, caf::infinite, apply_atom::value, window->blocks)
    .then(
      [=](chain_write& r) {
        self->state.applying = false;
        on_applied(self, *window, r);
        pump(self);
      },
      [=](caf::error&) {
        self->state.applying = false;
        self->state.plan.give_back(window->start,
                                   static_cast<uint16_t>(window->blocks.size()),
                                   std::string{});
      });
}

void request_window(sync_actor* self, const std::string& id, block_window w) {
  auto asked = ask(
    self, id, proto::get_blocks{w.start, w.count},
    [=](proto::message& answer) {
      auto& st = self->state;
      auto* got = std::get_if<proto::blocks>(&answer.content);
      if (!got) {
        st.plan.on_failure(id, w, false);
      } else if (auto bad = refuse_answer(st.store->params(), got->items,
                                          w.count)) {
        // Checked before anything is held: a peer must not fill the
        // download buffer with blocks the chain would refuse.
        log(self).warn("GET_BLOCKS {}+{} to {}: {}", w.start, w.count,
                       id.substr(0, 16), bad->second);
        charge(self, id, bad->first, bad->second);
        st.plan.on_failure(id, w, false);
        if (bad->first == security::violation::invalid_block) {
          ++st.rejected_blocks;
          st.plan.exclude(id);
        }
      } else {
        if (got->items.empty()) {
          // Past its tip (a full node that went shorter, or a height
          // learned from a relay) or below its fast-sync base.
          auto p = connected(st, id);
          st.plan.peer_lacks(id, w.start, p && p->full_history());
        }
        st.plan.on_answer(id, w, std::move(got->items), st.ctx->clock->now());
      }
      pump(self);
    },
    [=](bool timed_out) {
      if (timed_out)
        log(self).info("GET_BLOCKS {}+{} to {} timed out: asking elsewhere",
                       w.start, w.count, id.substr(0, 16));
      self->state.plan.on_failure(id, w, timed_out);
      pump(self);
    });
  if (!asked) {
    // Gone without our noticing yet: its windows go back in the queue.
    self->state.plan.on_failure(id, w, false);
    self->state.plan.peer_gone(id);
  }
}

void ensure_ticking(sync_actor* self) {
  auto& st = self->state;
  if (st.ticking)
    return;
  st.ticking = true;
  st.last_tick = st.ctx->clock->now();
  st.last_tick_height = st.tip.height;
  send_later(self, sync_progress_interval, progress_atom::value);
}

void pump(sync_actor* self) {
  auto& st = self->state;
  if (st.fork->active() || st.fast->active())
    return;
  if (maybe_fast_sync(self)) {
    ensure_ticking(self);
    return;
  }
  while (auto next = st.plan.next_request())
    request_window(self, next->first, next->second);
  try_apply(self);
  if (downloading(st))
    ensure_ticking(self);
}

void tick_progress(sync_actor* self) {
  auto& st = self->state;
  st.ticking = false;
  auto now = st.ctx->clock->now();
  auto secs = std::chrono::duration<double>(now - st.last_tick).count();
  auto done = st.tip.height - std::min(st.tip.height, st.last_tick_height);
  st.blocks_per_second = secs > 0 ? static_cast<uint64_t>(done / secs) : 0;
  auto m = mode_of(st);
  if (m == mode::idle)
    return;
  auto target = std::max(st.plan.target(), st.tip.height);
  if (m == mode::headers || m == mode::snapshot) {
    log(self).info("sync: fast sync, {} ({} headers, {} unspent outputs so "
                   "far)",
                   to_string(m), st.fast->headers_received(),
                   st.fast->entries_received());
  } else {
    auto pct = target == 0 ? 100.0 : 100.0 * st.tip.height / target;
    auto left = target - st.tip.height;
    std::string eta = st.blocks_per_second > 0
                        ? std::to_string(left / st.blocks_per_second) + " s"
                        : std::string{"unknown"};
    log(self).info("sync: height {} / {} ({:.1f}%), {} blocks/s, ETA {}",
                   st.tip.height, target, pct, st.blocks_per_second, eta);
  }
  ensure_ticking(self);
  if (auto n = st.plan.expire(now); n > 0) {
    log(self).info("sync: {} windows waited {} s for the ones before them: "
                   "dropped, asked again",
                   n, std::chrono::seconds{max_buffered_age}.count());
    pump(self);
  }
}

// -- gossiped blocks ---------------------------------------------------------

void on_gossiped_block(sync_actor* self, const gossip_message& msg) {
  auto& st = self->state;
  auto b = proto::decode_block(msg.payload.data(), msg.payload.size());
  if (!b)
    return;
  auto h = b->header.height;
  if (h <= st.tip.height)
    return;
  // Relays are not validated (docs/PROTOCOL.md, "Gossip"): only a block its
  // authorised producer signed may move a peer's known height or start a fork,
  // or anyone could announce any height.
  if (!signed_by_producer(st.store->params(), *b))
    return;
  if (connected(st, msg.from_peer))
    st.plan.peer_best(msg.from_peer, h);
  if (st.fork->active() || st.fast->active())
    return;
  if (h == st.tip.height + 1 && b->header.prev_hash != st.tip.hash
      && connected(st, msg.from_peer)) {
    start_fork(self, msg.from_peer);
    return;
  }
  if (h == st.tip.height + 1 && st.plan.idle() && !st.applying) {
    // The next block: applied at once (a failure costs the relaying peer
    // nothing: relays are not validated).
    st.applying = true;
    auto source = msg.from_peer;
    self
      ->request(st.links.writer, caf::infinite, apply_atom::value,
                block_list{std::move(*b)})
      .then(
        [=](chain_write& r) {
          auto& st = self->state;
          st.applying = false;
          set_tip(self, r.tip);
          if (!r.ok) {
            ++st.rejected_blocks;
            log(self).info("gossiped block {} refused: {}: {}", r.height,
                           chain::to_string(
                             static_cast<chain::reject_reason>(r.reason)),
                           r.detail);
          }
          pump(self);
        },
        [=](caf::error&) { self->state.applying = false; });
    return;
  }
  pump(self);
}

// -- the actor ----------------------------------------------------------------

sync_info make_sync_info(const sync_state& st) {
  sync_info info;
  info.state = to_string(mode_of(st));
  info.peers_best_height = st.plan.target();
  auto target = std::max(info.peers_best_height, st.tip.height);
  info.progress = target == 0 ? 1.0
                              : static_cast<double>(st.tip.height) / target;
  for (const auto& kv : st.plan.peers())
    if (!kv.second.excluded)
      ++info.peers;
  info.blocks_per_second = st.blocks_per_second;
  info.rejected_blocks = st.rejected_blocks + st.fork->rejected_blocks()
                         + st.fast->rejected_blocks();
  info.rejected_snapshots = st.fast->rejected_snapshots();
  info.reorgs = st.fork->reorgs();
  return info;
}

caf::behavior sync_coordinator(sync_actor* self, context_ptr ctx,
                               std::shared_ptr<const chain::store> store,
                               sync_links links) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.store = std::move(store);
  st.links = std::move(links);
  st.tip = tip_of(*st.store);
  st.plan.reset(st.tip.height);
  st.fork.emplace(st.store->params());
  st.fast.emplace(st.store->params());
  self->send(st.links.registry, subscribe_atom::value, proto::gossip_kind_block,
             caf::actor_cast<caf::actor>(self));
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto p = std::find_if(st.peers.begin(), st.peers.end(), [&](auto& kv) {
      return kv.second.conn && kv.second.conn.address() == dm.source;
    });
    if (p != st.peers.end()) {
      auto id = p->first;
      if (p->second.bad_snapshot)
        p->second.conn = nullptr;
      else
        st.peers.erase(p);
      st.plan.peer_gone(id);
      if (auto fast = st.fast->on_peer_left(id); !fast.empty())
        run(self, *st.fast, std::move(fast));
      else if (auto fork = st.fork->on_peer_left(id); !fork.empty())
        run(self, *st.fork, std::move(fork));
      else
        pump(self);
    }
  });
  return {
    [=](sync_peer_atom, const std::string& id, const std::string& host,
        uint32_t services, uint64_t best) {
      auto& st = self->state;
      auto conn = caf::actor_cast<caf::actor>(self->current_sender());
      if (!conn)
        return;
      self->monitor(conn);
      auto& r = st.peers[id];
      r.conn = conn;
      r.host = host;
      r.services = services;
      st.plan.peer_best(id, best);
      // HELLO's height may be stale by the time the handshake is done.
      ask(
        self, id, proto::get_tip{},
        [=](proto::message& answer) {
          if (auto* t = std::get_if<proto::tip>(&answer.content)) {
            self->state.plan.peer_best(id, t->height);
            pump(self);
          }
        },
        [](bool) {});
      pump(self);
    },
    [=](peer_height_atom, const std::string& id, uint64_t best) {
      auto& st = self->state;
      if (!connected(st, id))
        return;
      st.plan.peer_best(id, best);
      pump(self);
    },
    [=](gossip_atom, const gossip_message& msg) {
      if (msg.kind == proto::gossip_kind_block)
        on_gossiped_block(self, msg);
    },
    [=](progress_atom) { tick_progress(self); },
    [=](syncinfo_atom) { return make_sync_info(self->state); },
    [=](generate_atom, uint32_t n,
        uint32_t txs) -> caf::result<std::vector<std::string>> {
      auto rp = self->make_response_promise<std::vector<std::string>>();
      self
        ->request(self->state.links.writer, caf::infinite, produce_atom::value,
                  n, txs)
        .then(
          [=](block_list& blocks) mutable {
            std::vector<std::string> hashes;
            hashes.reserve(blocks.size());
            for (const auto& b : blocks)
              hashes.push_back(proto::to_hex(proto::block_hash(b.header)));
            if (!blocks.empty()) {
              auto& st = self->state;
              set_tip(self, tip_of(*st.store));
              auto first = blocks.size() > max_gossiped_per_generate
                             ? blocks.size() - 1
                             : 0;
              // Anonymous: the registry's answer (a bool) is not wanted.
              for (auto i = first; i < blocks.size(); ++i)
                caf::anon_send(st.links.registry, publish_atom::value,
                               proto::gossip_kind_block,
                               proto::encode_block(blocks[i]));
              announce_tip(self);
            }
            rp.deliver(std::move(hashes));
          },
          [=](caf::error& err) mutable {
            // Blocks may have been stored before the failure.
            set_tip(self, tip_of(*self->state.store));
            rp.deliver(std::move(err));
          });
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_sync_coordinator(caf::actor_system& sys, context_ptr ctx,
                                  std::shared_ptr<const chain::store> store,
                                  sync_links links) {
  return sys.spawn(sync_coordinator, std::move(ctx), std::move(store),
                   std::move(links));
}

} // namespace timecoin
