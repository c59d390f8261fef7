#pragma once

// Checks the sync coordinator and its state machines make on what peers
// send before anything of it is held (pure, no CAF).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chain/params.hpp"
#include "protocol/chain.hpp"
#include "security/violations.hpp"

namespace timecoin {

/// True if `b` names an authorised producer and carries its signature over
/// the header (which commits to the transactions through the Merkle root,
/// checked when the block is applied).
bool signed_by_producer(const chain::chain_params& params,
                        const proto::block& b);

/// Why a BLOCKS answer is refused before any of it is held, if it is: over
/// the serving bound (a protocol violation), or a block its producer did not
/// sign (an invalid block). Signatures are checked on the first `counted`
/// blocks: the rest are dropped unread.
std::optional<std::pair<security::violation, std::string>>
refuse_answer(const chain::chain_params& params,
              const std::vector<proto::block>& blocks, std::size_t counted);

/// False for refusals that say nothing about the peer that served the
/// block: local storage failures, a tip that moved under the write (blocks
/// produced meanwhile), and a branch refused for its length.
bool peer_at_fault(chain::reject_reason r);

} // namespace timecoin
