// The raw ceilings the end-to-end benchmark is measured against, in the same
// run on the same machine (bench/README.md):
//   raw-fetch URL USER PASSWORD_FILE   every message of the folder fetched over
//                                      one reused libcurl handle, nothing else
//   raw-copy CONNINFO ROWS BYTES       ROWS rows of BYTES bytes written with COPY
// Each prints one JSON object: messages, bytes, seconds.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <pqxx/stream_to>
#include <tuple>
#include <sstream>
#include <string>
#include <vector>

namespace {

extern "C" size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

int raw_fetch(const std::string& url, const std::string& user, const std::string& password_file) {
  const std::string password = first_line(password_file);
  CURL* h = curl_easy_init();
  std::string out;
  curl_easy_setopt(h, CURLOPT_USERNAME, user.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
  // UIDNEXT, then the UIDs in windows (a long SEARCH line is more than libcurl takes).
  const std::string base = url.substr(0, url.rfind('/') + 1), folder = url.substr(url.rfind('/') + 1);
  curl_easy_setopt(h, CURLOPT_URL, base.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, ("STATUS " + folder + " (UIDNEXT)").c_str());
  if (curl_easy_perform(h) != CURLE_OK) return 1;
  const auto at = out.find("UIDNEXT ");
  const unsigned long uidnext = at == std::string::npos ? 0 : std::stoul(out.substr(at + 8));
  std::vector<unsigned long> uids;
  for (unsigned long lo = 1; lo < uidnext; lo += 2000) {
    out.clear();
    const unsigned long hi = std::min(uidnext - 1, lo + 1999);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, ("UID SEARCH UID " + std::to_string(lo) + ":" + std::to_string(hi)).c_str());
    if (curl_easy_perform(h) != CURLE_OK) return 1;
    const auto found = out.find("SEARCH");
    std::istringstream words(found == std::string::npos ? std::string() : out.substr(found + 6));
    unsigned long u = 0;
    while (words >> u)
      if (u >= lo && u <= hi) uids.push_back(u);
  }
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, nullptr);
  std::size_t bytes = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (unsigned long uid : uids) {
    out.clear();
    const std::string u = url + "/;UID=" + std::to_string(uid);
    curl_easy_setopt(h, CURLOPT_URL, u.c_str());
    if (curl_easy_perform(h) != CURLE_OK) return 1;
    bytes += out.size();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  curl_easy_cleanup(h);
  std::cout << "{\"messages\": " << uids.size() << ", \"bytes\": " << bytes << ", \"seconds\": " << s << "}\n";
  return 0;
}

int raw_copy(const std::string& conninfo, long rows, long row_bytes) {
  pqxx::connection c(conninfo);
  {
    pqxx::work tx(c);
    tx.exec("DROP TABLE IF EXISTS bench_copy");
    tx.exec("CREATE TABLE bench_copy (id bigint, message_id text, raw bytea)");
    tx.commit();
  }
  const std::string payload(static_cast<std::size_t>(row_bytes), 'x');
  const auto t0 = std::chrono::steady_clock::now();
  {
    pqxx::work tx(c);
    pqxx::stream_to w(tx, "bench_copy", std::vector<std::string>{"id", "message_id", "raw"});
    for (long i = 0; i < rows; ++i) w << std::make_tuple(i, "<bench-" + std::to_string(i) + "@example.test>", payload);
    w.complete();
    tx.commit();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  {
    pqxx::work tx(c);
    tx.exec("DROP TABLE bench_copy");
    tx.commit();
  }
  std::cout << "{\"messages\": " << rows << ", \"bytes\": " << rows * row_bytes << ", \"seconds\": " << s << "}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (a.size() == 4 && a[0] == "raw-fetch") return raw_fetch(a[1], a[2], a[3]);
  if (a.size() == 4 && a[0] == "raw-copy") return raw_copy(a[1], std::stol(a[2]), std::stol(a[3]));
  std::cerr << "usage: intake_bench_raw raw-fetch URL USER PASSWORD_FILE | raw-copy CONNINFO ROWS BYTES\n";
  return 2;
}
