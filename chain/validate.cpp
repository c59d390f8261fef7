// The validity rules of docs/PROTOCOL.md, "Block validity" applied to a block
// on the stored state, and the writes that connect or disconnect a block.

#include <algorithm>
#include <atomic>
#include <cstring>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "chain/store_impl.hpp"
#include "protocol/codec.hpp"
#include "security/node_key.hpp"

namespace timecoin::chain {

namespace {

chain_error refuse(reject_reason r, uint64_t height, std::string detail) {
  return {r, height, std::move(detail)};
}

/// `acc += v`; false on overflow.
bool add_checked(uint64_t& acc, uint64_t v) {
  return !__builtin_add_overflow(acc, v, &acc);
}

std::string where(std::size_t tx, std::size_t input) {
  return "tx " + std::to_string(tx) + " input " + std::to_string(input);
}

struct hash256_hash {
  std::size_t operator()(const proto::hash256& h) const {
    std::size_t v;
    std::memcpy(&v, h.data(), sizeof(v));
    return v;
  }
};

} // namespace

std::optional<std::size_t> verify_all(const std::vector<deferred_sig>& sigs,
                                      unsigned threads) {
  const std::size_t n = sigs.size();
  std::atomic<std::size_t> first_bad{n};
  std::atomic<std::size_t> next{0};
  // Small slices handed out in order: a failure stops later slices early.
  constexpr std::size_t slice = 32;
  auto work = [&] {
    for (;;) {
      const std::size_t from = next.fetch_add(slice);
      if (from >= n || from >= first_bad.load())
        return;
      const std::size_t to = std::min(n, from + slice);
      for (std::size_t i = from; i < to; ++i) {
        const auto& x = sigs[i];
        if (!security::verify(x.key, x.msg, x.sig)) {
          std::size_t cur = first_bad.load();
          while (i < cur && !first_bad.compare_exchange_weak(cur, i)) {
          }
          return;
        }
      }
    }
  };
  const unsigned extra = n < 2 * slice ? 0u : std::max(1u, threads) - 1;
  std::vector<std::thread> pool;
  pool.reserve(extra);
  try {
    for (unsigned i = 0; i < extra; ++i)
      pool.emplace_back(work);
  } catch (const std::system_error&) {
    // No thread to be had (limits): the threads started and this one share
    // the work.
  }
  work();
  for (auto& th : pool)
    th.join();
  if (first_bad.load() < n)
    return first_bad.load();
  return std::nullopt;
}

result<checked_block, chain_error>
check_block(const chain_params& params, const tip_info& parent,
            const proto::block& b, bool genesis,
            std::vector<deferred_sig>* defer) {
  const proto::block_header& h = b.header;
  const uint64_t height = h.height;

  // Header rules first: they are cheap and refuse most foreign blocks.
  if (genesis) {
    if (height != 0)
      return refuse(reject_reason::bad_height, height,
                    "genesis height is not 0");
  } else {
    if (height != parent.height + 1)
      return refuse(reject_reason::bad_height, height,
                    "height " + std::to_string(height)
                      + " does not continue the tip "
                      + std::to_string(parent.height));
    if (h.prev_hash != parent.hash)
      return refuse(reject_reason::bad_prev_hash, height,
                    "prev_hash " + proto::to_hex(h.prev_hash)
                      + " is not the tip " + proto::to_hex(parent.hash));
    const auto& ps = params.producers;
    if (std::find(ps.begin(), ps.end(), h.producer) == ps.end())
      return refuse(reject_reason::bad_producer, height,
                    "producer " + proto::to_hex(h.producer)
                      + " is not authorised");
  }
  checked_block out;
  out.hash = proto::block_hash(h);
  if (!genesis && defer)
    defer->push_back(
      {h.producer, proto::block_signing_bytes(out.hash), b.producer_signature});
  else if (!genesis
           && !security::verify(h.producer,
                                proto::block_signing_bytes(out.hash),
                                b.producer_signature))
    return refuse(reject_reason::bad_producer_signature, height,
                  "producer signature does not verify");

  const auto& txs = b.transactions;
  if (txs.empty())
    return refuse(reject_reason::no_coinbase, height, "no transactions");
  if (!txs[0].inputs.empty())
    return refuse(reject_reason::no_coinbase, height,
                  "the first transaction has inputs");
  out.txids.reserve(txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) {
    if (i > 0 && txs[i].inputs.empty())
      return refuse(reject_reason::misplaced_coinbase, height,
                    "tx " + std::to_string(i) + " has no inputs");
    out.txids.push_back(proto::txid(txs[i]));
  }
  if (proto::merkle_root(out.txids) != h.merkle_root)
    return refuse(reject_reason::bad_merkle_root, height,
                  "merkle_root does not match the transactions");
  return out;
}

result<utxo_delta, chain_error>
compute_utxo_delta(const store::impl& s, const lmdb::txn& t,
                   const chain_state& st, const proto::block& b,
                   const checked_block& checked, bool genesis,
                   std::vector<deferred_sig>* defer) {
  const proto::block_header& h = b.header;
  const uint64_t height = h.height;
  const auto& txs = b.transactions;
  const auto& ids = checked.txids;

  // The block's UTXO changes stay in memory until the whole block is known
  // valid: a refused block writes nothing.
  utxo_delta d;
  auto& created = d.created;
  std::unordered_set<enc::outpoint, enc::outpoint_hash> spent;
  std::unordered_set<proto::hash256, hash256_hash> seen_ids;
  created.reserve(txs.size() * 2 + 1);
  lmdb::cursor utxo_cursor{t, s.utxo};
  uint64_t fees = 0;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    const proto::transaction& tx = txs[i];
    const proto::hash256& id = ids[i];
    if (!tx.outputs.empty()) {
      // An identical transaction would overwrite unspent outputs
      // (docs/PROTOCOL.md, "Block validity" keys outputs by txid and vout).
      bool dup = !seen_ids.insert(id).second;
      if (!dup) {
        const auto first = enc::outpoint_of(id, 0);
        dup = utxo_cursor.seek(first.data(), first.size())
              && utxo_cursor.key().size >= id.size()
              && std::memcmp(utxo_cursor.key().data, id.data(), id.size()) == 0;
      }
      if (dup)
        return refuse(reject_reason::duplicate_txid, height,
                      "tx " + std::to_string(i) + " " + proto::to_hex(id)
                        + " has unspent outputs already");
    }
    if (i > 0) {
      const proto::bytes msg = proto::tx_signing_bytes(id);
      uint64_t in_sum = 0;
      for (std::size_t j = 0; j < tx.inputs.size(); ++j) {
        const proto::tx_input& in = tx.inputs[j];
        const auto o = enc::outpoint_of(in.prev_txid, in.vout);
        if (!spent.insert(o).second)
          return refuse(reject_reason::missing_input, height,
                        where(i, j)
                          + " spends an output spent earlier in "
                            "the block");
        coin c;
        if (auto it = created.find(o); it != created.end()) {
          c = it->second;
          created.erase(it);
        } else {
          const auto v = t.get(s.utxo, o.data(), o.size());
          if (!v)
            return refuse(reject_reason::missing_input, height,
                          where(i, j) + " spends " + proto::to_hex(in.prev_txid)
                            + ":" + std::to_string(in.vout)
                            + ", which is not unspent");
          const auto dc = enc::decode_coin(*v);
          if (!dc)
            throw std::runtime_error("malformed coin record");
          c = *dc;
          d.spent.emplace_back(o, c);
        }
        if (defer)
          defer->push_back({c.owner, msg, in.signature});
        else if (!security::verify(c.owner, msg, in.signature))
          return refuse(reject_reason::bad_input_signature, height,
                        where(i, j) + ": signature does not verify");
        if (!add_checked(in_sum, c.value))
          return refuse(reject_reason::value_overflow, height,
                        where(i, j) + ": input sum overflows");
      }
      uint64_t out_sum = 0;
      for (const auto& out : tx.outputs)
        if (!add_checked(out_sum, out.value))
          return refuse(reject_reason::value_overflow, height,
                        "tx " + std::to_string(i) + ": output sum overflows");
      if (out_sum > in_sum)
        return refuse(reject_reason::overspend, height,
                      "tx " + std::to_string(i) + " pays "
                        + std::to_string(out_sum) + " from "
                        + std::to_string(in_sum));
      if (!add_checked(fees, in_sum - out_sum))
        return refuse(reject_reason::value_overflow, height, "fees overflow");
    }
    for (std::size_t v = 0; v < tx.outputs.size(); ++v)
      created.emplace(enc::outpoint_of(id, static_cast<uint32_t>(v)),
                      coin{tx.outputs[v].value, tx.outputs[v].owner, height});
  }
  uint64_t coinbase_value = 0;
  for (const auto& out : txs[0].outputs)
    if (!add_checked(coinbase_value, out.value))
      return refuse(reject_reason::value_overflow, height,
                    "coinbase output sum overflows");
  uint64_t allowed = s.params.block_reward;
  if (!add_checked(allowed, fees))
    return refuse(reject_reason::value_overflow, height,
                  "reward plus fees overflows");
  if (!genesis && coinbase_value > allowed)
    return refuse(reject_reason::bad_coinbase_value, height,
                  "coinbase pays " + std::to_string(coinbase_value)
                    + ", at most " + std::to_string(allowed) + " allowed");

