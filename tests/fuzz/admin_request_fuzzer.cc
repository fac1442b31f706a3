// libFuzzer target for the admin API's request bodies, path segments and
// queries: arbitrary bytes through every parser. Nothing may crash, and a
// refusal is always a 400 with a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/admin_request.h"

namespace server = citadel::server;

namespace {

template <typename T>
void CheckRefusal(const server::ApiResult<T>& result) {
  if (!result.ok() && (result.error().http_status != 400 || result.error().message.empty())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckRefusal(server::ParseAdminUserRequest(text));
  CheckRefusal(server::ParseAdminPasswordRequest(text));
  CheckRefusal(server::ParseAdminKeyRequest(text));
  CheckRefusal(server::PercentDecode(text, false));
  CheckRefusal(server::QueryParameter(text, "user"));
  return 0;
}
