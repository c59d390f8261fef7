// The masternode list (docs/PROTOCOL.md, "Masternodes"): the kind-9 payload
// codec and the checks an announcement passes before it is listed.

#include "actors/masternode_list.hpp"

#include <algorithm>
#include <limits>

#include "protocol/codec_detail.hpp"
#include "security/envelope.hpp"
#include "security/subnet.hpp"

namespace timecoin {

namespace {

/// Fields of the kind-9 payload; a shorter array is malformed, elements past
/// them are ignored (the extension rule of message bodies).
constexpr std::size_t announcement_fields = 5;

/// `a + b`, clamped to the range of int64 (`now` is ours, but the bounds
/// must not wrap whatever it is).
int64_t saturating_add(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b)
    return std::numeric_limits<int64_t>::max();
  if (b < 0 && a < std::numeric_limits<int64_t>::min() - b)
    return std::numeric_limits<int64_t>::min();
  return a + b;
}

/// True if the newest announcement at `announced` has expired at `now`.
bool is_expired(int64_t announced, int64_t now) {
  return announced < saturating_add(now, -masternode_expiry_seconds);
}

bool same_id(const proto::bytes& sender, const proto::hash256& node_id) {
  return sender.size() == node_id.size()
         && std::equal(sender.begin(), sender.end(), node_id.begin());
}

/// The collateral checks, in order: unspent, large enough, owned by the node.
announcement_verdict check_collateral(const masternode_announcement& a,
                                      const coin_lookup& lookup) {
  if (!lookup)
    return announcement_verdict::no_collateral;
  auto coin = lookup(a.collateral_txid, a.collateral_vout);
  if (!coin)
    return announcement_verdict::no_collateral;
  if (coin->value < masternode_collateral)
    return announcement_verdict::too_small;
  if (coin->owner != a.node_id)
    return announcement_verdict::wrong_owner;
  return announcement_verdict::accepted;
}

} // namespace

proto::bytes encode_announcement(const masternode_announcement& a) {
  proto::bytes out;
  out.reserve(128);
  proto::detail::byte_sink sink{out};
  proto::detail::packer pk{sink};
  pk.pack_array(announcement_fields);
  proto::detail::pack_bin(pk, a.node_id);
  proto::detail::pack_str(pk, a.host);
  pk.pack(a.port);
  proto::detail::pack_bin(pk, a.collateral_txid);
  pk.pack(a.collateral_vout);
  return out;
}

std::optional<masternode_announcement>
decode_announcement(const proto::bytes& payload) {
  using proto::detail::field_path;
  using proto::detail::record;
  try {
    // Refuses invalid MessagePack, trailing bytes, declared lengths the data
    // cannot hold and deep nesting, as for whole messages.
    proto::detail::zone_scope scope;
    const auto obj = proto::detail::parse_one(scope.zone(), payload.data(),
                                              payload.size());
    const field_path root{nullptr, "announcement"};
    const auto r = record::lenient(obj, root);
    if (r.at(announcement_fields - 1) == nullptr)
      return std::nullopt;
    masternode_announcement a;
    r.read(0, "node_id", a.node_id);
    r.read(1, "host", a.host);
    r.read(2, "port", a.port);
    r.read(3, "collateral_txid", a.collateral_txid);
    r.read(4, "collateral_vout", a.collateral_vout);
    if (a.port == 0 || !security::ip_address::parse(a.host))
      return std::nullopt;
    return a;
  } catch (...) {
    // field_failure from the readers; bad_alloc should memory run out.
    return std::nullopt;
  }
}

const char* to_string(announcement_verdict v) {
  switch (v) {
    case announcement_verdict::accepted: return "accepted";
    case announcement_verdict::malformed: return "malformed";
    case announcement_verdict::wrong_sender: return "wrong_sender";
    case announcement_verdict::bad_signature: return "bad_signature";
    case announcement_verdict::no_collateral: return "no_collateral";
    case announcement_verdict::too_small: return "too_small";
    case announcement_verdict::wrong_owner: return "wrong_owner";
    case announcement_verdict::expired: return "expired";
    case announcement_verdict::not_newer: return "not_newer";
    case announcement_verdict::list_full: return "list_full";
  }
  return "unknown";
}

