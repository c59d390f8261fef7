#include "actors/peer_table.hpp"

namespace timecoin {

bool peer_table::is_connected(const std::string& node_id_hex) const {
  return read(
    [&](const peer_snapshot& s) { return s.by_id.count(node_id_hex) > 0; });
}

std::size_t peer_table::connected_count() const {
  return read([](const peer_snapshot& s) { return s.by_id.size(); });
}

std::vector<std::string> peer_table::connected_peers() const {
  return read([](const peer_snapshot& s) {
    std::vector<std::string> ids;
    ids.reserve(s.by_id.size());
    for (const auto& kv : s.by_id)
      ids.push_back(kv.first);
    return ids;
  });
}

} // namespace timecoin
