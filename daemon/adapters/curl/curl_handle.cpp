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
  if (sink->handle != nullptr && sink->data.empty()) {
    curl_off_t announced = -1;
    if (curl_easy_getinfo(sink->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) == CURLE_OK && announced > 0) {
      // Over the bound it would overflow below anyway: stop before reading
      // (and holding) the first max_bytes of it.
      if (sink->max_bytes != 0 && static_cast<std::size_t>(announced) > sink->max_bytes) {
        sink->overflow = true;
        return 0;
      }
      // Never more than the bound, whatever a server announces.
      sink->data.reserve(static_cast<std::size_t>(announced));
    }
  }
  sink->data.append(ptr, n);
  return n;
}

}  // namespace intake::daemon