  // utxo_root: the LtHash after the block (outputs created and spent within
  // the block cancel out and are not hashed at all).
  d.lthash = st.lthash;
  d.undo.reserve(d.spent.size() * enc::element_size);
  for (const auto& [o, c] : d.spent) {
    const auto e = enc::element_of(o, c);
    d.lthash.remove(e);
    d.undo.insert(d.undo.end(), e.begin(), e.end());
  }
  for (const auto& [o, c] : created)
    d.lthash.add(enc::element_of(o, c));
  if (d.lthash.digest() != h.utxo_root)
    return refuse(reject_reason::bad_utxo_root, height,
                  "utxo_root does not match the UTXO set after the block");
  return d;
}

void write_block(store::impl& s, lmdb::txn& t, chain_state& st,
                 const proto::block& b, const checked_block& checked,
                 utxo_delta delta, bool genesis) {
  const proto::block_header& h = b.header;
  const uint64_t height = h.height;
  const auto key = enc::key_of(height);
  const proto::bytes encoded = proto::encode_block(b);
  t.put(s.blocks, key.data(), key.size(), encoded.data(), encoded.size());
  const auto rec = enc::encode_header_record(checked.hash, h,
                                             b.producer_signature);
  t.put(s.headers, key.data(), key.size(), rec.data(), rec.size());
  t.put(s.hashes, checked.hash.data(), checked.hash.size(), key.data(),
        key.size());
  for (const auto& [o, c] : delta.spent)
    t.del(s.utxo, o.data(), o.size());
  for (const auto& [o, c] : delta.created) {
    const auto r = enc::encode_coin(c);
    t.put(s.utxo, o.data(), o.size(), r.data(), r.size());
  }
  if (!genesis) {
    t.put(s.undo, key.data(), key.size(), delta.undo.data(), delta.undo.size());
    // Undo data is needed only as deep as a reorganisation may go: the last
    // max_reorg_depth blocks.
    if (height > max_reorg_depth) {
      const auto old = enc::key_of(height - max_reorg_depth);
      t.del(s.undo, old.data(), old.size());
    }
  }
  st.height = height;
  st.hash = checked.hash;
  st.utxo_root = h.utxo_root;
  st.timestamp = h.timestamp;
  st.utxos = st.utxos - delta.spent.size() + delta.created.size();
  st.lthash = std::move(delta.lthash);
  maybe_snapshot(s, t, height, st.utxos);
}

