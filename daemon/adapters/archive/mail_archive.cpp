#include "daemon/adapters/archive/mail_archive.hpp"

#include <fcntl.h>
#include <gmime/gmime.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <vector>

#include "daemon/core/errno_text.hpp"

namespace intake::daemon {
namespace {

constexpr std::size_t max_maildir_files = 10'000'000;

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// mboxrd writers quote body lines "From " as ">From " (and ">From " as
// ">>From "); one '>' comes off again.
std::string unquote_from_lines(std::string raw) {
  std::string out;
  out.reserve(raw.size());
  std::size_t line = 0;
  while (line < raw.size()) {
    std::size_t end = raw.find('\n', line);
    end = end == std::string::npos ? raw.size() : end + 1;
    std::size_t k = line;
    while (k < end && raw[k] == '>') ++k;
    if (k > line && end - k >= 5 && raw.compare(k, 5, "From ") == 0) ++line;
    out.append(raw, line, end - line);
    line = end;
  }
  return out;
}

Status read_mbox(const std::string& path, std::size_t max_bytes, const std::function<bool(ArchivedMessage&&)>& each) {
  static std::once_flag init;
  std::call_once(init, [] { g_mime_init(); });
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("cannot read " + path + ": " + errno_text(), true);
  // The slices are read through a second descriptor; GMime owns the first.
  FdCloser slices{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (slices.fd < 0) {
    ::close(fd);
    return fail("cannot read " + path + ": " + errno_text(), true);
  }
  char first[5] = {};
  if (::pread(slices.fd, first, 5, 0) != 5 || std::memcmp(first, "From ", 5) != 0) {
    ::close(fd);
    return fail(path + ": not an mbox file (it does not start with a \"From \" line) and not a Maildir folder", true);
  }
  GMimeStream* stream = g_mime_stream_fs_new(fd);  // closes fd when unreferenced
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_object_unref(stream);
  g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
  g_mime_parser_set_respect_content_length(parser, FALSE);
  Status result = Ok{};
  while (!g_mime_parser_eos(parser)) {
    GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
    if (message == nullptr) break;  // the rest is no message (trailing garbage)
    g_object_unref(message);
    const gint64 begin = g_mime_parser_get_headers_begin(parser);
    const gint64 end = g_mime_parser_tell(parser);
    char* marker = g_mime_parser_get_mbox_marker(parser);
    ArchivedMessage m;
    if (marker != nullptr) {
      m.delivered_at = mbox_from_line_time(marker);
      g_free(marker);
    }
    m.where = "offset " + std::to_string(begin);
    if (begin < 0 || end < begin) continue;
    std::size_t size = static_cast<std::size_t>(end - begin);
    if (size > max_bytes) {
      size = max_bytes;
      m.truncated = true;
    }
    m.raw.resize(size);
    std::size_t got = 0;
    while (got < size) {
      const ssize_t k = ::pread(slices.fd, m.raw.data() + got, size - got, static_cast<off_t>(begin) + static_cast<off_t>(got));
      if (k <= 0) break;
      got += static_cast<std::size_t>(k);
    }
    m.raw.resize(got);
    // The blank line before the next "From " belongs to the mbox, not the message.
    if (!m.truncated && m.raw.size() >= 2 && m.raw.compare(m.raw.size() - 2, 2, "\n\n") == 0) m.raw.pop_back();
    m.raw = unquote_from_lines(std::move(m.raw));
    if (!each(std::move(m))) break;
  }
  g_object_unref(parser);
  return result;
}

// Appends the messages of one Maildir subfolder (cur/ or new/), in name
// order, to `files`.
Status list_maildir_folder(const std::filesystem::path& dir, const std::filesystem::path& folder,
                           std::vector<std::filesystem::path>& files) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) return Ok{};
  std::vector<std::filesystem::path> here;
  for (auto it = std::filesystem::directory_iterator(folder, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    // Only plain files: a symlink could point anywhere on the machine.
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    if (files.size() + here.size() >= max_maildir_files)
      return fail(dir.string() + ": more than " + std::to_string(max_maildir_files) + " messages", true);
    here.push_back(it->path());
  }
  if (ec) return fail("cannot list " + folder.string() + ": " + ec.message(), true);
  std::sort(here.begin(), here.end());
  files.insert(files.end(), here.begin(), here.end());
  return Ok{};
}

// One Maildir file, its first max_bytes at most; none when it is gone
// (moved away meanwhile: a live Maildir).
std::optional<ArchivedMessage> read_maildir_file(const std::filesystem::path& file, std::size_t max_bytes) {
  ArchivedMessage m;
  m.where = file.filename().string();
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  m.raw.resize(max_bytes);
  in.read(m.raw.data(), static_cast<std::streamsize>(max_bytes));
  m.raw.resize(static_cast<std::size_t>(in.gcount()));
  m.truncated = in.peek() != std::char_traits<char>::eof();
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) m.delivered_at = std::chrono::sys_seconds{std::chrono::seconds{st.st_mtime}};
  return m;
}

Status read_maildir(const std::filesystem::path& dir, std::size_t max_bytes,
                    const std::function<bool(ArchivedMessage&&)>& each) {
  std::vector<std::filesystem::path> files;
  for (const char* sub : {"cur", "new"})
    if (auto listed = list_maildir_folder(dir, dir / sub, files); !listed) return listed.error();
  for (const auto& file : files) {
    auto m = read_maildir_file(file, max_bytes);
    if (m && !each(std::move(*m))) break;
  }
  return Ok{};
}

}  // namespace

std::optional<std::chrono::sys_seconds> mbox_from_line_time(const std::string& line) {
  // "From SENDER DATE": the date is the last 24 characters or so
  // ("Thu Jan  1 10:00:00 2026"); some writers add a zone, so the date is
  // read from the third word on.
  std::size_t at = line.find(' ');
  if (at == std::string::npos) return std::nullopt;
  at = line.find(' ', at + 1);  // after "From SENDER"
  if (at == std::string::npos) return std::nullopt;
  std::string rest = line.substr(at + 1, 64);
  std::tm tm{};
  const char* end = strptime(rest.c_str(), "%a %b %d %H:%M:%S %Y", &tm);
  if (end == nullptr) return std::nullopt;
  const std::time_t t = timegm(&tm);
  if (t <= 0) return std::nullopt;
  return std::chrono::sys_seconds{std::chrono::seconds{t}};
}

Status read_mail_archive(const std::string& path, std::size_t max_message_bytes,
                         const std::function<bool(ArchivedMessage&&)>& each) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (std::filesystem::is_directory(p, ec)) {
    if (!std::filesystem::is_directory(p / "cur", ec) && !std::filesystem::is_directory(p / "new", ec))
      return fail(path + ": a folder without cur/ or new/ is not a Maildir", true);
    return read_maildir(p, max_message_bytes, each);
  }
  if (!std::filesystem::is_regular_file(p, ec)) return fail(path + ": no such mbox file or Maildir folder", true);
  return read_mbox(path, max_message_bytes, each);
}

}  // namespace intake::daemon
