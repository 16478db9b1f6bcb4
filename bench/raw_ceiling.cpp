// The raw ceilings the end-to-end benchmark is measured against, in the same
// run on the same machine (bench/README.md):
//   raw-fetch URL USER PASSWORD_FILE   every message of the folder fetched over
//                                      one reused libcurl handle, nothing else
//   raw-copy CONNINFO ROWS BYTES       ROWS rows of BYTES bytes written with COPY
//   raw-move URL USER PASSWORD_FILE DEST PER_COMMAND
//                                      every message of the folder moved to DEST
//                                      with UID MOVE, PER_COMMAND UIDs a command,
//                                      over one reused libcurl handle
//   raw-smtp CONNINFO MAX_ID HOST PORT CONNECTIONS
//                                      the sent rows of the outbox up to id
//                                      MAX_ID (read before
//                                      the clock starts) sent again to the MTA
//                                      over CONNECTIONS libcurl handles at once,
//                                      one SMTP transaction a message
// Each prints one JSON object: messages, bytes, seconds.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <pqxx/stream_to>
#include <thread>
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

// Every UID of the folder in URL: UIDNEXT, then the UIDs in windows (a long
// SEARCH line is more than libcurl takes). Empty on an error.
std::vector<unsigned long> folder_uids(CURL* h, const std::string& url, std::string& out, bool& ok) {
  ok = false;
  std::vector<unsigned long> uids;
  const std::string base = url.substr(0, url.rfind('/') + 1), folder = url.substr(url.rfind('/') + 1);
  out.clear();
  curl_easy_setopt(h, CURLOPT_URL, base.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, ("STATUS " + folder + " (UIDNEXT)").c_str());
  if (curl_easy_perform(h) != CURLE_OK) return uids;
  const auto at = out.find("UIDNEXT ");
  const unsigned long uidnext = at == std::string::npos ? 0 : std::stoul(out.substr(at + 8));
  for (unsigned long lo = 1; lo < uidnext; lo += 2000) {
    out.clear();
    const unsigned long hi = std::min(uidnext - 1, lo + 1999);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, ("UID SEARCH UID " + std::to_string(lo) + ":" + std::to_string(hi)).c_str());
    if (curl_easy_perform(h) != CURLE_OK) return uids;
    const auto found = out.find("SEARCH");
    std::istringstream words(found == std::string::npos ? std::string() : out.substr(found + 6));
    unsigned long u = 0;
    while (words >> u)
      if (u >= lo && u <= hi) uids.push_back(u);
  }
  ok = true;
  return uids;
}

CURL* imap_handle(const std::string& user, const std::string& password, std::string& out) {
  CURL* h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_USERNAME, user.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
  return h;
}

int raw_fetch(const std::string& url, const std::string& user, const std::string& password_file) {
  const std::string password = first_line(password_file);
  std::string out;
  CURL* h = imap_handle(user, password, out);
  bool ok = false;
  const std::vector<unsigned long> uids = folder_uids(h, url, out, ok);
  if (!ok) return 1;
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

// "a:b" for a run of consecutive UIDs, else a comma list of such runs.
std::string uid_set(const std::vector<unsigned long>& uids) {
  std::string set;
  for (std::size_t i = 0; i < uids.size();) {
    std::size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!set.empty()) set += ',';
    set += std::to_string(uids[i]);
    if (j > i) set += ':' + std::to_string(uids[j]);
    i = j + 1;
  }
  return set;
}

int raw_move(const std::string& url, const std::string& user, const std::string& password_file,
             const std::string& dest, std::size_t per_command) {
  const std::string password = first_line(password_file);
  std::string out;
  CURL* h = imap_handle(user, password, out);
  bool ok = false;
  const std::vector<unsigned long> uids = folder_uids(h, url, out, ok);
  if (!ok || per_command == 0) return 1;
  const std::string base = url.substr(0, url.rfind('/') + 1);
  curl_easy_setopt(h, CURLOPT_URL, base.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, ("CREATE " + dest).c_str());
  curl_easy_perform(h);  // fails when it exists already, which is as good
  // The first command SELECTs the folder (libcurl keeps it selected); that
  // is done before the clock starts, as intake's SELECT is not a move either.
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "NOOP");
  if (curl_easy_perform(h) != CURLE_OK) return 1;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < uids.size(); at += per_command) {
    const std::vector<unsigned long> chunk(uids.begin() + static_cast<std::ptrdiff_t>(at),
                                           uids.begin() + static_cast<std::ptrdiff_t>(std::min(uids.size(), at + per_command)));
    out.clear();
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, ("UID MOVE " + uid_set(chunk) + " " + dest).c_str());
    if (curl_easy_perform(h) != CURLE_OK) return 1;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  curl_easy_cleanup(h);
  std::cout << "{\"messages\": " << uids.size() << ", \"bytes\": 0, \"seconds\": " << s << "}\n";
  return 0;
}

