#include "actors/address_book.hpp"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "security/subnet.hpp"

namespace timecoin {

namespace {

using json = nlohmann::json;

/// The version of the `peers.json` layout this code writes and reads.
constexpr int book_file_version = 1;
/// The source group of addresses the node itself adds (configuration).
constexpr const char* self_group = "self";
/// An address never connected to is given up after this many attempts.
constexpr uint32_t max_retries = 3;
/// An address that connected once is given up after this many failures...
constexpr uint32_t max_failures = 10;
/// ...made since its last success, which is more than a week (s) ago.
constexpr int64_t min_fail_seconds = 7 * 24 * 3600;
/// An address dialled within the last minute (s) is never replaced.
constexpr int64_t recent_try_protect = 60;
/// An address dialled within 10 minutes (s) is chosen 100 times less often.
constexpr int64_t recent_try_seconds = 10 * 60;
constexpr double recent_try_chance = 0.01;
/// Each failed attempt lowers the chance by a third, at most 8 times (to
/// 1/28), so that an outage does not bury an address for good.
constexpr double failed_attempt_factor = 0.66;
constexpr uint32_t max_penalised_attempts = 8;
/// How much `select` raises its acceptance chance after each refusal.
constexpr double chance_growth = 1.2;

/// Lowercase hex of exactly `bytes` bytes, or nullopt.
std::optional<std::string> lower_hex(const std::string& s, std::size_t bytes) {
  if (s.size() != 2 * bytes)
    return std::nullopt;
  std::string out = s;
  for (auto& c : out) {
    if (c >= 'A' && c <= 'F')
      c = static_cast<char>(c - 'A' + 'a');
    else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return std::nullopt;
  }
  return out;
}

std::string be32(uint64_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

/// Thrown (and caught by `from_json`) for an entry of `peers.json` to skip.
struct malformed_entry {};

/// The integer `name` of `j` in [0, max]; throws for a missing,
/// non-integer, negative or out-of-range value.
int64_t int_field(const json& j, const char* name, uint64_t max) {
  const auto& v = j.at(name);
  if (!v.is_number_unsigned() || v.get<uint64_t>() > max)
    throw malformed_entry{};
  return static_cast<int64_t>(v.get<uint64_t>());
}

/// True for an address not worth keeping when its slot is wanted (Core's
/// IsTerrible).
bool terrible(const book_address& a, int64_t now) {
  if (a.last_try != 0 && a.last_try >= now - recent_try_protect)
    return false;
  if (a.last_seen > now + max_address_future_seconds)
    return true;
  if (now - a.last_seen > address_horizon)
    return true;
  if (a.last_success == 0 && a.attempts >= max_retries)
    return true;
  return now - a.last_success > min_fail_seconds && a.attempts >= max_failures;
}

/// Core's GetChance: the weight `select` gives an address.
double chance(const book_address& a, int64_t now) {
  double c = 1.0;
  if (now - a.last_try < recent_try_seconds)
    c *= recent_try_chance;
  return c
         * std::pow(failed_attempt_factor,
                    std::min(a.attempts, max_penalised_attempts));
}

} // namespace

std::string book_address::key() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

struct address_book::impl {
  struct entry {
    book_address a;
    std::string group;        ///< network_group of the address
    std::string source_group; ///< decides its new bucket
    uint32_t slot = 0;        ///< index in its table (`a.tried` says which)
  };

  std::array<uint8_t, 32> key;
  bool local;
  address_book_limits lim;
  std::mt19937_64 rng;
  std::unordered_map<std::string, entry> entries; ///< by book_address::key
  /// The new ([0]) and tried ([1]) tables: keys, empty for a free slot.
  std::array<std::vector<std::string>, 2> slots;
  std::array<std::size_t, 2> count{}; ///< addresses in each table

  impl(std::array<uint8_t, 32> k, bool loc, uint64_t seed,
       address_book_limits l)
    : key(k), local(loc), lim(l), rng(seed) {
    for (auto* v : {&lim.new_buckets, &lim.tried_buckets, &lim.bucket_size,
                    &lim.new_buckets_per_source, &lim.tried_buckets_per_group})
      *v = std::max<uint32_t>(*v, 1);
    slots[0].resize(std::size_t{lim.new_buckets} * lim.bucket_size);
    slots[1].resize(std::size_t{lim.tried_buckets} * lim.bucket_size);
  }

