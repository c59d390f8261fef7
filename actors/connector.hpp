#pragma once

// Outbound TCP connects with a timeout, off the multiplexer thread
// (CAF 0.17's own connect blocks the multiplexer with no timeout).

#include <chrono>
#include <cstdint>
#include <string>

#include "protocol/result.hpp"

namespace timecoin {

/// A connect that takes longer than this fails.
constexpr auto connect_timeout = std::chrono::seconds{5};

/// "host:port" split into its parts; IPv6 as "[addr]:port".
struct host_port {
  std::string host;
  uint16_t port = 0;
};

/// Parses "host:port", "[v6]:port"; an error names what is wrong.
result<host_port, std::string> parse_host_port(const std::string& text);

/// Resolves `host` and connects with a non-blocking socket, waiting at most
/// `timeout`. Returns the connected socket, or why it failed.
result<int, std::string> connect_with_timeout(const host_port& where,
                                              std::chrono::milliseconds timeout);

} // namespace timecoin
