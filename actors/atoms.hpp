#pragma once

// Atoms and message types exchanged between a node's own actors (internal).

#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "actors/context.hpp"
#include "actors/gossip.hpp"
#include "actors/peer_table.hpp"
#include "actors/slot_policy.hpp"
#include "protocol/messages.hpp"

namespace timecoin {

// peer_connection timers
using hs_timeout_atom = caf::atom_constant<caf::atom("hstimeout")>;
using ping_tick_atom = caf::atom_constant<caf::atom("pingtick")>;
using req_timeout_atom = caf::atom_constant<caf::atom("reqtimeout")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;

// commands to a peer_connection
using send_atom = caf::atom_constant<caf::atom("send")>;
using bye_atom = caf::atom_constant<caf::atom("bye")>;
using reject_atom = caf::atom_constant<caf::atom("reject")>;
using request_atom = caf::atom_constant<caf::atom("request")>;

// gossip and abuse
using verify_atom = caf::atom_constant<caf::atom("verify")>;
using violation_atom = caf::atom_constant<caf::atom("violation")>;
using disconn_ip_atom = caf::atom_constant<caf::atom("disconnip")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;

// registry
using register_atom = caf::atom_constant<caf::atom("register")>;
using track_atom = caf::atom_constant<caf::atom("track")>;
using broadcast_atom = caf::atom_constant<caf::atom("broadcast")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

// supervisor
using dial_atom = caf::atom_constant<caf::atom("dial")>;
using dialed_atom = caf::atom_constant<caf::atom("dialed")>;
using lost_atom = caf::atom_constant<caf::atom("lost")>;
using up_atom = caf::atom_constant<caf::atom("up")>;
using peer_addrs_atom = caf::atom_constant<caf::atom("peeraddrs")>;
using autodial_atom = caf::atom_constant<caf::atom("autodial")>;

// discovery
using getaddr_atom = caf::atom_constant<caf::atom("getaddr")>;
using disc_tick_atom = caf::atom_constant<caf::atom("disctick")>;
using feeler_atom = caf::atom_constant<caf::atom("feeler")>;
using save_atom = caf::atom_constant<caf::atom("save")>;
using seeds_atom = caf::atom_constant<caf::atom("seeds")>;
using learned_atom = caf::atom_constant<caf::atom("learned")>;

// masternodes
using mn_offer_atom = caf::atom_constant<caf::atom("mnoffer")>;
using mn_relay_atom = caf::atom_constant<caf::atom("mnrelay")>;
using getmn_atom = caf::atom_constant<caf::atom("getmn")>;
using mn_in_atom = caf::atom_constant<caf::atom("mnin")>;
using mn_changed_atom = caf::atom_constant<caf::atom("mnchanged")>;
using mn_tick_atom = caf::atom_constant<caf::atom("mntick")>;
using announce_atom = caf::atom_constant<caf::atom("announce")>;
using mn_actor_atom = caf::atom_constant<caf::atom("mnactor")>;

/// A connection that completed its handshake, as it registers itself.
struct conn_record {
  peer_entry entry;
  std::shared_ptr<conn_stats> stats;
  /// The address we dialled ("host:port"), empty for inbound connections.
  std::string target;
  /// The node id (hex) of the side that dialled this connection.
  std::string dialer_id;
  std::string user_agent;
  /// How the connection came to be.
  conn_type type = conn_type::inbound;
};

/// A frame payload shared between the actors that send it (broadcast).
using shared_message = std::shared_ptr<const proto::message>;

} // namespace timecoin

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::conn_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::gossip_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::shared_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::proto::message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::proto::gossip)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::proto::masternodes)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(timecoin::proto::reject_code)
