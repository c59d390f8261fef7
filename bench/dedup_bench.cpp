// Gossip deduplication: what the rotating Bloom filter costs per insert and
// lookup, its measured false-positive rate next to the target, and for scale
// the Ed25519 verifications one core does per second, the real limit of
// gossip ingest (docs/BENCHMARKS.md, "Deduplication"). About 15 s.

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_report.hpp"
#include "security/bloom.hpp"
#include "security/envelope.hpp"

using namespace timecoin;
using namespace timecoin::security;

namespace {

using bench_clock = std::chrono::steady_clock;

/// Fresh ids for the steady and flood runs: enough that no run reuses one.
constexpr std::size_t ids_per_run = 2'000'000;
/// Lookups per false-positive measurement: the expected count at the target
/// is 200, so the rate is good to about ±7 %.
constexpr std::size_t fp_queries = 2'000'000;
/// Payload of the signed envelope: a small transaction or vote.
constexpr std::size_t gossip_payload_bytes = 200;
/// Time spent per signature measurement.
constexpr auto crypto_run = std::chrono::milliseconds{1500};
/// Simulated arrival rates of the insert runs, new ids per second: the
/// design rate (one generation's capacity per window and grace, about 280/s)
/// and above it; 0 is a flood, every id in the same second.
constexpr std::size_t arrival_rates[] = {250, 1000, 0};
constexpr int64_t start_time = 1767225600;

std::vector<proto::hash256> random_ids(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<proto::hash256> out(n);
  for (auto& id : out)
    for (std::size_t i = 0; i < id.size(); i += 8) {
      auto v = rng();
      for (std::size_t j = 0; j < 8; ++j)
        id[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
  return out;
}

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

struct row {
  std::string what;
  double keyed = 0;   ///< ns/op
  double unkeyed = 0; ///< ns/op
  std::string note;
};

/// What an insert run saw besides its speed.
struct insert_run {
  double ns = 0;
  std::size_t max_generations = 0;
  double false_duplicates = 0; ///< share of new ids reported as seen
};

bloom_params params(bool keyed) {
  bloom_params p;
  p.keyed = keyed;
  return p;
}

/// insert_if_new of new ids arriving at `per_second` (0: all at once, a
/// flood inside one window), timestamped on arrival.
insert_run run_inserts(bool keyed, std::size_t per_second,
                       const std::vector<proto::hash256>& ids) {
  rotating_bloom bloom(params(keyed));
  std::size_t fresh = 0;
  insert_run out;
  auto start = bench_clock::now();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    int64_t now = start_time
                  + (per_second == 0 ? 0
                                     : static_cast<int64_t>(i / per_second));
    fresh += bloom.insert_if_new(ids[i], now, now) ? 1 : 0;
    if (i % 1024 == 0)
      out.max_generations = std::max(out.max_generations,
                                     bloom.stats().generations);
  }
  out.ns = seconds_since(start) * 1e9 / static_cast<double>(ids.size());
  out.false_duplicates = static_cast<double>(ids.size() - fresh)
                         / static_cast<double>(ids.size());
  return out;
}

/// ns per contains() against a filter holding `held` ids (full generations)
/// for ids that are (`hit`) or are not in it.
double lookup_ns(bool keyed, std::size_t held, bool hit,
                 const std::vector<proto::hash256>& inserted,
                 const std::vector<proto::hash256>& fresh) {
  rotating_bloom bloom(params(keyed));
  for (std::size_t i = 0; i < held; ++i)
    bloom.insert_if_new(inserted[i], start_time, start_time);
  const auto& probe = hit ? inserted : fresh;
  std::size_t n = hit ? held : fresh.size();
  std::size_t found = 0;
  auto start = bench_clock::now();
  for (std::size_t round = 0; round < 2; ++round)
    for (std::size_t i = 0; i < n; ++i)
      found += bloom.contains(probe[i]) ? 1 : 0;
  double ns = seconds_since(start) * 1e9 / static_cast<double>(2 * n);
  if (hit && found != 2 * n)
    std::printf("BUG: %zu of %zu inserted ids not found\n", 2 * n - found,
                2 * n);
  return ns;
}

/// Measured false-positive rate after `held` ids.
double fp_rate(bool keyed, std::size_t held,
               const std::vector<proto::hash256>& inserted,
               const std::vector<proto::hash256>& fresh) {
  rotating_bloom bloom(params(keyed));
  for (std::size_t i = 0; i < held; ++i)
    bloom.insert_if_new(inserted[i], start_time, start_time);
  std::size_t hits = 0;
  for (std::size_t i = 0; i < fp_queries; ++i)
    hits += bloom.contains(fresh[i]) ? 1 : 0;
  return static_cast<double>(hits) / static_cast<double>(fp_queries);
}

/// Operations per second of `op` over `crypto_run`.
template <class F>
double per_second(F&& op) {
  std::size_t n = 0;
  auto start = bench_clock::now();
  while (bench_clock::now() - start < crypto_run) {
    for (int i = 0; i < 64; ++i)
      n += op() ? 1 : 0;
  }
  return static_cast<double>(n) / seconds_since(start);
}

void print_ns(const row& r) {
  std::printf("| %-44s | %9.1f | %9.1f | %s\n", r.what.c_str(), r.keyed,
              r.unkeyed, r.note.c_str());
}

} // namespace

int main() {
  init_sodium();
  auto total = bench_clock::now();
  auto ids = random_ids(ids_per_run, 1);
  auto others = random_ids(fp_queries, 2);
  rotating_bloom sizing(params(true));
  std::printf("filter: %zu bits (%zu KiB) per generation, k = %u, "
              "capacity %zu, max %zu generations\n\n",
              sizing.bits_per_generation(),
              sizing.bits_per_generation() / 8 / 1024, sizing.hash_count(),
              bloom_default_capacity, bloom_default_max_generations);

  std::printf("| %-44s | %9s | %9s | notes\n", "operation (ns per op)", "keyed",
              "unkeyed");
  std::printf("|%s|%s|%s|------\n", std::string(46, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str());
  for (auto rate : arrival_rates) {
    auto keyed = run_inserts(true, rate, ids);
    auto unkeyed = run_inserts(false, rate, ids);
    char what[64], note[96];
    if (rate == 0)
      std::snprintf(what, sizeof what,
                    "insert new id, flood: 2M in one second");
    else
      std::snprintf(what, sizeof what, "insert new id, %zu ids/s (2M ids)",
                    rate);
    std::snprintf(note, sizeof note,
                  "up to %zu generations; new ids seen as dups: %.1e",
                  keyed.max_generations, keyed.false_duplicates);
    print_ns({what, keyed.ns, unkeyed.ns, note});
  }
  const std::size_t two_full = 2 * bloom_default_capacity;
  print_ns({"lookup hit, 2 full generations",
            lookup_ns(true, two_full, true, ids, others),
            lookup_ns(false, two_full, true, ids, others), ""});
  print_ns({"lookup miss, 2 full generations",
            lookup_ns(true, two_full, false, ids, others),
            lookup_ns(false, two_full, false, ids, others), ""});
  print_ns({"lookup miss, 20 full generations (flood)",
            lookup_ns(true, 10 * two_full, false, ids, others),
            lookup_ns(false, 10 * two_full, false, ids, others), ""});

  std::printf("\n| %-44s | %9s | %9s | %9s | target\n",
              "false positives (2M fresh ids)", "keyed", "unkeyed", "formula");
  std::printf("|%s|%s|%s|%s|-------\n", std::string(46, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str());
  for (std::size_t gens : {1, 2}) {
    auto held = gens * bloom_default_capacity;
    double predicted = gens * sizing.predicted_fp_rate(bloom_default_capacity);
    std::printf("| %-44s | %9.2e | %9.2e | %9.2e | %.0e\n",
                (std::to_string(gens) + " full generation(s), "
                 + std::to_string(held) + " ids")
                  .c_str(),
                fp_rate(true, held, ids, others),
                fp_rate(false, held, ids, others), predicted,
                gens == 1 ? bloom_default_fp_rate / 2 : bloom_default_fp_rate);
  }

  // For scale: the signature check every new envelope pays first.
  auto key = node_key::generate();
  bytes payload(gossip_payload_bytes, 0x5a);
  constexpr auto kind = bench::bench_gossip_kind;
  auto msg = make_gossip(&key, 1, kind, start_time, payload);
  auto signed_bytes = gossip_signing_bytes(1, kind, start_time, payload);
  const auto& pk = key.public_key();
  double raw = per_second([&] {
    return crypto_sign_verify_detached(msg.signature.data(),
                                       signed_bytes.data(), signed_bytes.size(),
                                       pk.data())
           == 0;
  });
  double ours = per_second([&] { return verify_signature(1, msg); });
  double ids_per_s = per_second([&] { return message_id(msg)[0] != 1; });
  std::printf("\n| %-44s | %12s | %9s\n", "per envelope, 200 B payload, 1 core",
              "per second", "us each");
  std::printf("|%s|%s|%s\n", std::string(46, '-').c_str(),
              std::string(14, '-').c_str(), std::string(11, '-').c_str());
  for (auto [what, rate] :
       {std::pair{"crypto_sign_verify_detached", raw},
        std::pair{"verify_signature (builds the signed bytes)", ours},
        std::pair{"message_id (BLAKE2b-256)", ids_per_s}})
    std::printf("| %-44s | %12.0f | %9.2f\n", what, rate, 1e6 / rate);
  std::printf("\ntotal %.1f s\n", seconds_since(total));
  return 0;
}