struct Mail {
  std::string from;
  std::vector<std::string> rcpt;
  std::string raw;
};

struct Upload {
  const std::string* data;
  std::size_t at = 0;
};

extern "C" size_t read_upload(char* buf, size_t size, size_t n, void* p) {
  auto* up = static_cast<Upload*>(p);
  const std::size_t len = std::min(size * n, up->data->size() - up->at);
  std::copy_n(up->data->data() + up->at, len, buf);
  up->at += len;
  return len;
}

// One connection's share: every mail i with i % step == first, one
// transaction each over one reused handle (as intake's sender).
bool send_share(const std::vector<Mail>& mails, std::size_t first, std::size_t step, const std::string& url) {
  CURL* h = curl_easy_init();
  bool ok = true;
  for (std::size_t i = first; i < mails.size() && ok; i += step) {
    const Mail& m = mails[i];
    curl_slist* rcpts = nullptr;
    for (const auto& r : m.rcpt) rcpts = curl_slist_append(rcpts, r.c_str());
    Upload up{&m.raw};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, ("<" + m.from + ">").c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(m.raw.size()));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    ok = curl_easy_perform(h) == CURLE_OK;
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
    curl_slist_free_all(rcpts);
  }
  curl_easy_cleanup(h);
  return ok;
}

int raw_smtp(const std::string& conninfo, long max_id, const std::string& host, const std::string& port, std::size_t connections) {
  std::vector<Mail> mails;
  std::size_t bytes = 0;
  {
    pqxx::connection c(conninfo);
    pqxx::work tx(c);
    for (const auto& row : tx.exec("SELECT mail_from, rcpt_to, raw FROM outbox WHERE status = 'sent' AND id <= " +
                                   std::to_string(max_id) + " ORDER BY id")) {
      Mail m{row[0].as<std::string>(), {}, pqxx::binarystring(row[2]).str()};
      const std::string rcpt = row[1].as<std::string>();
      std::istringstream list(rcpt);
      for (std::string r; std::getline(list, r, ',');)
        if (!r.empty()) m.rcpt.push_back(r);
      bytes += m.raw.size();
      mails.push_back(std::move(m));
    }
  }
  if (mails.empty() || connections == 0) return 1;
  const std::string url = "smtp://" + host + ":" + port;
  std::vector<char> ok(connections, 0);
  const auto t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> senders;
    for (std::size_t k = 0; k < connections; ++k)
      senders.emplace_back([&, k] { ok[k] = send_share(mails, k, connections, url) ? 1 : 0; });
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (std::count(ok.begin(), ok.end(), 0) != 0) return 1;
  std::cout << "{\"messages\": " << mails.size() << ", \"bytes\": " << bytes << ", \"seconds\": " << s
            << ", \"connections\": " << connections << "}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (a.size() == 4 && a[0] == "raw-fetch") return raw_fetch(a[1], a[2], a[3]);
  if (a.size() == 4 && a[0] == "raw-copy") return raw_copy(a[1], std::stol(a[2]), std::stol(a[3]));
  if (a.size() == 6 && a[0] == "raw-move") return raw_move(a[1], a[2], a[3], a[4], std::stoul(a[5]));
  if (a.size() == 6 && a[0] == "raw-smtp") return raw_smtp(a[1], std::stol(a[2]), a[3], a[4], std::stoul(a[5]));
  std::cerr << "usage: intake_bench_raw raw-fetch URL USER PASSWORD_FILE | raw-copy CONNINFO ROWS BYTES\n"
               "       | raw-move URL USER PASSWORD_FILE DEST PER_COMMAND | raw-smtp CONNINFO MAX_ID HOST PORT CONNECTIONS\n";
  return 2;
}
