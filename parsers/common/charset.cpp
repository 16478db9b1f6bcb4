#include "parsers/common/charset.hpp"
#include "parsers/common/strings.hpp"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace intake::parsers {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";
// Chunk of output iconv writes into per call; the result grows by chunks.
constexpr std::size_t iconv_chunk_bytes = 4096;
// Charset names longer than this are garbage, not names.
constexpr std::size_t max_charset_name_bytes = 64;

// What a lead byte asks of the bytes after it: how many (0: not a lead
// byte), and the range of the first one, narrower than 80..BF where the
// shortest form or the code point range would be broken.
struct LeadByte {
  std::size_t need = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
};

LeadByte lead_byte(unsigned char lead) {
  LeadByte out;
  if (lead >= 0xC2 && lead <= 0xDF) {
    out.need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    out.need = 2;
    if (lead == 0xE0) out.lo = 0xA0;  // overlong
    if (lead == 0xED) out.hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    out.need = 3;
    if (lead == 0xF0) out.lo = 0x90;  // overlong
    if (lead == 0xF4) out.hi = 0x8F;  // above U+10FFFF
  }
  return out;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
// When invalid, `maximal_subpart` receives how many bytes form the maximal
// invalid prefix (at least 1), so each one becomes a single U+FFFD.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i,
                                  std::size_t& maximal_subpart) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  maximal_subpart = 1;
  if (lead < 0x80) return 1;
  const LeadByte expect = lead_byte(lead);
  if (expect.need == 0) return 0;
  for (std::size_t k = 1; k <= expect.need; ++k) {
    if (i + k >= s.size()) return 0;
    const unsigned char c = byte(i + k);
    const unsigned char min = k == 1 ? expect.lo : 0x80;
    const unsigned char max = k == 1 ? expect.hi : 0xBF;
    if (c < min || c > max) return 0;
    maximal_subpart = k + 1;
  }
  return expect.need + 1;
}

// How a declared charset is handled.
enum class Plan { utf8, ascii, guess, iconv };

struct CharsetChoice {
  Plan plan = Plan::guess;
  std::string iconv_name;
};

// Mail carries many spellings of the same charsets; map them to what glibc
// iconv knows, and follow the WHATWG Encoding Standard where mail clients do
// (latin1 labels really carry windows-1252, gb2312 really carries GBK/GB18030).
CharsetChoice choose_charset(std::string_view declared) {
  std::string name = ascii_lower(declared);
  const auto is_trim = [](char c) { return c == ' ' || c == '\t' || c == '"' || c == '\''; };
  while (!name.empty() && is_trim(name.back())) name.pop_back();
  const auto first = std::find_if_not(name.begin(), name.end(), is_trim);
  name.erase(name.begin(), first);
  if (name.empty() || name.size() > max_charset_name_bytes) return {Plan::guess, {}};

  if (name == "utf-8" || name == "utf8" || name == "unicode-1-1-utf-8" || name == "x-unicode20utf8") {
    return {Plan::utf8, {}};
  }
  if (name == "us-ascii" || name == "ascii" || name == "ansi_x3.4-1968" || name == "us" ||
      name == "iso646-us" || name == "7bit" || name == "8bit" || name == "unknown-8bit" ||
      name == "x-unknown" || name == "default") {
    return {Plan::ascii, {}};
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> aliases{{
      {"latin1", "WINDOWS-1252"},      {"latin-1", "WINDOWS-1252"},
      {"iso-8859-1", "WINDOWS-1252"},  {"iso8859-1", "WINDOWS-1252"},
      {"iso_8859-1", "WINDOWS-1252"},  {"l1", "WINDOWS-1252"},
      {"cp1252", "WINDOWS-1252"},      {"x-cp1252", "WINDOWS-1252"},
      {"windows-1252", "WINDOWS-1252"}, {"cp819", "WINDOWS-1252"},
      {"gb2312", "GB18030"},           {"gbk", "GB18030"},
      {"x-gbk", "GB18030"},            {"euc-cn", "GB18030"},
      {"shift-jis", "SHIFT_JIS"},      {"x-sjis", "SHIFT_JIS"},
      {"sjis", "SHIFT_JIS"},           {"ks_c_5601-1987", "CP949"},
      {"iso-8859-8-i", "ISO-8859-8"},  {"x-mac-roman", "MACINTOSH"},
      {"utf-7", "UTF-7"},              {"unicode-1-1-utf-7", "UTF-7"},
  }};
  for (const auto& [alias, iconv_name] : aliases) {
    if (name == alias) return {Plan::iconv, std::string(iconv_name)};
  }
  return {Plan::iconv, name};
}

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};
using IconvHandle = std::unique_ptr<void, IconvCloser>;

IconvHandle open_to_utf8(const std::string& from) {
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  // NOLINTNEXTLINE(performance-no-int-to-ptr): (iconv_t)-1 is how iconv_open says it failed
  if (cd == reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) return IconvHandle{};
  return IconvHandle{cd};
}

bool is_windows_1252(const std::string& iconv_name) { return iconv_name == "WINDOWS-1252"; }

