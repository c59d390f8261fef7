#include "config/settings.hpp"

#include <algorithm>

#include "config/values.hpp"
#include "protocol/printable.hpp"

namespace timecoin {

namespace {

/// More connections than this would exhaust a process's usual 1024 file
/// descriptors many times over; a typo rather than a plan.
constexpr uint64_t max_connections_limit = 10'000;
/// Signed messages older than a day are never worth accepting.
constexpr uint64_t max_message_age_limit = 86'400;
/// Per-peer request budget ceiling; more is the same as no limit.
constexpr uint64_t max_requests_per_second_limit = 1'000'000;
/// Relaying gossip to more peers than this is a broadcast storm.
constexpr uint64_t max_gossip_fanout = 1'000;

using apply_result = result<void, config_error>;

template <bool node_config::*Field>
apply_result apply_bool(const std::string& value, const std::string& where,
                        node_config& cfg) {
  auto b = parse_bool(value);
  if (!b)
    return bad_value(where, value, "a boolean (0, 1, true or false)");
  cfg.*Field = *b;
  return {};
}

template <uint32_t node_config::*Field, uint64_t Min, uint64_t Max>
apply_result apply_uint(const std::string& value, const std::string& where,
                        node_config& cfg) {
  auto n = parse_uint(value, Min, Max);
  if (!n)
    return bad_value(where, value,
                     "a whole number from " + std::to_string(Min) + " to "
                       + std::to_string(Max));
  cfg.*Field = static_cast<uint32_t>(*n);
  return {};
}

/// Repeatable `host:port` keys: an empty value clears the list.
template <std::vector<std::string> node_config::*Field>
apply_result apply_peer(const std::string& value, const std::string& where,
                        node_config& cfg) {
  if (value.empty()) {
    (cfg.*Field).clear();
    return {};
  }
  auto addr = parse_peer_address(value);
  if (!addr)
    return bad_value(where, value,
                     "host:port (IPv4:port, [IPv6]:port or hostname:port)");
  (cfg.*Field).push_back(addr->to_string());
  return {};
}

/// `whitelist`: an IP address or a CIDR subnet ("10.0.0.0/8",
/// "2001:db8::/32"); repeatable, an empty value clears the list.
apply_result apply_whitelist(const std::string& value, const std::string& where,
                             node_config& cfg) {
  if (value.empty()) {
    cfg.whitelist.clear();
    return {};
  }
  auto slash = value.find('/');
  auto addr = value.substr(0, slash);
  bool ok = is_ip_literal(addr);
  if (ok && slash != std::string::npos) {
    auto max_prefix = is_ipv4_literal(addr) ? 32u : 128u;
    ok = parse_uint(value.substr(slash + 1), 0, max_prefix).has_value();
  }
  if (!ok)
    return bad_value(where, value,
                     "an IP address or subnet (1.2.3.4, 10.0.0.0/8, "
                     "2001:db8::/32)");
  cfg.whitelist.push_back(value);
  return {};
}

/// `bind`, `rpcbind` and `metricsbind`: an IP address ("0.0.0.0", "::",
/// "[::1]").
template <std::string node_config::*Field>
apply_result apply_bind(const std::string& value, const std::string& where,
                        node_config& cfg) {
  std::string addr = value;
  if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']')
    addr = addr.substr(1, addr.size() - 2);
  if (!is_ip_literal(addr))
    return bad_value(where, value, "an IP address");
  cfg.*Field = addr;
  return {};
}

template <std::string node_config::*Field>
apply_result apply_text(const std::string& value, const std::string&,
                        node_config& cfg) {
  cfg.*Field = value;
  return {};
}

apply_result apply_devnet(const std::string& value, const std::string& where,
                          node_config& cfg) {
  auto b = parse_bool(value);
  if (!b)
    return bad_value(where, value, "a boolean (0, 1, true or false)");
  // devnet=0 leaves the network as it is: devnet is the default, and
  // mainnet cannot be chosen yet (its genesis is not defined).
  if (*b)
    cfg.net = proto::network::devnet;
  return {};
}

apply_result apply_testnet(const std::string& value, const std::string& where,
                           node_config& cfg) {
  auto b = parse_bool(value);
  if (!b)
    return bad_value(where, value, "a boolean (0, 1, true or false)");
  if (*b)
    cfg.net = proto::network::testnet;
  else if (cfg.net == proto::network::testnet)
    cfg.net = proto::network::devnet;
  return {};
}

apply_result apply_port(const std::string& value, const std::string& where,
                        node_config& cfg) {
  // 0: any free port; the bound one is in the startup line and RPC.
  auto port = parse_port(value, true);
  if (!port)
    return bad_value(where, value, "a port number (0-65535)");
  cfg.port = *port;
  cfg.port_set = true;
  return {};
}

apply_result apply_rpcport(const std::string& value, const std::string& where,
                           node_config& cfg) {
  // No 0 here: time-cli could not find a server on a random port.
  auto port = parse_port(value);
  if (!port)
    return bad_value(where, value, "a port number (1-65535)");
  cfg.rpcport = *port;
  return {};
}

apply_result apply_metricsport(const std::string& value,
                               const std::string& where, node_config& cfg) {
  // 0: metrics are not served (the default).
  auto port = parse_port(value, true);
  if (!port)
    return bad_value(where, value, "a port number (0-65535)");
  cfg.metricsport = *port;
  return {};
}

apply_result apply_externalip(const std::string& value,
                              const std::string& where, node_config& cfg) {
  if (!value.empty() && !is_ip_literal(value) && !is_hostname(value)
      && !parse_peer_address(value))
    return bad_value(where, value, "an IP address or host name");
  cfg.externalip = value;
  return {};
}

/// `connect`: like `addnode`, and any `connect=` (even `connect=0`, which
/// dials nobody) turns automatic outbound connections off, as in bitcoind.
apply_result apply_connect(const std::string& value, const std::string& where,
                           node_config& cfg) {
  cfg.connect_only = true;
  if (value.empty() || value == "0") {
    cfg.connect.clear();
    return {};
  }
  return apply_peer<&node_config::connect>(value, where, cfg);
}

/// `dnsseed`: a host name; repeatable, an empty value clears the list.
apply_result apply_dnsseed(const std::string& value, const std::string& where,
                           node_config& cfg) {
  if (value.empty()) {
    cfg.dnsseed.clear();
    return {};
  }
  if (!is_hostname(value) || is_ip_literal(value))
    return bad_value(where, value, "a DNS name");
  cfg.dnsseed.push_back(value);
  return {};
}

/// `discoveryurl`: an http:// or https:// URL with a host.
apply_result apply_discoveryurl(const std::string& value,
                                const std::string& where, node_config& cfg) {
  if (!value.empty() && !parse_http_url(value))
    return bad_value(where, value,
                     "an http:// or https:// URL (https://host[:port]/path)");
  cfg.discoveryurl = value;
  return {};
}

/// `masternodecollateral`: "<txid hex>:<vout>".
apply_result apply_collateral(const std::string& value,
                              const std::string& where, node_config& cfg) {
  if (!value.empty() && !parse_outpoint(value))
    return bad_value(where, value,
                     "an output <txid>:<vout> (64 hex characters, a colon, "
                     "a number)");
  cfg.masternodecollateral = value;
  return {};
}

apply_result apply_rpcconnect(const std::string& value,
                              const std::string& where, node_config& cfg) {
  if (!is_ip_literal(value) && !is_hostname(value))
    return bad_value(where, value, "an IP address or host name");
  cfg.rpcconnect = value;
  return {};
}

apply_result apply_producer(const std::string& value, const std::string& where,
                            node_config& cfg) {
  if (value.empty()) {
    cfg.producer.clear();
    return {};
  }
  auto key = parse_hex_key(value);
  if (!key)
    return bad_value(where, value, "a public key (64 hex characters)");
  cfg.producer.push_back(*key);
  return {};
}

apply_result apply_debug(const std::string& value, const std::string& where,
                         node_config& cfg) {
  auto level = parse_log_level(value);
  if (!level)
    return bad_value(where, value,
                     "a log level (trace, debug, info, warn, error, critical, "
                     "off, 0 or 1)");
  cfg.debug = *level;
  return {};
}

std::vector<setting_info> make_settings() {
  using nc = node_config;
  // clang-format off
  return {
    {"conf", "<file>", "<datadir>/time.conf", "file to read",
     false, false, true, nullptr},
    {"help", "", "", "print this help and exit", false, true, true, nullptr},
    {"version", "", "", "print the version and exit",
     false, true, true, nullptr},
    {"devnet", "<0|1>", "1", "join the local development network",
     false, true, false, apply_devnet},
    {"testnet", "<0|1>", "0", "join the test network",
     false, true, false, apply_testnet},
    {"datadir", "<dir>", "./data/<network>",
     "node key, .cookie, time.conf",
     false, false, false, apply_text<&nc::datadir>},
    {"listen", "<0|1>", "1", "accept inbound connections",
     false, true, false, apply_bool<&nc::listen>},
    {"bind", "<ip>", "127.0.0.1", "address the P2P listener binds",
     false, false, false, apply_bind<&nc::bind>},
    {"port", "<port>", "24200; testnet 24100",
     "P2P port, 0: any free", false, false, false, apply_port},
    {"externalip", "<host>", "", "address announced to peers",
     false, false, false, apply_externalip},
    {"maxconnections", "<n>", "125", "connections in total, in and out",
     false, false, false,
     apply_uint<&nc::maxconnections, 1, max_connections_limit>},
    {"maxconnectionsperip", "<n>", "3", "inbound connections from one address",
     false, false, false,
     apply_uint<&nc::maxconnectionsperip, 1, max_connections_limit>},
    {"whitelist", "<ip|cidr>", "",
     "exempt from rate limits and automatic bans (repeatable)",
     true, false, false, apply_whitelist},
    {"addnode", "<host:port>", "",
     "peer to dial and keep re-dialling (repeatable)",
     true, false, false, apply_peer<&nc::addnode>},
    {"masternodepeer", "<host:port>", "",
     "masternode peer, dialled first (repeatable)",
     true, false, false, apply_peer<&nc::masternode_peers>},
    {"connect", "<host:port>", "",
     "dial only these; 0: none, no automatic outbound (repeatable)",
     true, false, false, apply_connect},
    {"seednode", "<host:port>", "",
     "dial once to learn addresses, then leave (repeatable)",
     true, false, false, apply_peer<&nc::seednode>},
    {"dnsseed", "<name>", "",
     "DNS name listing peers at the P2P port (repeatable)",
     true, false, false, apply_dnsseed},
    {"discoveryurl", "<url>", "",
     "HTTP(S) discovery service asked for peers",
     false, false, false, apply_discoveryurl},
    {"maxoutbound", "<n>", "8", "automatic outbound connections to peers",
     false, false, false,
     apply_uint<&nc::maxoutbound, 0, max_connections_limit>},
    {"maxoutboundmasternodes", "<n>", "8",
     "automatic outbound connections to masternodes, on top",
     false, false, false,
     apply_uint<&nc::maxoutboundmasternodes, 0, max_connections_limit>},
    {"tls", "<0|1>", "1", "TLS 1.3 on every connection",
     false, true, false, apply_bool<&nc::tls>},
    {"masternode", "<0|1>", "0", "run as a masternode (services bit 1)",
     false, true, false, apply_bool<&nc::masternode>},
    {"masternodecollateral", "<txid:vout>", "",
     "the masternode's collateral output (1,000 TIME)",
     false, false, false, apply_collateral},
    {"fastsync", "<0|1>", "0",
     "catch up from a UTXO snapshot after checking the headers",
     false, true, false, apply_bool<&nc::fastsync>},
    {"producer", "<hex>", "",
     "block producer public key (repeatable)",
     true, false, false, apply_producer},
    {"gossip_fanout", "<n>", "8", "peers each gossip message is relayed to",
     false, false, false, apply_uint<&nc::gossip_fanout, 1, max_gossip_fanout>},
    {"enable_message_signing", "<0|1>", "1", "sign and verify gossip",
     false, true, false, apply_bool<&nc::enable_message_signing>},
    {"message_max_age_seconds", "<s>", "300",
     "older signed messages are dropped", false, false, false,
     apply_uint<&nc::message_max_age_seconds, 1, max_message_age_limit>},
    {"enable_rate_limiting", "<0|1>", "1", "per-peer and per-IP rate limits",
     false, true, false, apply_bool<&nc::enable_rate_limiting>},
    {"max_requests_per_second", "<n>", "1000", "per-peer request budget",
     false, false, false,
     apply_uint<&nc::max_requests_per_second, 1, max_requests_per_second_limit>},
    {"server", "<0|1>", "1", "start the JSON-RPC server",
     false, true, false, apply_bool<&nc::server>},
    {"rpcbind", "<ip>", "127.0.0.1", "address the JSON-RPC server binds",
     false, false, false, apply_bind<&nc::rpcbind>},
    {"rpcport", "<port>", "24201; testnet 24101", "JSON-RPC port",
     false, false, false, apply_rpcport},
    {"rpcconnect", "<host>", "127.0.0.1", "node time-cli talks to",
     false, false, false, apply_rpcconnect},
    {"metricsport", "<port>", "0", "Prometheus metrics port, 0: off",
     false, false, false, apply_metricsport},
    {"metricsbind", "<ip>", "127.0.0.1", "address the metrics server binds",
     false, false, false, apply_bind<&nc::metricsbind>},
    {"debug", "<level>", "info",
     "trace debug info warn error off; 1=debug",
     false, true, false, apply_debug},
    {"debuglogfile", "<file>", "",
     "also log to this file (relative to datadir)",
     false, false, false, apply_text<&nc::debuglogfile>},
  };
  // clang-format on
}

} // namespace

const std::vector<setting_info>& all_settings() {
  static const std::vector<setting_info> settings = make_settings();
  return settings;
}

const setting_info* find_setting(std::string_view key) {
  const auto& settings = all_settings();
  auto i = std::find_if(settings.begin(), settings.end(),
                        [&](const setting_info& s) { return s.key == key; });
  return i == settings.end() ? nullptr : &*i;
}

config_error bad_value(const std::string& where, const std::string& value,
                       std::string_view what) {
  return config_error{where + ": '" + printable(value) + "' is not "
                      + std::string{what}};
}

} // namespace timecoin