  /// BLAKE2b keyed with the book's key over the length-prefixed `parts`
  /// (so that no two part lists hash the same text), first 8 bytes.
  uint64_t hash(std::initializer_list<std::string_view> parts) const {
    crypto_generichash_state st;
    crypto_generichash_init(&st, key.data(), key.size(), 32);
    for (auto p : parts) {
      auto len = be32(p.size());
      crypto_generichash_update(
        &st, reinterpret_cast<const unsigned char*>(len.data()), len.size());
      crypto_generichash_update(
        &st, reinterpret_cast<const unsigned char*>(p.data()), p.size());
    }
    unsigned char out[32];
    crypto_generichash_final(&st, out, sizeof out);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= uint64_t{out[i]} << (8 * i);
    return v;
  }

  uint32_t new_bucket(const std::string& g, const std::string& src) const {
    auto h1 = hash({"new1", g, src}) % lim.new_buckets_per_source;
    return static_cast<uint32_t>(hash({"new2", src, be32(h1)})
                                 % lim.new_buckets);
  }

  uint32_t tried_bucket(const std::string& g, const std::string& k) const {
    auto h1 = hash({"tried1", k}) % lim.tried_buckets_per_group;
    return static_cast<uint32_t>(hash({"tried2", g, be32(h1)})
                                 % lim.tried_buckets);
  }

  /// The slot `k` hashes to in `bucket` (its home), and the other slots of
  /// the bucket after it (wrapping), as indices in the table.
  std::vector<uint32_t> probe_order(bool tried, uint32_t bucket,
                                    const std::string& k) const {
    uint32_t home = static_cast<uint32_t>(
      hash({"pos", tried ? "tried" : "new", be32(bucket), k})
      % lim.bucket_size);
    std::vector<uint32_t> order(lim.bucket_size);
    for (uint32_t i = 0; i < lim.bucket_size; ++i)
      order[i] = bucket * lim.bucket_size + (home + i) % lim.bucket_size;
    return order;
  }

  /// Takes `k` out of its table and of the book.
  entry take(std::string k) {
    auto it = entries.find(k);
    entry e = std::move(it->second);
    entries.erase(it);
    slots[e.a.tried][e.slot].clear();
    --count[e.a.tried];
    return e;
  }

  /// Puts `e` (not in the book) in slot `s` of a table, which is free.
  void put(entry e, bool tried, uint32_t s) {
    auto k = e.a.key();
    e.a.tried = tried;
    e.slot = s;
    slots[tried][s] = k;
    ++count[tried];
    entries.emplace(std::move(k), std::move(e));
  }

  /// Puts `e` (not in the book) in the new table: the first free slot of its
  /// bucket from its home slot, else the first one holding a terrible
  /// address, which is dropped. False (and `e` dropped) if the bucket is
  /// full of addresses better kept: one source cannot push others out.
  bool place_new(entry e, int64_t now) {
    const auto& table = slots[0];
    auto order = probe_order(false, new_bucket(e.group, e.source_group),
                             e.a.key());
    auto slot = std::find_if(order.begin(), order.end(),
                             [&](uint32_t s) { return table[s].empty(); });
    if (slot == order.end())
      slot = std::find_if(order.begin(), order.end(), [&](uint32_t s) {
        return terrible(entries.at(table[s]).a, now);
      });
    if (slot == order.end())
      return false;
    if (!table[*slot].empty())
      take(table[*slot]);
    put(std::move(e), false, *slot);
    return true;
  }

  /// Puts `e` (not in the book) in the tried table. When its bucket is full,
  /// the occupant of its home slot goes back to the new table (or is
  /// dropped when there is no room there either).
  void place_tried(entry e, int64_t now) {
    const auto& table = slots[1];
    auto k = e.a.key();
    auto order = probe_order(true, tried_bucket(e.group, k), k);
    auto slot = std::find_if(order.begin(), order.end(),
                             [&](uint32_t s) { return table[s].empty(); });
    uint32_t s = slot == order.end() ? order.front() : *slot;
    if (!table[s].empty())
      place_new(take(table[s]), now);
    put(std::move(e), true, s);
  }

  entry* find(const std::string& host, uint16_t port) {
    auto ip = security::ip_address::parse(host);
    if (!ip)
      return nullptr;
    book_address a;
    a.host = ip->to_string();
    a.port = port;
    auto it = entries.find(a.key());
    return it == entries.end() ? nullptr : &it->second;
  }

  /// The source group of `source_host`: "self" for none, the network group
  /// of an IP literal, and a group per name for anything else.
  std::string source_group(const std::string& source_host) const {
    if (source_host.empty())
      return self_group;
    auto g = network_group(source_host, 0, local);
    return g.empty() ? "n:" + source_host : g;
  }