// Runs iconv over the whole input. Returns false when the charset is unknown
// to iconv. `had_invalid` tells whether any U+FFFD was substituted.
bool iconv_convert(std::string_view bytes, const std::string& iconv_name, std::string& out,
                   bool& had_invalid) {
  IconvHandle handle = open_to_utf8(iconv_name);
  if (!handle) return false;
  auto* cd = static_cast<iconv_t>(handle.get());
  out.clear();
  out.reserve(bytes.size() + bytes.size() / 2);
  // iconv's interface takes char** although it never writes the input.
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  std::array<char, iconv_chunk_bytes> chunk{};
  while (true) {
    char* out_ptr = chunk.data();
    std::size_t out_left = chunk.size();
    const std::size_t rc = iconv(cd, in_left > 0 ? &in : nullptr, &in_left, &out_ptr, &out_left);
    out.append(chunk.data(), chunk.size() - out_left);
    if (rc != static_cast<std::size_t>(-1)) {
      if (in_left == 0) {
        // Flush the shift state of stateful encodings (ISO-2022-JP, UTF-7).
        out_ptr = chunk.data();
        out_left = chunk.size();
        iconv(cd, nullptr, nullptr, &out_ptr, &out_left);
        out.append(chunk.data(), chunk.size() - out_left);
        return true;
      }
      continue;
    }
    if (errno == E2BIG) continue;
    if (errno == EILSEQ || errno == EINVAL) {
      if (in_left == 0) {
        // POSIX leaves `in` at the offending bytes, but glibc's ISO-2022-CN-EXT
        // reports a shift-out with nothing designated after consuming it. At
        // the end of the input there is nothing left to skip (skipping would
        // run `in_left` below zero and iconv past the end of `bytes`).
        out += replacement_character;
        had_invalid = true;
        return true;
      }
      const auto bad = static_cast<unsigned char>(*in);
      if (is_windows_1252(iconv_name) && bad >= 0x80 && bad <= 0x9F) {
        // The five bytes windows-1252 leaves undefined decode to the C1
        // control of the same value, as browsers do; they are not errors.
        out += static_cast<char>(0xC2);
        out += static_cast<char>(bad);
      } else {
        out += replacement_character;
        had_invalid = true;
      }
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state after an error
      if (in_left == 0) return true;
      continue;
    }
    // Anything else from iconv is unexpected: keep what we have, mark the rest.
    out += replacement_character;
    had_invalid = true;
    return true;
  }
}

std::string guess(std::string_view bytes, std::string_view declared, std::vector<std::string>& warnings) {
  if (is_valid_utf8(bytes)) {
    warnings.push_back("charset '" + sanitize_utf8(declared.substr(0, max_charset_name_bytes)) +
                       "' not usable for 8-bit text; bytes are valid UTF-8, used as UTF-8");
    return std::string(bytes);
  }
  std::string out;
  bool had_invalid = false;
  if (!iconv_convert(bytes, "WINDOWS-1252", out, had_invalid)) return sanitize_utf8(bytes);
  warnings.push_back("charset '" + sanitize_utf8(declared.substr(0, max_charset_name_bytes)) +
                     "' not usable for 8-bit text; decoded as windows-1252");
  return out;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  std::size_t subpart = 0;
  while (i < s.size()) {
    const std::size_t n = utf8_sequence_length(s, i, subpart);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  std::size_t subpart = 0;
  while (i < s.size()) {
    const std::size_t n = utf8_sequence_length(s, i, subpart);
    if (n == 0) {
      out += replacement_character;
      i += subpart;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::optional<std::string> decode_strictly(std::string_view bytes, std::string_view charset) {
  const CharsetChoice choice = choose_charset(charset);
  if (choice.plan != Plan::iconv) return std::nullopt;
  std::string out;
  bool had_invalid = false;
  if (!iconv_convert(bytes, choice.iconv_name, out, had_invalid) || had_invalid || !is_valid_utf8(out))
    return std::nullopt;
  return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset,
                    std::vector<std::string>& warnings) {
  const CharsetChoice choice = choose_charset(charset);
  switch (choice.plan) {
    case Plan::utf8:
      if (is_valid_utf8(bytes)) return std::string(bytes);
      warnings.push_back("invalid UTF-8 replaced with U+FFFD");
      return sanitize_utf8(bytes);
    case Plan::ascii:
    case Plan::guess:
      if (is_ascii(bytes)) return std::string(bytes);
      return guess(bytes, charset, warnings);
    case Plan::iconv:
      break;
  }
  std::string out;
  bool had_invalid = false;
  if (!iconv_convert(bytes, choice.iconv_name, out, had_invalid)) {
    if (is_ascii(bytes)) return std::string(bytes);
    return guess(bytes, charset, warnings);
  }
  if (had_invalid) {
    warnings.push_back("invalid bytes for charset '" + sanitize_utf8(charset.substr(0, max_charset_name_bytes)) +
                       "' replaced with U+FFFD");
  }
  // iconv output is UTF-8 by construction; sanitize anyway so a faulty
  // converter module can never hand invalid UTF-8 downstream.
  if (!is_valid_utf8(out)) return sanitize_utf8(out);
  return out;
}

}  // namespace intake::parsers
