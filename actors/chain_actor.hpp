#pragma once

// The actors around the chain store (internal header): one writer that
// applies blocks, reorganisations and snapshots and produces devnet blocks,
// and one reader that answers peers' chain requests and the RPC reads. Both
// run on threads of their own (unless `node_context::scheduled_workers`):
// validation and storage never block the multiplexer or the scheduler.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/context.hpp"
#include "protocol/messages.hpp"

namespace timecoin::chain {
class store;
}

namespace timecoin {

using serve_atom = caf::atom_constant<caf::atom("serve")>;
using apply_atom = caf::atom_constant<caf::atom("apply")>;
using reorg_atom = caf::atom_constant<caf::atom("reorg")>;
using install_atom = caf::atom_constant<caf::atom("install")>;
using produce_atom = caf::atom_constant<caf::atom("produce")>;
/// To the writer's tip watcher: the tip moved.
using tip_atom = caf::atom_constant<caf::atom("tipmoved")>;

/// What a write to the chain store did.
struct chain_write {
  uint64_t applied = 0; ///< blocks committed
  bool ok = true;       ///< false: `reason` refused the block at `height`
  uint8_t reason = 0;   ///< chain::reject_reason
  uint64_t height = 0;
  std::string detail;
  chain_tip tip; ///< the tip after the write
};

using block_list = std::vector<proto::block>;
using header_list = std::vector<proto::signed_header>;
using utxo_list = std::vector<proto::utxo_entry>;

/// Messages of the writer:
/// - `apply, block_list` → chain_write (the valid prefix is committed)
/// - `reorg, fork_height, block_list` → chain_write (all or nothing)
/// - `install, header_list, utxo_list` → chain_write (fast sync)
/// - `produce, n, txs_per_block` → block_list (devnet: produced and applied)
/// After each commit the writer publishes the tip to `ctx->tip_cell` and
/// sends `tip_watcher` (if any) `tip`, so that it needs no polling.
caf::actor spawn_chain_writer(caf::actor_system& sys, context_ptr ctx,
                              std::shared_ptr<chain::store> store,
                              caf::actor tip_watcher = {});

/// Messages of the reader:
/// - `serve, proto::message` → proto::message: the answer to GET_BLOCKS,
///   GET_HASHES, GET_HEADERS or GET_UTXO_CHUNK (NOT_FOUND if it cannot)
/// - `chaininfo` → chain_info (without the sync part)
/// - `blockhash, height` → hex; `getblock, "hash"|"height"` → block_info
/// - `verifychain` → "" or what is inconsistent
/// A store read that fails (chain::read_error) is logged and the request
/// answered with an error, never as if the data were absent.
caf::actor spawn_chain_reader(caf::actor_system& sys, context_ptr ctx,
                              std::shared_ptr<chain::store> store);

/// The tip of `store` as connections announce it.
chain_tip tip_of(const chain::store& store);

} // namespace timecoin

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::chain_write)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::block_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::header_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::utxo_list)
