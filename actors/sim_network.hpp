#pragma once

// A simulated network for many nodes in one actor system: links with
// latency, jitter and bandwidth that carry the bytes of connections, and
// partitions. Nodes spawned with it dial and accept through it instead of
// sockets; in CAF's virtual time (the test coordinator) a run is
// deterministic for a given seed.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace timecoin {

/// How one link carries bytes, in each direction.
struct link_params {
  /// One-way delay of every byte.
  std::chrono::microseconds latency{0};
  /// A uniform extra delay in [0, jitter] per delivery; never reorders the
  /// bytes of a link (a stream, as TCP).
  std::chrono::microseconds jitter{0};
  /// Serialization rate; 0: unlimited.
  uint64_t bits_per_second = 0;
};

/// Messages of the simulated network (internal to nodes and transports).
using sim_attach_atom = caf::atom_constant<caf::atom("simattach")>;
using sim_dial_atom = caf::atom_constant<caf::atom("simdial")>;
using sim_accept_atom = caf::atom_constant<caf::atom("simaccept")>;
using sim_bind_atom = caf::atom_constant<caf::atom("simbind")>;
using sim_send_atom = caf::atom_constant<caf::atom("simsend")>;
using sim_arrive_atom = caf::atom_constant<caf::atom("simarrive")>;
using sim_data_atom = caf::atom_constant<caf::atom("simdata")>;
using sim_close_atom = caf::atom_constant<caf::atom("simclose")>;
using sim_closed_atom = caf::atom_constant<caf::atom("simclosed")>;
using sim_part_atom = caf::atom_constant<caf::atom("simpart")>;
using sim_heal_atom = caf::atom_constant<caf::atom("simheal")>;
using sim_params_atom = caf::atom_constant<caf::atom("simparams")>;
using sim_stats_atom = caf::atom_constant<caf::atom("simstats")>;

/// What the network carried, for reports.
struct sim_network_stats {
  uint64_t links_opened = 0;
  uint64_t links_cut = 0;
  uint64_t dials_refused = 0;
  uint64_t deliveries = 0;
  uint64_t bytes = 0;
};

/// Spawns the network. `defaults`: the parameters of every link unless
/// `(sim_params, from, to, latency_us, jitter_us, bps)` set a pair's;
/// `seed`: the jitter's random numbers.
///
/// Its interface (addresses are "host:port" as nodes dial them):
/// - `(sim_attach, addr, supervisor)`: a node listens at `addr` (until its
///   supervisor goes down).
/// - `(sim_dial, from, to) -> uint64_t end`: a connection from `from` to
///   `to`; the dialer binds the returned end, the node at `to` gets
///   `(sim_accept, network, end, from)` and binds its end. Fails if nobody
///   listens at `to` or a partition separates them.
/// - `(sim_bind, end, conn)`: the connection actor of one end.
/// - `(sim_send, end, bytes)`: bytes from one end; delivered to the other as
///   `(sim_data, bytes)` after the link's delay.
/// - `(sim_close, end)`: the end closes; the other gets `(sim_closed)`
///   after what was sent before.
/// - `(sim_part, map<addr, group>)`: links across groups are cut at once
///   (both ends get `(sim_closed)`), and dials across them fail, until
///   `(sim_heal)`. Nodes not in the map are in group 0.
/// - `(sim_stats) -> sim_network_stats`.
caf::actor spawn_sim_network(caf::actor_system& sys, link_params defaults,
                             uint64_t seed);

} // namespace timecoin

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::sim_network_stats)