masternode_list::masternode_list(uint32_t magic) : magic_(magic) {}

announcement_verdict masternode_list::offer(const proto::gossip& envelope,
                                            int64_t now,
                                            const coin_lookup& lookup,
                                            bool check_signature,
                                            int64_t max_future) {
  // Another kind's payload is not an announcement, whatever it decodes as.
  if (envelope.kind != gossip_kind_masternode)
    return announcement_verdict::malformed;
  auto ann = decode_announcement(envelope.payload);
  if (!ann)
    return announcement_verdict::malformed;
  if (!same_id(envelope.sender, ann->node_id))
    return announcement_verdict::wrong_sender;
  if (is_expired(envelope.timestamp, now)
      || envelope.timestamp > saturating_add(now, max_future))
    return announcement_verdict::expired;
  auto key = proto::to_hex(ann->node_id);
  auto listed = entries_.find(key);
  if (listed != entries_.end()
      && envelope.timestamp <= listed->second.announced)
    return announcement_verdict::not_newer;
  if (check_signature && !security::verify_signature(magic_, envelope))
    return announcement_verdict::bad_signature;
  if (auto v = check_collateral(*ann, lookup);
      v != announcement_verdict::accepted)
    return v;
  if (listed == entries_.end()) {
    if (entries_.size() >= max_masternode_list)
      return announcement_verdict::list_full;
    masternode_entry e;
    e.first_seen = now;
    listed = entries_.emplace(std::move(key), std::move(e)).first;
  }
  auto& entry = listed->second;
  entry.ann = std::move(*ann);
  entry.envelope = envelope;
  entry.announced = envelope.timestamp;
  return announcement_verdict::accepted;
}

std::size_t masternode_list::expire(int64_t now) {
  std::size_t dropped = 0;
  for (auto i = entries_.begin(); i != entries_.end();) {
    if (is_expired(i->second.announced, now)) {
      i = entries_.erase(i);
      ++dropped;
    } else {
      ++i;
    }
  }
  return dropped;
}

std::optional<int64_t> masternode_list::next_expiry() const {
  std::optional<int64_t> oldest;
  for (const auto& kv : entries_)
    if (!oldest || kv.second.announced < *oldest)
      oldest = kv.second.announced;
  if (!oldest)
    return std::nullopt;
  // `is_expired` holds once `now - expiry` is past the announcement.
  return saturating_add(saturating_add(*oldest, masternode_expiry_seconds), 1);
}

std::size_t masternode_list::recheck(const coin_lookup& lookup) {
  std::size_t dropped = 0;
  for (auto i = entries_.begin(); i != entries_.end();) {
    if (check_collateral(i->second.ann, lookup)
        != announcement_verdict::accepted) {
      i = entries_.erase(i);
      ++dropped;
    } else {
      ++i;
    }
  }
  return dropped;
}

bool masternode_list::contains(const std::string& node_id_hex) const {
  return entries_.count(node_id_hex) > 0;
}

std::optional<masternode_entry>
masternode_list::find(const std::string& node_id_hex) const {
  auto i = entries_.find(node_id_hex);
  if (i == entries_.end())
    return std::nullopt;
  return i->second;
}

std::size_t masternode_list::size() const {
  return entries_.size();
}

std::vector<std::string> masternode_list::ids() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_)
    out.push_back(id);
  return out;
}

std::vector<proto::gossip>
masternode_list::announcements(std::size_t max) const {
  std::vector<const masternode_entry*> order;
  order.reserve(entries_.size());
  for (const auto& [id, entry] : entries_)
    order.push_back(&entry);
  // Newest first; equal timestamps by node id (the map's order), so that the
  // answer does not depend on anything but the list.
  std::stable_sort(order.begin(), order.end(),
                   [](const masternode_entry* a, const masternode_entry* b) {
                     return a->announced > b->announced;
                   });
  if (order.size() > max)
    order.resize(max);
  std::vector<proto::gossip> out;
  out.reserve(order.size());
  for (const auto* e : order)
    out.push_back(e->envelope);
  return out;
}

const std::map<std::string, masternode_entry>&
masternode_list::entries() const {
  return entries_;
}

} // namespace timecoin
