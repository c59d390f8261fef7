// Checked reading of untrusted MessagePack: the guards against hostile input
// and the typed field readers used by the codecs.

#include <cstring>
#include <limits>

#include "protocol/codec_detail.hpp"

namespace timecoin::proto::detail {

std::string field_path::str() const {
  std::string parent_str = parent != nullptr ? parent->str() : std::string{};
  if (name == nullptr)
    return parent_str + "[" + std::to_string(index) + "]";
  if (parent_str.empty())
    return name;
  return parent_str + "." + name;
}

void fail(decode_errc code, const field_path& at, const std::string& what) {
  throw field_failure{code, at.str() + ": " + what};
}

namespace {

/// A first pass over the raw bytes that builds nothing. msgpack-c allocates an
/// array's elements as soon as it reads the array's declared length, so a few
/// bytes declaring 2^32 elements at each of many nesting levels would allocate
/// gigabytes before failing on the missing data. In a valid object every
/// declared element occupies at least one byte of input, so the declared
/// lengths together can never exceed the input size: this pass refuses any
/// input where they do, and any nesting beyond `max_nesting_depth`. The parser
/// itself keeps its stack on the heap, bounded here by the depth limit.
class guard_visitor : public msgpack::null_visitor {
public:
  explicit guard_visitor(std::size_t size) : budget_(size) {}

  bool start_array(uint32_t elements) { return open(elements); }
  bool end_array() {
    --depth_;
    return true;
  }
  bool start_map(uint32_t pairs) { return open(uint64_t{pairs} * 2); }
  bool end_map() {
    --depth_;
    return true;
  }
  void parse_error(std::size_t, std::size_t) {
    set(decode_errc::not_msgpack, "invalid MessagePack");
  }
  void insufficient_bytes(std::size_t, std::size_t) {
    set(decode_errc::not_msgpack, "truncated MessagePack");
  }

  decode_errc code = decode_errc::not_msgpack;
  const char* detail = nullptr;

private:
  bool open(uint64_t elements) {
    if (++depth_ > max_nesting_depth) {
      set(decode_errc::too_deep, "nesting deeper than max_nesting_depth");
      return false;
    }
    if (elements > budget_) {
      set(decode_errc::not_msgpack, "declared length exceeds the data");
      return false;
    }
    budget_ -= elements;
    return true;
  }
  void set(decode_errc c, const char* d) {
    if (detail == nullptr) {
      code = c;
      detail = d;
    }
  }

  uint64_t budget_;
  std::size_t depth_ = 0;
};

/// Strings and bins stay in the input buffer: no copy into the zone.
bool reference_all(msgpack::type::object_type, std::size_t, void*) {
  return true;
}

/// The zone's first chunk; it is kept between decodes of one thread.
constexpr std::size_t scratch_zone_chunk_bytes = std::size_t{8} * 1024;

const field_path root_path{nullptr, "payload"};

} // namespace

msgpack::zone& scratch_zone() {
  thread_local msgpack::zone zone{scratch_zone_chunk_bytes};
  return zone;
}

msgpack::object parse_one(msgpack::zone& zone, const uint8_t* data,
                          std::size_t size) {
  const auto* chars = reinterpret_cast<const char*>(data);
  guard_visitor guard{size};
  std::size_t off = 0;
  bool ok = false;
  try {
    ok = msgpack::parse(chars, size, off, guard);
  } catch (...) {
    ok = false;
  }
  if (!ok)
    fail(guard.code, root_path,
         guard.detail != nullptr ? guard.detail : "invalid MessagePack");
  if (off != size)
    fail(decode_errc::not_msgpack, root_path,
         "trailing bytes after the object");
  // The guard pass has bounded everything; the limits repeat its bounds so
  // msgpack-c refuses on its own should the two ever disagree.
  const msgpack::unpack_limit limit{size, size, size,
                                    size, size, max_nesting_depth};
  try {
    std::size_t unpack_off = 0;
    bool referenced = false;
    return msgpack::unpack(zone, chars, size, unpack_off, referenced,
                           reference_all, nullptr, limit);
  } catch (const msgpack::depth_size_overflow&) {
    fail(decode_errc::too_deep, root_path, "nesting too deep");
  } catch (...) {
    fail(decode_errc::not_msgpack, root_path, "invalid MessagePack");
  }
}

namespace {

uint64_t read_unsigned(const msgpack::object& o, const field_path& at,
                       uint64_t max, const char* expected) {
  // msgpack-c reports any non-negative value as POSITIVE_INTEGER, whichever
  // width and signedness it was sent in (docs/PROTOCOL.md, "Encoding" allows
  // any that holds it).
  if (o.type == msgpack::type::POSITIVE_INTEGER && o.via.u64 <= max)
    return o.via.u64;
  fail(decode_errc::bad_field, at, std::string("expected ") + expected);
}

template <std::size_t N>
void read_fixed_bin(const msgpack::object& o, const field_path& at,
                    std::array<uint8_t, N>& out, const char* expected) {
  if (o.type != msgpack::type::BIN || o.via.bin.size != N)
    fail(decode_errc::bad_field, at, std::string("expected ") + expected);
  std::memcpy(out.data(), o.via.bin.ptr, N);
}

} // namespace

void read_value(const msgpack::object& o, const field_path& at, uint16_t& out) {
  out = static_cast<uint16_t>(
    read_unsigned(o, at, std::numeric_limits<uint16_t>::max(), "u16"));
}

void read_value(const msgpack::object& o, const field_path& at, uint32_t& out) {
  out = static_cast<uint32_t>(
    read_unsigned(o, at, std::numeric_limits<uint32_t>::max(), "u32"));
}

void read_value(const msgpack::object& o, const field_path& at, uint64_t& out) {
  out = read_unsigned(o, at, std::numeric_limits<uint64_t>::max(), "u64");
}

void read_value(const msgpack::object& o, const field_path& at, int64_t& out) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    out = o.via.i64;
    return;
  }
  out = static_cast<int64_t>(read_unsigned(
    o, at, static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), "i64"));
}

void read_value(const msgpack::object& o, const field_path& at,
                std::string& out) {
  if (o.type != msgpack::type::STR)
    fail(decode_errc::bad_field, at, "expected str");
  out.assign(o.via.str.ptr, o.via.str.size);
}

void read_value(const msgpack::object& o, const field_path& at, bytes& out) {
  if (o.type != msgpack::type::BIN)
    fail(decode_errc::bad_field, at, "expected bin");
  const auto* p = reinterpret_cast<const uint8_t*>(o.via.bin.ptr);
  out.assign(p, p + o.via.bin.size);
}

void read_value(const msgpack::object& o, const field_path& at, hash256& out) {
  read_fixed_bin(o, at, out, "bin32");
}

void read_value(const msgpack::object& o, const field_path& at, sig64& out) {
  read_fixed_bin(o, at, out, "bin64");
}

const msgpack::object_array& read_array(const msgpack::object& o,
                                        const field_path& at) {
  if (o.type != msgpack::type::ARRAY)
    fail(decode_errc::bad_field, at, "expected array");
  return o.via.array;
}

record record::exact(const msgpack::object& o, const field_path& at,
                     std::size_t fields) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != fields)
    fail(decode_errc::bad_field, at,
         "expected array of " + std::to_string(fields));
  return record(o.via.array, at);
}

} // namespace timecoin::proto::detail
