#pragma once

// Two nodes in one actor system over loopback TCP (TLS or not), and the
// measurement of frames sent from one to the other.

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/context.hpp"
#include "actors/node.hpp"
#include "bench/bench_report.hpp"

namespace timecoin::bench {

/// Node B is a whole node (`spawn_node`, listening on a free loopback port).
/// Node A's side is its connection actor, dialled to B exactly as A's
/// supervisor dials (a connected socket handed to `spawn_on_socket`), with a
/// stand-in registry that hands the benchmark the connection's handle.
class node_pair {
public:
  /// Starts both sides and waits until the handshake is done on both.
  /// Throws `std::runtime_error` if that does not happen within 10 s.
  node_pair(caf::actor_system& sys, bool tls, const std::string& tag);
  /// Says BYE on A's connection, stops node B and waits for it.
  ~node_pair();
  node_pair(const node_pair&) = delete;
  node_pair& operator=(const node_pair&) = delete;

  /// A's connection actor to B.
  const caf::actor& conn() const { return conn_; }

  /// Messages B's connection has received and decoded so far (its
  /// `peer_info::messages_received`, handshake messages included).
  uint64_t received();

  bool tls() const { return tls_; }

  /// Counters of A's connection (`messages_sent`: frames encoded).
  const conn_stats& sender_stats() const { return *sender_stats_; }

private:
  caf::actor_system& sys_;
  bool tls_;
  std::string dir_;
  node_handle b_;
  caf::actor tap_;
  caf::actor conn_;
  std::shared_ptr<conn_stats> sender_stats_;
};

/// Sends `frames` copies of `msg` from A to B through A's connection, one
/// `send_atom` CAF message (a shared_message) per frame as the registry's
/// send and broadcast do, and measures from the first send until B has
/// decoded the last frame. Gives up after `timeout` (the row then says how
/// many arrived).
result_row run_node_throughput(node_pair& pair, const proto::message& msg,
                               uint64_t frames,
                               std::chrono::milliseconds timeout);

} // namespace timecoin::bench
