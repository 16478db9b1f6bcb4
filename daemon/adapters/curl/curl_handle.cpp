#include "daemon/adapters/curl/curl_handle.hpp"

#include <mutex>

namespace intake::daemon {

void curl_global_setup() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

extern "C" size_t intake_curl_sink_write(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<CurlSink*>(userdata);
  const size_t n = size * nmemb;
  if (sink->max_bytes != 0 && sink->data.size() + n > sink->max_bytes) {
    sink->overflow = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->data.append(ptr, n);
  return n;
}

}  // namespace intake::daemon