  /// `a` checked and normalised into an entry, or nullopt if malformed.
  std::optional<entry> make_entry(const book_address& a) const {
    auto ip = security::ip_address::parse(a.host);
    if (!ip || a.port == 0 || a.last_seen < 0)
      return std::nullopt;
    entry e;
    e.a = a;
    e.a.host = ip->to_string();
    if (!a.node_id.empty()) {
      auto id = lower_hex(a.node_id, 32);
      if (!id)
        return std::nullopt;
      e.a.node_id = *id;
    }
    e.group = network_group(*ip, a.port, local);
    return e;
  }

  /// Addresses in slot order, tried table first.
  template <class F>
  void each(F&& f) const {
    for (int t : {1, 0})
      for (const auto& k : slots[t])
        if (!k.empty())
          f(entries.at(k));
  }
};

address_book::address_book(std::array<uint8_t, 32> key, bool local,
                           uint64_t seed, address_book_limits limits)
  : impl_(std::make_unique<impl>(key, local, seed, limits)) {
  // Picks libsodium's fastest BLAKE2b; idempotent, thread-safe.
  [[maybe_unused]] static const bool sodium_ready = sodium_init() >= 0;
}

address_book::~address_book() = default;
address_book::address_book(address_book&&) noexcept = default;
address_book& address_book::operator=(address_book&&) noexcept = default;

bool address_book::add(const book_address& a, const std::string& source_host,
                       int64_t now) {
  auto e = impl_->make_entry(a);
  if (!e || a.last_seen > now + max_address_future_seconds)
    return false;
  auto it = impl_->entries.find(e->a.key());
  if (it != impl_->entries.end()) {
    auto& old = it->second.a;
    old.last_seen = std::max(old.last_seen, e->a.last_seen);
    old.services = e->a.services;
    if (!e->a.node_id.empty())
      old.node_id = e->a.node_id;
    old.masternode_hint |= e->a.masternode_hint;
    return false;
  }
  // The counters belong to the book, not to what a peer says.
  e->a.attempts = 0;
  e->a.last_try = 0;
  e->a.last_success = 0;
  e->source_group = impl_->source_group(source_host);
  return impl_->place_new(std::move(*e), now);
}

void address_book::attempt(const std::string& host, uint16_t port,
                           int64_t now) {
  if (auto* e = impl_->find(host, port)) {
    ++e->a.attempts;
    e->a.last_try = now;
  }
}

void address_book::good(const std::string& host, uint16_t port,
                        const std::string& node_id, uint32_t services,
                        int64_t now) {
  auto& m = *impl_;
  auto connected = [&](book_address& a) {
    a.attempts = 0;
    a.last_success = a.last_seen = now;
    a.services = services;
    if (auto id = lower_hex(node_id, 32))
      a.node_id = *id;
  };
  auto* found = m.find(host, port);
  if (found && found->a.tried) {
    connected(found->a);
    return;
  }
  std::optional<impl::entry> e;
  if (found) {
    e = m.take(found->a.key());
  } else {
    book_address a;
    a.host = host;
    a.port = port;
    if (!(e = m.make_entry(a)))
      return;
    e->source_group = self_group;
  }
  connected(e->a);
  m.place_tried(std::move(*e), now);
}

void address_book::remove(const std::string& host, uint16_t port) {
  if (auto* e = impl_->find(host, port))
    impl_->take(e->a.key());
}

std::optional<book_address>
address_book::select(bool new_only,
                     const std::function<bool(const book_address&)>& skip,
                     int64_t now) {
  auto& m = *impl_;
  bool use_tried = !new_only && m.count[1] > 0
                   && (m.count[0] == 0 || std::bernoulli_distribution{}(m.rng));
  std::vector<const book_address*> cands;
  auto collect = [&](const std::vector<std::string>& table) {
    for (const auto& k : table)
      if (!k.empty()) {
        const auto& a = m.entries.at(k).a;
        if (!skip || !skip(a))
          cands.push_back(&a);
      }
  };
  collect(m.slots[use_tried]);
  if (cands.empty() && !new_only)
    collect(m.slots[!use_tried]);
  if (cands.empty())
    return std::nullopt;
  // Core's loop: a random address, taken with its chance times a factor
  // that grows on each refusal. The smallest chance is above 1/3000, so the
  // factor makes acceptance certain after at most ~45 rounds.
  std::uniform_int_distribution<std::size_t> pick(0, cands.size() - 1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (double factor = 1.0;; factor *= chance_growth) {
    const auto* a = cands[pick(m.rng)];
    if (unit(m.rng) < chance(*a, now) * factor)
      return *a;
  }
}

std::vector<book_address> address_book::sample(std::size_t max, int64_t now,
                                               int64_t max_age) const {
  std::vector<book_address> out;
  impl_->each([&](const impl::entry& e) {
    if (now - e.a.last_seen <= max_age
        && e.a.last_seen <= now + max_address_future_seconds)
      out.push_back(e.a);
  });
  std::size_t n = std::min(max, out.size());
  for (std::size_t i = 0; i < n; ++i) { // partial Fisher-Yates
    std::uniform_int_distribution<std::size_t> d(i, out.size() - 1);
    std::swap(out[i], out[d(impl_->rng)]);
  }
  out.resize(n);
  return out;
}

std::optional<book_address> address_book::find(const std::string& host,
                                               uint16_t port) const {
  auto* e = impl_->find(host, port);
  return e ? std::optional<book_address>{e->a} : std::nullopt;
}

std::size_t address_book::size() const {
  return impl_->entries.size();
}

std::size_t address_book::new_count() const {
  return impl_->count[0];
}

std::size_t address_book::tried_count() const {
  return impl_->count[1];
}

std::size_t address_book::count_group(const std::string& group) const {
  std::size_t n = 0;
  for (const auto& [k, e] : impl_->entries)
    n += e.group == group;
  return n;
}

std::vector<book_address> address_book::all() const {
  std::vector<book_address> out;
  impl_->each([&](const impl::entry& e) { out.push_back(e.a); });
  return out;
}

std::string address_book::to_json() const {
  json addrs = json::array();
  impl_->each([&](const impl::entry& e) {
    const auto& a = e.a;
    addrs.push_back({{"host", a.host},
                     {"port", a.port},
                     {"node_id", a.node_id},
                     {"services", a.services},
                     {"last_seen", a.last_seen},
                     {"attempts", a.attempts},
                     {"last_try", a.last_try},
                     {"last_success", a.last_success},
                     {"tried", a.tried},
                     {"source_group", e.source_group},
                     {"masternode_hint", a.masternode_hint}});
  });
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, impl_->key.data(), impl_->key.size());
  json doc
    = {{"version", book_file_version}, {"key", hex}, {"addresses", addrs}};
  return doc.dump();
}

std::optional<address_book>
address_book::from_json(const std::string& text, bool local, uint64_t seed,
                        std::string& err, int64_t now,
                        address_book_limits limits) {
  auto fail = [&](const char* why) {
    err = why;
    return std::optional<address_book>{};
  };
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return fail("not a JSON object (corrupt or truncated)");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()
      || version->get<int64_t>() != book_file_version)
    return fail("missing or unsupported version (expected 1)");
  auto key_field = doc.find("key");
  std::optional<std::string> key_hex;
  if (key_field != doc.end() && key_field->is_string())
    key_hex = lower_hex(key_field->get<std::string>(), 32);
  if (!key_hex)
    return fail("missing or malformed key (expected 64 hex digits)");
  auto addrs = doc.find("addresses");
  if (addrs == doc.end() || !addrs->is_array())
    return fail("missing addresses array");
  std::array<uint8_t, 32> key{};
  sodium_hex2bin(key.data(), key.size(), key_hex->data(), key_hex->size(),
                 nullptr, nullptr, nullptr);
  address_book book{key, local, seed, limits};
  auto& m = *book.impl_;
  for (const auto& j : *addrs) {
    // A malformed entry (wrong type, out of range) is skipped, never thrown.
    try {
      if (!j.is_object())
        continue;
      book_address a;
      a.host = j.at("host").get<std::string>();
      a.port = static_cast<uint16_t>(int_field(j, "port", UINT16_MAX));
      a.node_id = j.at("node_id").get<std::string>();
      a.services = static_cast<uint32_t>(int_field(j, "services", UINT32_MAX));
      a.last_seen = int_field(j, "last_seen", INT64_MAX);
      a.attempts = static_cast<uint32_t>(int_field(j, "attempts", UINT32_MAX));
      a.last_try = int_field(j, "last_try", INT64_MAX);
      a.last_success = int_field(j, "last_success", INT64_MAX);
      a.tried = j.at("tried").get<bool>();
      a.masternode_hint = j.value("masternode_hint", false);
      auto src = j.value("source_group", std::string{self_group});
      auto e = m.make_entry(a);
      if (!e || src.empty() || m.entries.count(e->a.key()) != 0
          || now - a.last_seen > address_horizon
          || a.last_seen > now + max_address_future_seconds)
        continue;
      e->source_group = src;
      if (a.tried)
        m.place_tried(std::move(*e), now);
      else
        m.place_new(std::move(*e), now);
    } catch (const json::exception&) {
      continue;
    } catch (const malformed_entry&) {
      continue;
    }
  }
  return book;
}

const std::array<uint8_t, 32>& address_book::key() const {
  return impl_->key;
}

} // namespace timecoin
