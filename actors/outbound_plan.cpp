#include "actors/outbound_plan.hpp"

#include <algorithm>

#include "config/values.hpp"

namespace timecoin {

namespace {

uint32_t count_type(const outbound_view& v, conn_type t) {
  uint32_t n = 0;
  for (const auto& c : v.current)
    n += c.type == t ? 1 : 0;
  return n;
}

bool dialled(const outbound_view& v, const std::string& key) {
  return std::any_of(v.current.begin(), v.current.end(),
                     [&](const outbound_conn& c) { return c.key == key; });
}

} // namespace

std::string planned_dial::key() const {
  book_address a;
  a.host = host;
  a.port = port;
  return a.key();
}

bool is_own_address(const outbound_view& v, const book_address& a) {
  if (!a.node_id.empty() && a.node_id == v.own_id)
    return true;
  return v.own_address && v.own_address->first == a.host
         && v.own_address->second == a.port;
}

std::vector<planned_dial>
plan_outbound(const outbound_view& v, std::vector<std::string>& anchors,
              const std::vector<listed_masternode>& masternodes,
              address_book& book, std::mt19937_64& rng, int64_t now) {
  std::vector<planned_dial> out;
  std::set<std::string> keys;
  for (const auto& c : v.current)
    keys.insert(c.key);
  auto taken = [&](const std::string& key) {
    return keys.count(key) > 0 || v.configured.count(key) > 0;
  };
  auto regular = count_type(v, conn_type::outbound);
  while (!anchors.empty() && regular < v.max_regular) {
    auto addr = parse_peer_address(anchors.back());
    anchors.pop_back();
    if (!addr || taken(addr->to_string()))
      continue;
    out.push_back({addr->host, addr->port, conn_type::outbound});
    keys.insert(addr->to_string());
    ++regular;
  }
  auto mn = count_type(v, conn_type::masternode);
  if (mn < v.max_masternodes) {
    auto choices = masternodes;
    std::shuffle(choices.begin(), choices.end(), rng);
    for (const auto& m : choices) {
      if (mn >= v.max_masternodes)
        break;
      book_address a;
      a.host = m.host;
      a.port = m.port;
      a.node_id = m.node_id;
      if (is_own_address(v, a) || v.connected_ids.count(m.node_id)
          || taken(a.key()))
        continue;
      out.push_back({m.host, m.port, conn_type::masternode});
      keys.insert(a.key());
      ++mn;
    }
  }
  std::set<std::string> groups;
  for (const auto& c : v.current)
    if (c.type != conn_type::feeler)
      groups.insert(c.group);
  for (const auto& d : out)
    groups.insert(network_group(d.host, d.port, v.local));
  auto skip = [&](const book_address& a) {
    return taken(a.key())
           || groups.count(network_group(a.host, a.port, v.local))
           || (!a.node_id.empty() && v.connected_ids.count(a.node_id))
           || is_own_address(v, a);
  };
  while (regular < v.max_regular) {
    auto a = book.select(false, skip, now);
    if (!a)
      break;
    groups.insert(network_group(a->host, a->port, v.local));
    keys.insert(a->key());
    out.push_back({a->host, a->port, conn_type::outbound});
    ++regular;
  }
  return out;
}

std::optional<planned_dial> plan_feeler(const outbound_view& v,
                                        address_book& book, int64_t now) {
  if (count_type(v, conn_type::feeler) > 0
      || count_type(v, conn_type::outbound) < v.max_regular)
    return std::nullopt;
  auto a = book.select(
    true,
    [&](const book_address& b) {
      return dialled(v, b.key()) || v.configured.count(b.key()) > 0
             || is_own_address(v, b)
             || (!b.node_id.empty() && v.connected_ids.count(b.node_id));
    },
    now);
  if (!a)
    return std::nullopt;
  return planned_dial{a->host, a->port, conn_type::feeler};
}

} // namespace timecoin
