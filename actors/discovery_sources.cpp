#include "actors/discovery_sources.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "config/values.hpp"
#include "protocol/printable.hpp"

namespace timecoin {

namespace {

/// A node id in a PEERS entry: empty, or 32 bytes.
constexpr std::size_t node_id_bytes = 32;

} // namespace

std::optional<book_address> from_wire(const proto::peer_address& a,
                                      int64_t now) {
  if (!is_ip_literal(a.host) || a.port == 0)
    return std::nullopt;
  if (!a.node_id.empty() && a.node_id.size() != node_id_bytes)
    return std::nullopt;
  if (a.last_seen > now + max_address_future_seconds || a.last_seen < 0)
    return std::nullopt;
  book_address out;
  out.host = a.host;
  out.port = a.port;
  if (!a.node_id.empty())
    out.node_id = proto::to_hex(a.node_id);
  out.services = a.services;
  out.last_seen = a.last_seen;
  return out;
}

proto::peer_address to_wire(const book_address& a) {
  proto::peer_address out;
  out.host = a.host;
  out.port = a.port;
  if (a.node_id.size() == 2 * node_id_bytes) {
    out.node_id.resize(node_id_bytes);
    if (!proto::from_hex(a.node_id, out.node_id.data(), node_id_bytes))
      out.node_id.clear();
  }
  out.services = a.services;
  out.last_seen = a.last_seen;
  return out;
}

result<std::vector<book_address>, std::string>
parse_discovery_json(const std::string& body, const std::string& network,
                     int64_t now) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::string{"not a JSON object"};
  auto net = doc.find("network");
  if (net == doc.end() || !net->is_string())
    return std::string{"no \"network\""};
  if (net->get<std::string>() != network)
    return std::string{"for another network ("}
           + printable(net->get<std::string>(), 32) + ")";
  auto peers = doc.find("peers");
  if (peers == doc.end() || !peers->is_array())
    return std::string{"no \"peers\" array"};
  std::vector<book_address> out;
  for (const auto& p : *peers) {
    if (out.size() >= max_discoveryurl_peers)
      break;
    if (!p.is_object())
      continue;
    auto host = p.find("host");
    auto port = p.find("port");
    if (host == p.end() || !host->is_string() || port == p.end()
        || !port->is_number_unsigned())
      continue;
    auto port_value = port->get<uint64_t>();
    book_address a;
    a.host = host->get<std::string>();
    if (!is_ip_literal(a.host) || port_value == 0 || port_value > 65535)
      continue;
    a.port = static_cast<uint16_t>(port_value);
    auto id = p.find("node_id");
    if (id != p.end()) {
      if (!id->is_string() || !parse_hex_key(id->get<std::string>()))
        continue;
      a.node_id = *parse_hex_key(id->get<std::string>());
    }
    auto mn = p.find("masternode");
    a.masternode_hint = mn != p.end() && mn->is_boolean() && mn->get<bool>();
    a.last_seen = now;
    out.push_back(std::move(a));
  }
  return out;
}

result<std::vector<book_address>, std::string>
fetch_discovery_url(const std::string& url, const std::string& network,
                    int64_t now) {
  auto u = parse_http_url(url);
  if (!u)
    return std::string{"not an http(s) URL"};
  httplib::Client cli{std::string{u->https ? "https://" : "http://"}
                      + u->where.to_string()};
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                discoveryurl_timeout)
                .count();
  cli.set_connection_timeout(secs, 0);
  cli.set_read_timeout(secs, 0);
  cli.set_write_timeout(secs, 0);
  cli.set_follow_location(false);
  std::string body;
  bool too_large = false;
  auto deadline = std::chrono::steady_clock::now() + discoveryurl_timeout;
  bool late = false;
  auto res = cli.Get(
    u->path, httplib::Headers{},
    [&](const httplib::Response& r) { return r.status == 200; },
    [&](const char* data, std::size_t n) {
      if (body.size() + n > max_discoveryurl_body) {
        too_large = true;
        return false;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        late = true; // a server that trickles bytes
        return false;
      }
      body.append(data, n);
      return true;
    });
  if (too_large)
    return std::string{"answer over 1 MiB"};
  if (late)
    return std::string{"no answer within 10 s"};
  if (!res)
    return std::string{"request failed: "} + httplib::to_string(res.error());
  if (res->status != 200)
    return std::string{"HTTP status "} + std::to_string(res->status);
  return parse_discovery_json(body, network, now);
}

result<std::vector<book_address>, std::string>
resolve_dns_seed(const std::string& name, uint16_t port, int64_t now) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (rc != 0)
    return std::string{::gai_strerror(rc)};
  std::vector<book_address> out;
  for (auto* ai = found; ai && out.size() < max_dnsseed_addresses;
       ai = ai->ai_next) {
    char host[NI_MAXHOST];
    if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, nullptr,
                      0, NI_NUMERICHOST)
        != 0)
      continue;
    book_address a;
    a.host = host;
    a.port = port;
    a.last_seen = now;
    bool dup = false;
    for (const auto& b : out)
      dup = dup || b.host == a.host;
    if (!dup)
      out.push_back(std::move(a));
  }
  ::freeaddrinfo(found);
  return out;
}

} // namespace timecoin
