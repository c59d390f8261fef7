// MessagePack encoding of the chain structures of docs/PROTOCOL.md, "Chain
// data". Hashes are defined over exactly these encodings, so they must never
// change.

#include <limits>

#include "protocol/codec_detail.hpp"

namespace timecoin::proto {

namespace detail {

void pack_bin(packer& pk, const uint8_t* data, std::size_t size) {
  pk.pack_bin(static_cast<uint32_t>(size));
  pk.pack_bin_body(reinterpret_cast<const char*>(data),
                   static_cast<uint32_t>(size));
}

void pack_str(packer& pk, const std::string& s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

namespace {

/// Number of fields of each chain structure: they are exact-size records.
constexpr std::size_t transaction_fields = 4;
constexpr std::size_t input_fields = 3;
constexpr std::size_t output_fields = 2;
constexpr std::size_t header_fields = 7;
constexpr std::size_t block_fields = 3;

void pack_outputs(packer& pk, const std::vector<tx_output>& outputs) {
  pk.pack_array(static_cast<uint32_t>(outputs.size()));
  for (const auto& out : outputs) {
    pk.pack_array(output_fields);
    pk.pack(out.value);
    pack_bin(pk, out.owner);
  }
}

tx_input read_input(const msgpack::object& o, const field_path& at) {
  auto r = record::exact(o, at, input_fields);
  tx_input in;
  r.read(0, "prev_txid", in.prev_txid);
  r.read(1, "vout", in.vout);
  r.read(2, "signature", in.signature);
  return in;
}

tx_output read_output(const msgpack::object& o, const field_path& at) {
  auto r = record::exact(o, at, output_fields);
  tx_output out;
  r.read(0, "value", out.value);
  r.read(1, "owner", out.owner);
  return out;
}

/// Transactions and their parts have no protocol count limit of their own:
/// the frame bound limits them.
constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

template <class T, class F>
result<T, decode_error> decode_root(const uint8_t* data, std::size_t size,
                                    const char* root, F&& read) {
  zone_scope scope;
  try {
    auto obj = parse_one(scope.zone(), data, size);
    field_path at{nullptr, root};
    return read(obj, at);
  } catch (field_failure& e) {
    return decode_error{e.code, std::move(e.detail), 0};
  }
}

} // namespace

void pack_transaction(packer& pk, const transaction& tx) {
  pk.pack_array(transaction_fields);
  pk.pack(tx.version);
  pk.pack_array(static_cast<uint32_t>(tx.inputs.size()));
  for (const auto& in : tx.inputs) {
    pk.pack_array(input_fields);
    pack_bin(pk, in.prev_txid);
    pk.pack(in.vout);
    pack_bin(pk, in.signature);
  }
  pack_outputs(pk, tx.outputs);
  pk.pack(tx.lock_time);
}

void pack_unsigned_transaction(packer& pk, const transaction& tx) {
  pk.pack_array(transaction_fields);
  pk.pack(tx.version);
  pk.pack_array(static_cast<uint32_t>(tx.inputs.size()));
  for (const auto& in : tx.inputs) {
    pk.pack_array(2);
    pack_bin(pk, in.prev_txid);
    pk.pack(in.vout);
  }
  pack_outputs(pk, tx.outputs);
  pk.pack(tx.lock_time);
}

void pack_header(packer& pk, const block_header& h) {
  pk.pack_array(header_fields);
  pk.pack(h.version);
  pk.pack(h.height);
  pack_bin(pk, h.prev_hash);
  pack_bin(pk, h.merkle_root);
  pack_bin(pk, h.utxo_root);
  pk.pack(h.timestamp);
  pack_bin(pk, h.producer);
}

void pack_block(packer& pk, const block& b) {
  pk.pack_array(block_fields);
  pack_header(pk, b.header);
  pack_bin(pk, b.producer_signature);
  pk.pack_array(static_cast<uint32_t>(b.transactions.size()));
  for (const auto& tx : b.transactions)
    pack_transaction(pk, tx);
}

transaction read_transaction(const msgpack::object& o, const field_path& at) {
  auto r = record::exact(o, at, transaction_fields);
  transaction tx;
  r.read(0, "version", tx.version);
  read_list(r, 1, "inputs", unbounded, tx.inputs, read_input);
  read_list(r, 2, "outputs", unbounded, tx.outputs, read_output);
  r.read(3, "lock_time", tx.lock_time);
  return tx;
}

block_header read_header(const msgpack::object& o, const field_path& at) {
  auto r = record::exact(o, at, header_fields);
  block_header h;
  r.read(0, "version", h.version);
  r.read(1, "height", h.height);
  r.read(2, "prev_hash", h.prev_hash);
  r.read(3, "merkle_root", h.merkle_root);
  r.read(4, "utxo_root", h.utxo_root);
  r.read(5, "timestamp", h.timestamp);
  r.read(6, "producer", h.producer);
  return h;
}

block read_block(const msgpack::object& o, const field_path& at) {
  auto r = record::exact(o, at, block_fields);
  block b;
  field_path header_path{&at, "header"};
  b.header = read_header(*r.at(0), header_path);
  r.read(1, "producer_signature", b.producer_signature);
  read_list(r, 2, "transactions", unbounded, b.transactions, read_transaction);
  return b;
}

} // namespace detail

bytes encode_transaction(const transaction& tx) {
  bytes out;
  detail::byte_sink sink{out};
  detail::packer pk{sink};
  detail::pack_transaction(pk, tx);
  return out;
}

bytes encode_block(const block& b) {
  bytes out;
  detail::byte_sink sink{out};
  detail::packer pk{sink};
  detail::pack_block(pk, b);
  return out;
}

bytes encode_header(const block_header& h) {
  bytes out;
  detail::byte_sink sink{out};
  detail::packer pk{sink};
  detail::pack_header(pk, h);
  return out;
}

result<transaction, decode_error> decode_transaction(const uint8_t* data,
                                                     std::size_t size) {
  return detail::decode_root<transaction>(data, size, "transaction",
                                          detail::read_transaction);
}

result<block, decode_error> decode_block(const uint8_t* data,
                                         std::size_t size) {
  return detail::decode_root<block>(data, size, "block", detail::read_block);
}

result<block_header, decode_error> decode_header(const uint8_t* data,
                                                 std::size_t size) {
  return detail::decode_root<block_header>(data, size, "header",
                                           detail::read_header);
}

} // namespace timecoin::proto
