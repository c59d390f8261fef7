#pragma once

// Outbound TCP connects with a timeout, off the multiplexer thread
// (CAF 0.17's own connect blocks the multiplexer with no timeout).

#include <chrono>
#include <cstdint>
#include <string>

#include "config/values.hpp"
#include "protocol/result.hpp"

namespace timecoin {

/// A connect that takes longer than this fails.
constexpr auto connect_timeout = std::chrono::seconds{5};

/// Resolves `host` and connects with a non-blocking socket, waiting at most
/// `timeout`. Returns the connected socket, or why it failed.
result<int, std::string>
connect_with_timeout(const peer_address& where,
                     std::chrono::milliseconds timeout);

} // namespace timecoin
