#pragma once

// Internal to the codecs: MessagePack writing and checked reading shared by
// the message codec, the chain-structure codec, the chain hashes and the
// codecs of gossip payloads (actors/masternode_list.cpp). Public headers do
// not include this file.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <msgpack.hpp>

#include "protocol/chain.hpp"
#include "protocol/codec.hpp"
#include "protocol/types.hpp"

namespace timecoin::proto::detail {

// -- writing ------------------------------------------------------------------

/// A msgpack-c stream that appends straight to a byte vector, so encodings
/// need no intermediate `msgpack::sbuffer` and no copy.
class byte_sink {
public:
  explicit byte_sink(bytes& out) : out_(out) {}

  void write(const char* data, std::size_t size) {
    const auto* p = reinterpret_cast<const uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
  }

private:
  bytes& out_;
};

using packer = msgpack::packer<byte_sink>;

/// Packs `size` bytes as MessagePack `bin`.
void pack_bin(packer& pk, const uint8_t* data, std::size_t size);
template <std::size_t N>
void pack_bin(packer& pk, const std::array<uint8_t, N>& x) {
  pack_bin(pk, x.data(), N);
}
inline void pack_bin(packer& pk, const bytes& x) {
  pack_bin(pk, x.data(), x.size());
}
/// Packs `s` as MessagePack `str`.
void pack_str(packer& pk, const std::string& s);

/// `[version, inputs, outputs, lock_time]`, inputs with their signatures.
void pack_transaction(packer& pk, const transaction& tx);
/// The txid preimage: inputs as `[prev_txid, vout]`, no signatures.
void pack_unsigned_transaction(packer& pk, const transaction& tx);
void pack_header(packer& pk, const block_header& h);
void pack_block(packer& pk, const block& b);

// -- reading ------------------------------------------------------------------

/// Where a value sits ("BLOCKS.items[2].header.height"), for error details.
/// Nodes live on the stack of the readers; the string is built only on error.
struct field_path {
  const field_path* parent = nullptr;
  const char* name = nullptr; ///< a field or root name; nullptr: `[index]`
  std::size_t index = 0;

  std::string str() const;
};

/// Thrown by the readers; `decode_*` catch it, so it never leaves protocol/.
struct field_failure {
  decode_errc code;
  std::string detail;
};

/// Throws `field_failure{code, "<path>: <what>"}`.
[[noreturn]] void fail(decode_errc code, const field_path& at,
                       const std::string& what);

/// Parses `data` as exactly one MessagePack object into `zone`, refusing
/// (by throwing `field_failure`) invalid or truncated data, trailing bytes,
/// nesting beyond `max_nesting_depth` and declared array/map lengths that the
/// data cannot hold. Strings and bins of the result point into `data`.
msgpack::object parse_one(msgpack::zone& zone, const uint8_t* data,
                          std::size_t size);

/// The zone of the calling thread, reused by every decode on it.
msgpack::zone& scratch_zone();

/// One decode's use of the thread's zone: cleared when the decode ends,
/// however it ends (its first chunk is kept for the next decode).
class zone_scope {
public:
  zone_scope() : zone_(scratch_zone()) {}
  ~zone_scope() { zone_.clear(); }
  zone_scope(const zone_scope&) = delete;
  zone_scope& operator=(const zone_scope&) = delete;

  msgpack::zone& zone() { return zone_; }

private:
  msgpack::zone& zone_;
};

/// Typed readers: each throws `bad_field` naming `at` on a wrong type, size
/// or range.
void read_value(const msgpack::object& o, const field_path& at, uint16_t& out);
void read_value(const msgpack::object& o, const field_path& at, uint32_t& out);
void read_value(const msgpack::object& o, const field_path& at, uint64_t& out);
void read_value(const msgpack::object& o, const field_path& at, int64_t& out);
void read_value(const msgpack::object& o, const field_path& at,
                std::string& out);
void read_value(const msgpack::object& o, const field_path& at, bytes& out);
void read_value(const msgpack::object& o, const field_path& at, hash256& out);
void read_value(const msgpack::object& o, const field_path& at, sig64& out);

/// `o` as an array, or `bad_field` ("expected array").
const msgpack::object_array& read_array(const msgpack::object& o,
                                        const field_path& at);

/// A positional array being read field by field.
class record {
public:
  /// Protocol rule for bodies: extra trailing elements are ignored and absent
  /// trailing fields keep their defaults.
  static record lenient(const msgpack::object& o, const field_path& at) {
    return record(read_array(o, at), at);
  }
  /// Chain structures: exactly `fields` elements, or `bad_field`.
  static record exact(const msgpack::object& o, const field_path& at,
                      std::size_t fields);

  /// Element `i`, or nullptr when absent.
  const msgpack::object* at(std::size_t i) const {
    return i < array_.size ? &array_.ptr[i] : nullptr;
  }
  const field_path& path() const { return path_; }

  /// Reads field `i` named `name` into `out`; leaves `out` as is if absent.
  template <class T>
  void read(std::size_t i, const char* name, T& out) const {
    if (const auto* o = at(i)) {
      field_path p{&path_, name};
      read_value(*o, p, out);
    }
  }

private:
  record(const msgpack::object_array& array, const field_path& at)
    : array_(array), path_(at) {}

  const msgpack::object_array& array_;
  const field_path& path_;
};

/// Storage reserved up front for a decoded list. The guard bounds a declared
/// count by the input size only, not by the decoded element size (100 bytes
/// for a transaction input from a 1-byte nil): reserving the whole declared
/// count let one 8 MiB frame allocate 800 MB before failing at its first
/// element. Longer lists grow as their elements actually decode.
constexpr std::size_t max_list_reserve_bytes = 64 * 1024;

/// Reads the list in field `i` of `r` (absent: leaves `out` empty), each
/// element with `read_one(element, path)`; more than `max` elements is
/// `limit_exceeded`.
template <class T, class F>
void read_list(const record& r, std::size_t i, const char* name,
               std::size_t max, std::vector<T>& out, F&& read_one) {
  const auto* o = r.at(i);
  if (o == nullptr)
    return;
  field_path list_path{&r.path(), name};
  const auto& arr = read_array(*o, list_path);
  if (arr.size > max)
    fail(decode_errc::limit_exceeded, list_path,
         std::to_string(arr.size) + " entries exceed " + std::to_string(max));
  out.reserve(
    std::min<std::size_t>(arr.size, max_list_reserve_bytes / sizeof(T)));
  for (uint32_t k = 0; k < arr.size; ++k) {
    field_path elem{&list_path, nullptr, k};
    out.push_back(read_one(arr.ptr[k], elem));
  }
}

/// Chain structures, each an exact-size record (see docs/PROTOCOL.md).
transaction read_transaction(const msgpack::object& o, const field_path& at);
block_header read_header(const msgpack::object& o, const field_path& at);
block read_block(const msgpack::object& o, const field_path& at);

} // namespace timecoin::proto::detail
