// libFuzzer target: the decoders of untrusted MessagePack, each fed the whole
// input as one frame payload: `decode` (messages) and `decode_transaction`,
// `decode_block`, `decode_header` (chain structures, as gossiped and
// served). Besides not crashing, whatever decodes must re-encode to bytes
// that decode to the same value (encoding is a fixed point after one round).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_common.hpp"
#include "protocol/chain.hpp"
#include "protocol/codec.hpp"
#include "protocol/framing.hpp"

using namespace timecoin;

namespace {

template <class Result>
void check_error(const Result& r) {
  if (r)
    return;
  const auto& err = r.error();
  const char* name = proto::to_string(err.code);
  fuzz::check(name != nullptr && std::string{name} != "unknown",
              "decode error with an unnamed code");
  fuzz::check(!err.detail.empty(), "decode error without a detail");
}

/// `encode(decode(x))` decodes again, to the same encoding.
template <class T, class Encode, class Decode>
void check_fixed_point(const T& value, Encode encode, Decode decode,
                       const char* what) {
  const proto::bytes once = encode(value);
  auto again = decode(once.data(), once.size());
  if (!again)
    fuzz::violated(what);
  fuzz::check(encode(*again) == once, what);
}

void check_message(const proto::message& msg) {
  const proto::bytes once = proto::encode(msg);
  auto again = proto::decode(once);
  fuzz::check(again.has_value(), "a decoded message does not decode again");
  fuzz::check(again->type() == msg.type() && again->id == msg.id,
              "a message changed type or id in a round trip");
  fuzz::check(proto::encode(*again) == once,
              "a message's encoding changed in a round trip");
  fuzz::check(proto::encode_frame(msg).size()
                == once.size() + proto::frame_header_bytes,
              "encode_frame disagrees with encode");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto msg = proto::decode(data, size);
  check_error(msg);
  if (msg)
    check_message(*msg);

  auto tx = proto::decode_transaction(data, size);
  check_error(tx);
  if (tx) {
    check_fixed_point(*tx, proto::encode_transaction, proto::decode_transaction,
                      "a transaction's encoding changed in a round trip");
    (void) proto::txid(*tx);
  }

  auto blk = proto::decode_block(data, size);
  check_error(blk);
  if (blk) {
    check_fixed_point(*blk, proto::encode_block, proto::decode_block,
                      "a block's encoding changed in a round trip");
    std::vector<proto::hash256> ids;
    for (const auto& t : blk->transactions)
      ids.push_back(proto::txid(t));
    (void) proto::merkle_root(ids);
    (void) proto::block_hash(blk->header);
  }

  auto header = proto::decode_header(data, size);
  check_error(header);
  if (header)
    check_fixed_point(*header, proto::encode_header, proto::decode_header,
                      "a header's encoding changed in a round trip");
  return 0;
}
