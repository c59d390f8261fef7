#include "actors/conn_guard.hpp"

#include "actors/context.hpp"

namespace timecoin {

conn_guard::conn_guard(const node_context& ctx,
                       std::optional<security::ip_address> ip)
  : base_rate_(ctx.cfg.max_requests_per_second),
    exempt_(!ctx.cfg.enable_rate_limiting
            || (ip && ctx.whitelist.contains(*ip))),
    ip_(std::move(ip)),
    budgets_(ctx.budgets),
    bucket_(ctx.cfg.max_requests_per_second),
    bytes_(max_bytes_per_second, max_bytes_burst) {
  // nop
}

conn_guard::verdict conn_guard::charge(time_point now, std::size_t bytes) {
  if (exempt_)
    return verdict::pass;
  over_bytes_ = bytes > 0
                && !bytes_.try_consume(now, static_cast<double>(bytes));
  // Both frame budgets are charged only if the first allows it: a
  // connection over its own budget does not eat its address's.
  bool ok = !over_bytes_ && bucket_.try_consume(now)
            && (!budgets_ || !ip_ || budgets_->try_consume(*ip_, now));
  if (ok)
    return verdict::pass;
  return streak_.on_drop(now) ? verdict::flood : verdict::drop;
}

void conn_guard::set_masternodes(uint32_t count, time_point now) {
  auto rate = security::adaptive_gossip_rate(base_rate_, count);
  if (rate != bucket_.rate_per_second())
    bucket_.set_rate(now, rate);
}

} // namespace timecoin
