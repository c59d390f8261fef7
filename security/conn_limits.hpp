#pragma once

// Connection slots (docs/PROTOCOL.md, "Handshake", REJECT 6 and 7):
// `maxconnections` in total, at most `maxconnectionsperip` inbound from one
// address and `max_per_group` from one network (/24 IPv4, /48 IPv6), at most 10
// new inbound connections per address and 40 per network per minute.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "protocol/messages.hpp"
#include "security/subnet.hpp"

namespace timecoin::security {

/// Inbound connections one address may hold at once (`maxconnectionsperip`).
constexpr uint32_t default_max_connections_per_ip = 3;
/// New inbound connections one address may open per minute; a reconnecting
/// honest node needs one, a connect-and-drop loop far more.
constexpr uint32_t default_max_new_per_ip_per_minute = 10;
/// Inbound connections one network (/24 IPv4, /48 IPv6) may hold at once:
/// an attacker with many addresses in one network takes a few slots, not
/// every slot.
constexpr uint32_t default_max_connections_per_group = 8;
/// New inbound connections one network may open per minute.
constexpr uint32_t default_max_new_per_group_per_minute = 40;
/// The window of the limits above.
constexpr auto new_connection_window = std::chrono::minutes{1};
/// Slots inbound connections can never take, so that a flood of inbound
/// peers cannot stop the node from dialling out (an eclipse attack). At most
/// half of `max_total`.
constexpr uint32_t default_reserved_outbound = 8;

/// Counts open connections and recent inbound attempts, and decides whether
/// one more may open. Time is injected (steady clock).
///
/// - The total (`maxconnections`) counts inbound and outbound alike.
/// - Inbound may use at most `max_total - reserved_outbound` slots.
/// - The per-address limits apply to inbound only: outbound connections are
///   the node's own choice, and a peer does not become hostile because we
///   dialled it twice (docs/PROTOCOL.md, "Handshake" keeps one connection per
///   node anyway).
/// - Every inbound attempt counts towards the per-minute limit, refused or
///   not, so an address hammering the port stays refused until it slows down.
/// - `exempt` (whitelisted addresses) skips the per-address limits; the
///   total still applies.
class conn_limits {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// The outcome of `try_open`.
  enum class admit_result : uint8_t {
    ok = 0,
    no_free_slot = 1,        ///< the node is full (REJECT 6)
    too_many_from_ip = 2,    ///< the address holds its share (REJECT 6)
    too_frequent = 3,        ///< the address connects too often (REJECT 7)
    too_many_from_group = 4, ///< its network holds its share (REJECT 6)
    group_too_frequent = 5,  ///< its network connects too often (REJECT 7)
  };

  /// `max_new_per_ip_per_minute` 0 refuses every non-exempt inbound
  /// connection; `reserved_outbound` is cut to half of `max_total`.
  conn_limits(uint32_t max_total,
              uint32_t max_per_ip = default_max_connections_per_ip,
              uint32_t max_new_per_ip_per_minute
              = default_max_new_per_ip_per_minute,
              uint32_t reserved_outbound = default_reserved_outbound,
              uint32_t max_per_group = default_max_connections_per_group,
              uint32_t max_new_per_group_per_minute
              = default_max_new_per_group_per_minute);

  /// Asks for a slot for a connection with `ip`. On `ok` the slot is taken
  /// and must be given back with `close(ip, inbound)`.
  admit_result try_open(const ip_address& ip, bool inbound, time_point now,
                        bool exempt = false);

  /// Gives back a slot taken by `try_open`. A close without an open is
  /// ignored (the counts never underflow).
  void close(const ip_address& ip, bool inbound);

  /// Forgets inbound attempts older than the window and addresses with no
  /// connection and no recent attempt. Call it periodically (every minute).
  void expire(time_point now);

  uint32_t total() const noexcept { return inbound_ + outbound_; }
  uint32_t inbound() const noexcept { return inbound_; }
  uint32_t outbound() const noexcept { return outbound_; }
  /// Open inbound connections from `ip`.
  uint32_t inbound_from(const ip_address& ip) const;
  /// Open inbound connections from the network of `ip`.
  uint32_t inbound_from_group(const ip_address& ip) const;
  /// Addresses and networks with state kept (open connections or recent
  /// attempts).
  std::size_t tracked() const noexcept {
    return by_address_.size() + by_group_.size();
  }

  uint32_t max_total() const noexcept { return max_total_; }
  /// Slots inbound may use: `max_total` less the outbound reservation.
  uint32_t max_inbound() const noexcept { return max_inbound_; }

private:
  struct address_state {
    uint32_t open = 0; ///< inbound connections open
    /// Recent inbound attempts, oldest first; at most the per-minute limit
    /// (a vector: an empty deque would cost ~600 bytes per address).
    std::vector<time_point> tries;
  };

  void drop_old_tries(address_state& s, time_point now) const;
  /// Records an attempt in `s`; true if it had `max` recent ones already.
  bool note_try(address_state& s, time_point now, uint32_t max) const;
  void
  release(std::unordered_map<ip_address, address_state, ip_address_hash>& map,
          const ip_address& key);

  uint32_t max_total_;
  uint32_t max_inbound_;
  uint32_t max_per_ip_;
  uint32_t max_new_per_minute_;
  uint32_t max_per_group_;
  uint32_t max_new_per_group_;
  uint32_t inbound_ = 0;
  uint32_t outbound_ = 0;
  std::unordered_map<ip_address, address_state, ip_address_hash> by_address_;
  /// Keyed by the network's first address (`network_of`).
  std::unordered_map<ip_address, address_state, ip_address_hash> by_group_;
};

/// The network `ip` belongs to for the per-network limits: its /24 (IPv4)
/// or /48 (IPv6), as the network's first address.
ip_address network_of(const ip_address& ip);

/// "ok", "no_free_slot", "too_many_from_ip", "too_frequent".
std::string_view to_string(conn_limits::admit_result r) noexcept;

} // namespace timecoin::security
