#include "apps/rpc/json_rpc.hpp"

#include <exception>

namespace timecoin::rpc {

namespace {

/// Runs the handler for one element of a body; nothing for a notification.
std::optional<json> handle_one(const json& element,
                               const rpc_handler& handler) {
  auto req = parse_request(element);
  if (!req) {
    // An unusable request gets an answer even without an id (JSON-RPC 2.0 §5).
    json id = nullptr;
    if (element.is_object() && element.contains("id")
        && (element["id"].is_string() || element["id"].is_number()))
      id = element["id"];
    return make_error_response(id, req.error());
  }
  result<json, rpc_error> out = rpc_error{rpc_code::internal_error, ""};
  try {
    out = handler(*req);
  } catch (const std::exception& e) {
    // Handlers report expected failures as values; this is a bug, but one
    // request must not take the server down.
    out = rpc_error{rpc_code::internal_error,
                    std::string{"internal error: "} + e.what()};
  }
  if (req->notification)
    return std::nullopt;
  if (!out)
    return make_error_response(req->id, out.error());
  return make_result_response(req->id, std::move(*out));
}

} // namespace

result<rpc_request, rpc_error> parse_request(const json& j) {
  if (!j.is_object())
    return rpc_error{rpc_code::invalid_request,
                     "invalid request: not a JSON object"};
  auto version = j.find("jsonrpc");
  if (version == j.end() || *version != "2.0")
    return rpc_error{rpc_code::invalid_request,
                     "invalid request: \"jsonrpc\" must be \"2.0\""};
  rpc_request req;
  auto id = j.find("id");
  if (id == j.end()) {
    req.notification = true;
  } else if (id->is_string() || id->is_number() || id->is_null()) {
    req.id = *id;
  } else {
    return rpc_error{rpc_code::invalid_request,
                     "invalid request: \"id\" must be a string, number or "
                     "null"};
  }
  auto method = j.find("method");
  if (method == j.end() || !method->is_string())
    return rpc_error{rpc_code::invalid_request,
                     "invalid request: \"method\" must be a string"};
  req.method = method->get<std::string>();
  auto params = j.find("params");
  if (params != j.end()) {
    if (!params->is_array() && !params->is_object())
      return rpc_error{rpc_code::invalid_request,
                       "invalid request: \"params\" must be an array or an "
                       "object"};
    req.params = *params;
  }
  return req;
}

json make_result_response(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"result", std::move(result)}, {"id", id}};
}

json make_error_response(const json& id, const rpc_error& err) {
  return json{
    {"jsonrpc", "2.0"},
    {"error", {{"code", static_cast<int>(err.code)}, {"message", err.message}}},
    {"id", id}};
}

std::optional<json> handle_body(std::string_view body,
                                const rpc_handler& handler) {
  auto doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded())
    return make_error_response(nullptr, {rpc_code::parse_error,
                                         "parse error: the body is not "
                                         "JSON"});
  if (!doc.is_array())
    return handle_one(doc, handler);
  if (doc.empty())
    return make_error_response(nullptr, {rpc_code::invalid_request,
                                         "invalid request: empty batch"});
  if (doc.size() > max_batch_requests)
    return make_error_response(
      nullptr, {rpc_code::invalid_request,
                "invalid request: a batch holds at most "
                  + std::to_string(max_batch_requests) + " requests"});
  auto responses = json::array();
  for (const auto& element : doc)
    if (auto r = handle_one(element, handler))
      responses.push_back(std::move(*r));
  if (responses.empty())
    return std::nullopt;
  return responses;
}

std::string to_wire(const json& doc) {
  // dump() throws type_error 316 on invalid UTF-8 by default.
  return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace timecoin::rpc
