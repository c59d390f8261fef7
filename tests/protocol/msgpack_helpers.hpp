#pragma once

// Building and editing raw MessagePack in tests, independently of the codec.

#include <msgpack.hpp>

#include "protocol/types.hpp"

namespace timecoin::proto::test {

/// The MessagePack encoding of `value` (any type msgpack-c can pack).
template <class T>
bytes pack_raw(const T& value) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, value);
  return bytes(buf.data(), buf.data() + buf.size());
}

/// `data` unpacked into an object that tests may edit in place.
inline msgpack::object_handle unpack_raw(const bytes& data) {
  return msgpack::unpack(reinterpret_cast<const char*>(data.data()),
                         data.size());
}

/// A bin object of `size` bytes (its data must outlive the object).
inline msgpack::object bin_object(const uint8_t* data, uint32_t size) {
  msgpack::object o;
  o.type = msgpack::type::BIN;
  o.via.bin.size = size;
  o.via.bin.ptr = reinterpret_cast<const char*>(data);
  return o;
}

/// A str object over `s` (which must outlive the object).
inline msgpack::object str_object(const char* s, uint32_t size) {
  msgpack::object o;
  o.type = msgpack::type::STR;
  o.via.str.size = size;
  o.via.str.ptr = s;
  return o;
}

/// A value of the wrong kind for whatever `original` is: str for integers,
/// integers for str/bin/arrays, str for bin.
inline msgpack::object wrong_kind_for(const msgpack::object& original) {
  static const char text[] = "x";
  switch (original.type) {
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
    case msgpack::type::BIN: return str_object(text, 1);
    default: return msgpack::object(7);
  }
}

} // namespace timecoin::proto::test
