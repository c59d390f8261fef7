#include "apps/rpc/dispatcher.hpp"

#include <string>

#include "protocol/printable.hpp"

namespace timecoin::rpc {

dispatcher::dispatcher(node_backend& backend,
                       std::chrono::steady_clock::time_point started)
  : backend_(backend), started_(started) {
  // nop
}

result<json, rpc_error> dispatcher::operator()(const rpc_request& req) const {
  const auto* method = find_method(req.method);
  if (method == nullptr)
    return rpc_error{rpc_code::method_not_found,
                     "method not found: '" + printable(req.method) + "'"};
  auto args = bind_params(*method, req.params);
  if (!args)
    return args.error();
  if (method->handler == nullptr)
    return rpc_error{rpc_code::internal_error, "method '"
                                                 + std::string{method->name}
                                                 + "' has no handler"};
  return method->handler(method_call{*method, *args, backend_, started_});
}

} // namespace timecoin::rpc
