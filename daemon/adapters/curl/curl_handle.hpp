// RAII around libcurl easy handles and slists; the only curl types that exist
// outside the adapters' .cpp files are hidden behind these.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace intake::daemon {

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// curl_global_init once per process, before any thread starts.
void curl_global_setup();

// Appends received bytes to a std::string, up to a bound (0: none). With
// `handle` set, the first write reserves the size the server announced
// (libcurl's IMAP reads it from the FETCH literal's {N}): a 25 MB message is
// then one allocation of its size, not a string doubling its way up (a
// second, larger copy while the last grows); an announced size over the
// bound overflows at once.
struct CurlSink {
  std::string data;
  std::size_t max_bytes = 0;
  bool overflow = false;
  CURL* handle = nullptr;
};
extern "C" size_t intake_curl_sink_write(char* ptr, size_t size, size_t nmemb, void* userdata);

}  // namespace intake::daemon
