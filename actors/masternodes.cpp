#include "actors/masternodes.hpp"

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/chain_actor.hpp"
#include "actors/deadline_timer.hpp"
#include "actors/discovery.hpp"
#include "actors/masternode_list.hpp"
#include "actors/node.hpp"
#include "chain/store.hpp"
#include "config/values.hpp"
#include "security/envelope.hpp"

namespace timecoin {

namespace {

struct masternodes_state {
  static inline const char* name = "masternodes";
  context_ptr ctx;
  std::shared_ptr<chain::store> store;
  caf::actor registry;
  caf::actor discovery;
  std::unique_ptr<masternode_list> list;
  proto::hash256 seen_tip{};
  node_clock::time_point next_announce{};
  bool announced_once = false;
  /// Why the last announcement could not be made ("" after a success).
  std::string last_failure;
  /// Set for the next expiry of an entry or announcement of this node.
  deadline_timer<mn_tick_atom> timer;
};

using masternodes_actor = caf::stateful_actor<masternodes_state>;

spdlog::logger& log(masternodes_actor* self) {
  return *self->state.ctx->log;
}

/// The chain state's unspent outputs, for the list's checks. A read error
/// counts as "not found": an announcement is refused, never accepted on
/// doubt.
coin_lookup lookup_of(const std::shared_ptr<chain::store>& store) {
  return [store](const proto::hash256& txid,
                 uint32_t vout) -> std::optional<collateral_coin> {
    if (!store)
      return std::nullopt;
    auto found = store->find_coin(txid, vout);
    if (!found || !*found)
      return std::nullopt;
    return collateral_coin{(*found)->value, (*found)->owner};
  };
}

/// Publishes the listed ids and addresses, and tells the registry.
void publish(masternodes_actor* self) {
  auto& st = self->state;
  auto view = std::make_unique<masternode_view>();
  for (const auto& [id, e] : st.list->entries())
    view->by_id.emplace(id, masternode_address{e.ann.host, e.ann.port});
  st.ctx->masternodes->publish(std::move(view));
  self->send(st.registry, mn_changed_atom::value);
  if (st.discovery)
    self->send(st.discovery, mn_changed_atom::value);
}

/// Offers one announcement; true if it entered the list.
bool offer(masternodes_actor* self, const proto::gossip& env,
           bool check_signature, const std::string& from) {
  auto& st = self->state;
  auto v = st.list->offer(env, st.ctx->clock->unix_now(), lookup_of(st.store),
                          check_signature, st.ctx->cfg.message_max_age_seconds);
  if (v != announcement_verdict::accepted) {
    log(self).debug("masternode announcement from {} refused: {}",
                    from.empty() ? std::string{"this node"} : from,
                    to_string(v));
    return false;
  }
  return true;
}

/// This node's announcement, if it is a masternode whose collateral is in
/// the chain state; else why not.
std::optional<proto::gossip> own_announcement(masternodes_actor* self,
                                              std::string& why) {
  auto& st = self->state;
  const auto& cfg = st.ctx->cfg;
  auto out = parse_outpoint(cfg.masternodecollateral);
  if (!out) {
    why = "masternodecollateral= is not set";
    return std::nullopt;
  }
  auto own = self_address(*st.ctx);
  if (!own) {
    why = "the node does not know its address (set externalip=)";
    return std::nullopt;
  }
  masternode_announcement ann;
  ann.node_id = st.ctx->key.public_key();
  ann.host = own->host;
  ann.port = own->port;
  proto::from_hex(out->txid, ann.collateral_txid);
  ann.collateral_vout = out->vout;
  auto coin = lookup_of(st.store)(ann.collateral_txid, ann.collateral_vout);
  if (!coin) {
    why = "the collateral " + cfg.masternodecollateral
          + " is not an unspent output in the chain";
    return std::nullopt;
  }
  if (coin->owner != ann.node_id) {
    why = "the collateral " + cfg.masternodecollateral + " is owned by "
          + proto::to_hex(coin->owner) + ", not by this node";
    return std::nullopt;
  }
  if (coin->value < masternode_collateral) {
    why = "the collateral " + cfg.masternodecollateral + " holds "
          + std::to_string(coin->value) + " units, less than 1,000 TIME";
    return std::nullopt;
  }
  return security::make_gossip(&st.ctx->key, st.ctx->net->magic,
                               gossip_kind_masternode,
                               st.ctx->clock->unix_now(),
                               encode_announcement(ann));
}

/// Announces this node (at start, every 20 minutes, and when its
/// collateral appears in the chain).
void announce(masternodes_actor* self) {
  auto& st = self->state;
  std::string why;
  auto env = own_announcement(self, why);
  if (!env) {
    // Said once per reason; retried after every new tip.
    if (why != st.last_failure)
      log(self).error("masternode=1 but not announced: {}", why);
    st.last_failure = why;
    st.announced_once = true;
    return;
  }
  st.last_failure.clear();
  if (offer(self, *env, false, std::string{}))
    publish(self);
  log(self).info("announced this node as a masternode ({})",
                 st.ctx->cfg.masternodecollateral);
  st.announced_once = true;
  st.next_announce = st.ctx->clock->now()
                     + std::chrono::seconds{masternode_announce_seconds};
  self->send(st.registry, mn_relay_atom::value, std::move(*env), std::string{});
}

/// Sets the timer for the next thing to do at a known time: the expiry of an
/// entry, this node's next announcement.
void schedule(masternodes_actor* self) {
  auto& st = self->state;
  auto now = st.ctx->clock->now();
  std::optional<node_clock::time_point> due;
  if (auto at = st.list->next_expiry()) {
    auto wait = std::max<int64_t>(*at - st.ctx->clock->unix_now(), 0);
    due = now + std::chrono::seconds{wait};
  }
  if (st.ctx->cfg.masternode && st.list->contains(st.ctx->node_id_hex))
    due = due ? std::min(*due, st.next_announce) : st.next_announce;
  if (due)
    st.timer.at(self, now, *due);
}

/// Entries past their expiry go; this node announces itself again when due.
void on_tick(masternodes_actor* self) {
  auto& st = self->state;
  auto changed = st.list->expire(st.ctx->clock->unix_now()) > 0;
  if (st.ctx->cfg.masternode && st.list->contains(st.ctx->node_id_hex)
      && st.ctx->clock->now() >= st.next_announce)
    announce(self);
  if (changed)
    publish(self);
  schedule(self);
}

/// A new tip may have spent collateral, or made this node's appear.
void on_tip(masternodes_actor* self) {
  auto& st = self->state;
  auto tip = st.ctx->tip();
  if (tip.hash == st.seen_tip)
    return;
  st.seen_tip = tip.hash;
  if (st.list->recheck(lookup_of(st.store)) > 0)
    publish(self);
  if (st.ctx->cfg.masternode && !st.list->contains(st.ctx->node_id_hex))
    announce(self);
  schedule(self);
}

std::vector<masternode_info> list_info(const masternode_list& list) {
  std::vector<masternode_info> out;
  for (const auto& [id, e] : list.entries())
    out.push_back(masternode_info{id, e.ann.host, e.ann.port,
                                  proto::to_hex(e.ann.collateral_txid) + ":"
                                    + std::to_string(e.ann.collateral_vout),
                                  e.announced, e.first_seen});
  return out;
}

caf::behavior masternodes(masternodes_actor* self, context_ptr ctx,
                          std::shared_ptr<chain::store> store,
                          caf::actor registry, caf::actor discovery) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.store = std::move(store);
  st.registry = std::move(registry);
  st.discovery = std::move(discovery);
  st.list = std::make_unique<masternode_list>(st.ctx->net->magic);
  st.seen_tip = st.ctx->tip().hash;
  if (st.ctx->cfg.masternode)
    announce(self);
  schedule(self);
  return {
    [=](mn_tick_atom, uint64_t generation) {
      if (self->state.timer.fired(generation))
        on_tick(self);
    },
    [=](tip_atom) { on_tip(self); },
    [=](mn_offer_atom, const proto::gossip& env, const std::string& from) {
      // The verifiers checked the signature on networks that sign gossip;
      // on the others it is checked here, so that no one can list another
      // node's id with another address. Relayed only once accepted.
      auto check = !self->state.ctx->cfg.enable_message_signing;
      if (offer(self, env, check, from)) {
        publish(self);
        schedule(self);
        self->send(self->state.registry, mn_relay_atom::value, env, from);
      }
    },
    [=](mn_in_atom, const proto::masternodes& in, const std::string& from) {
      bool any = false;
      for (const auto& env : in.entries) {
        if (env.kind != gossip_kind_masternode)
          continue;
        // Checked as gossip too, but with the 65-minute bound.
        any = offer(self, env, true, from) || any;
      }
      if (any) {
        publish(self);
        schedule(self);
      }
    },
    [=](getmn_atom) {
      proto::masternodes out;
      out.entries = self->state.list->announcements(max_masternodes_entries);
      return out;
    },
    [=](mnlist_atom) { return list_info(*self->state.list); },
  };
}

} // namespace

caf::actor spawn_masternodes(caf::actor_system& sys, context_ptr ctx,
                             std::shared_ptr<chain::store> store,
                             caf::actor registry, caf::actor discovery) {
  return sys.spawn(masternodes, std::move(ctx), std::move(store),
                   std::move(registry), std::move(discovery));
}

} // namespace timecoin