result<void, chain_error> connect_block(store::impl& s, lmdb::txn& t,
                                        chain_state& st, const proto::block& b,
                                        bool genesis,
                                        std::vector<deferred_sig>* defer) {
  auto checked = check_block(s.params, st.tip(), b, genesis, defer);
  if (!checked)
    return checked.error();
  auto delta = compute_utxo_delta(s, t, st, b, *checked, genesis, defer);
  if (!delta)
    return delta.error();
  write_block(s, t, st, b, *checked, std::move(delta).value(), genesis);
  return {};
}

void disconnect_tip(store::impl& s, lmdb::txn& t, chain_state& st) {
  const uint64_t height = st.height;
  if (height == 0 || height <= st.base)
    throw std::runtime_error("cannot disconnect block " + std::to_string(height)
                             + " at the base");
  const auto key = enc::key_of(height);
  const auto raw = t.get(s.blocks, key.data(), key.size());
  if (!raw)
    throw std::runtime_error("no block at " + std::to_string(height));
  const auto b = proto::decode_block(raw->data, raw->size);
  if (!b)
    throw std::runtime_error("malformed block at " + std::to_string(height));
  const auto undo_raw = t.get(s.undo, key.data(), key.size());
  if (!undo_raw || undo_raw->size % enc::element_size != 0)
    throw std::runtime_error("no undo data for block "
                             + std::to_string(height));
  // Copy: the writes below may move pages the span points into.
  const proto::bytes undo(undo_raw->data, undo_raw->data + undo_raw->size);

  for (const auto& tx : b->transactions) {
    const proto::hash256 id = proto::txid(tx);
    for (std::size_t v = 0; v < tx.outputs.size(); ++v) {
      const auto o = enc::outpoint_of(id, static_cast<uint32_t>(v));
      // Absent: spent later in the same block, never stored.
      if (t.del(s.utxo, o.data(), o.size())) {
        st.lthash.remove(enc::element_of(o, coin{tx.outputs[v].value,
                                                 tx.outputs[v].owner, height}));
        --st.utxos;
      }
    }
  }
  for (std::size_t off = 0; off < undo.size(); off += enc::element_size) {
    const uint8_t* e = undo.data() + off;
    t.put(s.utxo, e, enc::outpoint_size, e + enc::outpoint_size,
          enc::coin_size);
    st.lthash.add(proto::bytes(e, e + enc::element_size));
    ++st.utxos;
  }
  const proto::hash256 bhash = proto::block_hash(b->header);
  t.del(s.blocks, key.data(), key.size());
  t.del(s.headers, key.data(), key.size());
  t.del(s.hashes, bhash.data(), bhash.size());
  t.del(s.undo, key.data(), key.size());

  const auto parent = read_header(s, t, height - 1);
  if (!parent)
    throw std::runtime_error("no header at " + std::to_string(height - 1));
  st.height = height - 1;
  st.hash = parent->hash;
  st.utxo_root = parent->header.header.utxo_root;
  st.timestamp = parent->header.header.timestamp;
  if (st.lthash.digest() != st.utxo_root)
    throw std::runtime_error("the UTXO set after undoing block "
                             + std::to_string(height)
                             + " does not match its parent's utxo_root");
}

} // namespace timecoin::chain
