#include "actors/sync_checks.hpp"

#include <algorithm>

#include "actors/download_plan.hpp"
#include "security/node_key.hpp"

namespace timecoin {

bool signed_by_producer(const chain::chain_params& params,
                        const proto::block& b) {
  const auto& producers = params.producers;
  return std::find(producers.begin(), producers.end(), b.header.producer)
           != producers.end()
         && security::verify(b.header.producer,
                             proto::block_signing_bytes(
                               proto::block_hash(b.header)),
                             b.producer_signature);
}

std::optional<std::pair<security::violation, std::string>>
refuse_answer(const chain::chain_params& params,
              const std::vector<proto::block>& blocks, std::size_t counted) {
  if (!within_answer_bound(blocks))
    return std::make_pair(security::violation::protocol,
                          "BLOCKS answer of " + std::to_string(blocks.size())
                            + " blocks over the 4 MiB answer bound");
  auto n = std::min(counted, blocks.size());
  for (std::size_t i = 0; i < n; ++i)
    if (!signed_by_producer(params, blocks[i]))
      return std::make_pair(security::violation::invalid_block,
                            "block " + std::to_string(blocks[i].header.height)
                              + " not signed by an authorised producer");
  return std::nullopt;
}

bool peer_at_fault(chain::reject_reason r) {
  switch (r) {
    case chain::reject_reason::storage:
    case chain::reject_reason::bad_height:
    case chain::reject_reason::too_deep:
    case chain::reject_reason::not_longer: return false;
    default: return true;
  }
}

} // namespace timecoin
