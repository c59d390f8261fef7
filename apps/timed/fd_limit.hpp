#pragma once

// timed's open-file budget: how many descriptors `maxconnections` needs, how
// many connections fit in what the system grants, and raising the soft
// RLIMIT_NOFILE towards the hard one, as bitcoind does at start.

#include <cstdint>
#include <string>

namespace timecoin {

/// Descriptors timed holds besides its peer connections: stdin/out/err, the
/// log file while it rotates, LMDB's data and lock files, the data-directory
/// lock, the ban list and its journal while written, the node key, CAF's
/// multiplexer (epoll, its wake-up pipe), the P2P listener, the RPC listener
/// and the connections its threads serve or queue, OpenSSL's and libsodium's
/// random device. About 30 are counted; the rest is room for what a library
/// opens unannounced (bitcoind keeps 150 for the same purpose).
constexpr uint64_t reserved_fds = 100;
/// Handshakes the listener admits on top of `maxconnections` (as
/// `pending_connection_slack` in actors/supervisor.cpp): one socket each.
constexpr uint64_t pending_handshake_fds = 16;

/// Descriptors a node with `maxconnections` peers needs at most.
uint64_t fds_needed(uint32_t maxconnections);

/// The connections that fit in `available` descriptors: `maxconnections`
/// if enough, fewer if not, 0 if not even one does.
uint32_t connections_within(uint64_t available, uint32_t maxconnections);

/// The soft and hard RLIMIT_NOFILE before and after `raise_fd_limit`.
/// `RLIM_INFINITY` is reported as UINT64_MAX.
struct fd_limit {
  uint64_t soft_before = 0;
  uint64_t soft = 0; ///< in force now
  uint64_t hard = 0;
  int error = 0; ///< errno of a failed getrlimit/setrlimit, else 0
};

/// Raises the soft RLIMIT_NOFILE to `wanted`, or to the hard limit if that
/// is lower; never lowers it.
fd_limit raise_fd_limit(uint64_t wanted);

/// What timed does about the open-file limit at start.
struct fd_decision {
  /// Connections to allow: the configured number, or fewer. 0: not even
  /// one fits, and timed refuses to start.
  uint32_t maxconnections = 0;
  /// One line for the log, empty if there is nothing to say: the limit was
  /// raised (info), or maxconnections reduced or impossible (warn/error).
  std::string message;
  bool reduced = false; ///< `maxconnections` is below the configured number
};

/// The decision for `configured` connections given `limit` (pure; the log
/// text names the limits and what to change).
fd_decision decide_fd_budget(uint32_t configured, const fd_limit& limit);

} // namespace timecoin
