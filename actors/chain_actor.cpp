#include "actors/chain_actor.hpp"

#include <limits>
#include <optional>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/node.hpp"
#include "actors/spawn_worker.hpp"
#include "chain/producer.hpp"
#include "chain/store.hpp"
#include "config/values.hpp"
#include "protocol/codec.hpp"

namespace timecoin {

chain_tip tip_of(const chain::store& store) {
  auto t = store.tip();
  return chain_tip{t.height, t.hash, t.utxo_root, t.base_height};
}

namespace {

caf::error chain_failure(std::string what) {
  return caf::make_error(caf::sec::runtime_error, std::move(what));
}

struct writer_state {
  static inline const char* name = "chain_writer";
  context_ptr ctx;
  std::shared_ptr<chain::store> store;
  std::optional<chain::producer> producer;
  caf::actor tip_watcher;
};

using writer_actor = caf::stateful_actor<writer_state>;

/// Publishes the store's tip, and tells the watcher that it moved.
void publish_tip(writer_actor* self) {
  auto& st = self->state;
  st.ctx->tip_cell->publish(std::make_unique<chain_tip>(tip_of(*st.store)));
  if (st.tip_watcher)
    self->send(st.tip_watcher, tip_atom::value);
}

chain_write finish(writer_actor* self, uint64_t applied,
                   const std::optional<chain::chain_error>& err) {
  auto& st = self->state;
  chain_write out;
  out.applied = applied;
  if (err) {
    out.ok = false;
    out.reason = static_cast<uint8_t>(err->reason);
    out.height = err->height;
    out.detail = err->detail;
  }
  out.tip = tip_of(*st.store);
  if (applied > 0)
    publish_tip(self);
  return out;
}

caf::behavior chain_writer(writer_actor* self, context_ptr ctx,
                           std::shared_ptr<chain::store> store,
                           caf::actor tip_watcher) {
  self->state.ctx = std::move(ctx);
  self->state.store = std::move(store);
  self->state.tip_watcher = std::move(tip_watcher);
  publish_tip(self);
  return {
    [=](apply_atom, const block_list& blocks) {
      auto r = self->state.store->append(blocks);
      return finish(self, r.applied, r.error);
    },
    [=](reorg_atom, uint64_t fork_height, const block_list& blocks) {
      auto r = self->state.store->reorganize(fork_height, blocks);
      if (!r)
        return finish(self, 0, r.error());
      return finish(self, blocks.size(), std::nullopt);
    },
    [=](install_atom, const header_list& headers, const utxo_list& entries) {
      auto r = self->state.store->install_snapshot(headers, entries);
      if (!r)
        return finish(self, 0, r.error());
      return finish(self, 1, std::nullopt);
    },
    [=](sendto_atom, const std::string& owner_hex,
        uint64_t amount) -> caf::result<std::string> {
      auto& st = self->state;
      if (st.ctx->cfg.net != proto::network::devnet)
        return chain_failure("sendtoaddress is devnet only");
      proto::hash256 owner{};
      if (!proto::from_hex(owner_hex, owner))
        return chain_failure("the owner is not 64 hex characters");
      if (!st.producer)
        st.producer.emplace(
          security::node_key::from_seed(proto::devnet_producer_seed()));
      auto id = st.producer->pay(*st.store, owner, amount);
      if (!id)
        return chain_failure(id.error());
      return proto::to_hex(*id);
    },
    [=](produce_atom, uint32_t n, uint32_t txs) -> caf::result<block_list> {
      auto& st = self->state;
      if (st.ctx->cfg.net != proto::network::devnet)
        return chain_failure("generate is devnet only");
      if (!st.producer)
        st.producer.emplace(
          security::node_key::from_seed(proto::devnet_producer_seed()));
      auto r = st.producer->generate(*st.store, n, txs,
                                     st.ctx->clock->unix_now());
      if (!r) {
        // Blocks stored before the failure are the tip now.
        publish_tip(self);
        return chain_failure("block production failed: " + r.error().detail);
      }
      finish(self, r->size(), std::nullopt);
      return std::move(*r);
    },
  };
}

struct reader_state {
  static inline const char* name = "chain_reader";
  context_ptr ctx;
  std::shared_ptr<chain::store> store;
};

using reader_actor = caf::stateful_actor<reader_state>;

/// A read the store failed: logged, and the request refused with it.
caf::error read_failed(reader_actor* self, const chain::read_error& e) {
  self->state.ctx->log->error("chain store read failed: {}", e.detail);
  return chain_failure("chain store read failed: " + e.detail);
}

/// The answer to `req`, or the store's read error.
result<proto::message, chain::read_error> serve(const chain::store& s,
                                                const proto::message& req) {
  proto::message out;
  out.id = req.id;
  switch (req.type()) {
    case proto::msg_type::get_blocks: {
      const auto& r = std::get<proto::get_blocks>(req.content);
      auto got = s.get_blocks(r.start, r.count);
      if (!got)
        return got.error();
      out.content = std::move(*got);
      break;
    }
    case proto::msg_type::get_hashes: {
      const auto& r = std::get<proto::get_hashes>(req.content);
      auto got = s.get_hashes(r.start, r.count);
      if (!got)
        return got.error();
      out.content = std::move(*got);
      break;
    }
    case proto::msg_type::get_headers: {
      const auto& r = std::get<proto::get_headers>(req.content);
      auto got = s.get_headers(r.start, r.count);
      if (!got)
        return got.error();
      out.content = std::move(*got);
      break;
    }
    case proto::msg_type::get_utxo_chunk: {
      const auto& r = std::get<proto::get_utxo_chunk>(req.content);
      auto chunk = s.snapshot_chunk(r.height, r.index);
      if (!chunk)
        return chunk.error();
      if (*chunk)
        out.content = std::move(**chunk);
      else
        out.content = proto::not_found{"no snapshot at height "
                                       + std::to_string(r.height) + " chunk "
                                       + std::to_string(r.index)};
      break;
    }
    default: out.content = proto::not_found{"not served"}; break;
  }
  return out;
}

caf::behavior chain_reader(reader_actor* self, context_ptr ctx,
                           std::shared_ptr<chain::store> store) {
  self->state.ctx = std::move(ctx);
  self->state.store = std::move(store);
  return {
    [=](serve_atom, const proto::message& req) -> caf::result<proto::message> {
      auto out = serve(*self->state.store, req);
      if (!out)
        return read_failed(self, out.error());
      if (self->state.ctx->tamper && !self->state.ctx->tamper(*out))
        return self->make_response_promise<proto::message>(); // never kept
      return std::move(*out);
    },
    [=](chaininfo_atom) -> caf::result<chain_info> {
      const auto& s = *self->state.store;
      auto snapshots = s.snapshot_heights();
      if (!snapshots)
        return read_failed(self, snapshots.error());
      auto t = s.tip();
      chain_info info;
      info.chain = self->state.ctx->net->name;
      info.blocks = t.height;
      info.best_hash = proto::to_hex(t.hash);
      info.utxo_root = proto::to_hex(t.utxo_root);
      info.utxos = t.utxos;
      info.time = t.timestamp;
      info.base_height = t.base_height;
      info.snapshot_heights = std::move(*snapshots);
      return info;
    },
    [=](blockhash_atom, uint64_t height) -> caf::result<std::string> {
      const auto& s = *self->state.store;
      auto h = s.hash_at(height);
      if (!h)
        return read_failed(self, h.error());
      if (*h)
        return proto::to_hex(**h);
      return chain_failure("height " + std::to_string(height)
                           + " is above the tip "
                           + std::to_string(s.tip().height));
    },
    [=](getblock_atom, const std::string& which) -> caf::result<block_info> {
      const auto& s = *self->state.store;
      std::optional<uint64_t> height;
      proto::hash256 hash{};
      bool by_hash = proto::from_hex(which, hash);
      if (by_hash) {
        auto found = s.height_of(hash);
        if (!found)
          return read_failed(self, found.error());
        height = *found;
      } else {
        height = parse_uint(which, 0, std::numeric_limits<uint64_t>::max());
      }
      if (!height)
        return chain_failure("block not found: " + which);
      auto read = s.block_at(*height);
      if (!read)
        return read_failed(self, read.error());
      auto& b = *read;
      if (!b)
        return chain_failure("block not found: " + which
                             + (*height <= s.tip().base_height
                                  ? " (not stored below a fast-sync base)"
                                  : ""));
      auto got = proto::block_hash(b->header);
      // A reorganisation between the two reads: that hash left the chain.
      if (by_hash && got != hash)
        return chain_failure("block not found: " + which);
      block_info info;
      info.height = *height;
      info.hash = proto::to_hex(got);
      auto tip = s.tip().height; // cached: may trail the block just read
      info.confirmations = tip >= *height ? tip - *height + 1 : 1;
      info.encoded = proto::encode_block(*b);
      return info;
    },
    [=](verifychain_atom) {
      auto problem = self->state.store->verify();
      return problem ? *problem : std::string{};
    },
  };
}

} // namespace

caf::actor spawn_chain_writer(caf::actor_system& sys, context_ptr ctx,
                              std::shared_ptr<chain::store> store,
                              caf::actor tip_watcher) {
  return spawn_worker(sys, *ctx, chain_writer, ctx, std::move(store),
                      std::move(tip_watcher));
}

caf::actor spawn_chain_reader(caf::actor_system& sys, context_ptr ctx,
                              std::shared_ptr<chain::store> store) {
  return spawn_worker(sys, *ctx, chain_reader, ctx, std::move(store));
}

} // namespace timecoin
