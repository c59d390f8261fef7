#pragma once

// Socket plumbing for the node's small HTTP servers (JSON-RPC and metrics):
// a listening socket that refuses to share its port, and sends that never
// block the thread that reads every connection.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace timecoin::rpc {

/// A listening, non-blocking, close-on-exec socket on `host:port` (0: any
/// free port), with SO_REUSEADDR for quick restarts but not SO_REUSEPORT, so
/// that a second daemon cannot bind the same port; -1 if none could be made.
int listen_on(const std::string& host, uint16_t port, int backlog);

/// The port `fd` is bound to; 0 if it cannot be read.
uint16_t bound_port(int fd);

/// Sends what the socket takes now, without blocking: a client that does
/// not read its answer does not stall the caller.
void send_now(int fd, std::string_view text);

/// Makes `fd` blocking with a send timeout of `timeout`, then sends all of
/// `text` unless the timeout or an error ends it first.
void send_all(int fd, std::string_view text, std::chrono::milliseconds timeout);

/// Closes `fd` if it is open (>= 0).
void close_fd(int fd);

} // namespace timecoin::rpc
