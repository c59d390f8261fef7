#pragma once

// The sync coordinator (internal header): learns peers' tips, downloads
// blocks from several peers in parallel, finds forks and switches to the
// longer chain, fast-syncs from a UTXO snapshot, and produces devnet blocks.

#include <chrono>
#include <memory>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace timecoin::chain {
class store;
}

namespace timecoin {

/// From a connection that completed its handshake: `(syncpeer, node id,
/// host, services, best height)`; the coordinator monitors the sender.
using sync_peer_atom = caf::atom_constant<caf::atom("syncpeer")>;
/// From a connection: `(peerheight, node id, height)` from PING, PONG or an
/// unsolicited TIP.
using peer_height_atom = caf::atom_constant<caf::atom("peerheight")>;
/// `syncinfo` → sync_info.
using syncinfo_atom = caf::atom_constant<caf::atom("syncinfo")>;

/// A progress line is logged this often while the node catches up.
constexpr auto sync_progress_interval = std::chrono::seconds{5};

/// The actors the coordinator works with.
struct sync_links {
  caf::actor writer;   ///< chain writer
  caf::actor reader;   ///< chain reader
  caf::actor registry; ///< publishes gossip, delivers kind 2
};

/// Spawns the coordinator. It also answers `generate, n, txs` → the hashes
/// (hex) of the produced blocks, which it gossips.
caf::actor spawn_sync_coordinator(caf::actor_system& sys, context_ptr ctx,
                                  std::shared_ptr<const chain::store> store,
                                  sync_links links);

} // namespace timecoin
