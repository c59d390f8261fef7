#include <doctest/doctest.h>

#include <cstdint>

#include "protocol/big_endian.hpp"

using namespace timecoin;
using namespace timecoin::proto;

TEST_CASE("put_be writes the most significant byte first") {
  uint8_t b[8] = {};
  put_be16(b, 0x0102);
  CHECK(bytes(b, b + 2) == bytes{0x01, 0x02});
  put_be32(b, 0x01020304);
  CHECK(bytes(b, b + 4) == bytes{0x01, 0x02, 0x03, 0x04});
  put_be64(b, 0x0102030405060708);
  CHECK(bytes(b, b + 8) == bytes{1, 2, 3, 4, 5, 6, 7, 8});
  // A negative int64 in two's complement.
  put_be64(b, static_cast<uint64_t>(int64_t{-2}));
  CHECK(bytes(b, b + 8)
        == bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe});
}

TEST_CASE("be32 and be64 read what put_be wrote") {
  uint8_t b[8] = {};
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x8000000000000000},
                     uint64_t{0xfedcba9876543210}, ~uint64_t{0}}) {
    put_be64(b, v);
    CHECK(be64(b) == v);
    put_be32(b, static_cast<uint32_t>(v));
    CHECK(be32(b) == static_cast<uint32_t>(v));
  }
  const uint8_t known[] = {0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1};
  CHECK(be32(known) == 0xdeadbeef);
  CHECK(be64(known) == 0xdeadbeef00000001);
}

TEST_CASE("append_be appends sizeof(T) bytes") {
  bytes out{0xaa};
  append_be(out, uint32_t{7});
  append_be(out, uint16_t{0x0102});
  append_be(out, uint64_t{0x0102030405060708});
  CHECK(out == bytes{0xaa, 0, 0, 0, 7, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8});
}
