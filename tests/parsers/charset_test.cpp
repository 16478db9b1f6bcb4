#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "parsers/common/charset.hpp"

namespace intake::parsers {
namespace {

TEST(charset, utf8_passes_through_without_warning) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("h\xC3\xA9llo", "UTF-8", w), "h\xC3\xA9llo");
  EXPECT_EQ(to_utf8("h\xC3\xA9llo", "utf8", w), "h\xC3\xA9llo");
  EXPECT_TRUE(w.empty());
}

TEST(charset, invalid_utf8_replaced_not_dropped) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("a\xFF" "b\xC3", "utf-8", w), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(w.size(), 1u);
}

TEST(charset, latin1_aliases_decode) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("J\xF8rn", "latin1", w), "J\xC3\xB8rn");
  EXPECT_EQ(to_utf8("J\xF8rn", "ISO-8859-1", w), "J\xC3\xB8rn");
  EXPECT_EQ(to_utf8("J\xF8rn", " \"iso-8859-1\" ", w), "J\xC3\xB8rn");
  EXPECT_TRUE(w.empty());
}

TEST(charset, latin1_label_with_windows_quotes_decodes_as_cp1252) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("\x93hi\x94", "iso-8859-1", w), "\xE2\x80\x9Chi\xE2\x80\x9D");
  EXPECT_EQ(to_utf8("\x80", "cp1252", w), "\xE2\x82\xAC");
  EXPECT_TRUE(w.empty());
}

TEST(charset, cp1252_undefined_bytes_become_c1_controls) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("\x81", "windows-1252", w), "\xC2\x81");
  EXPECT_TRUE(w.empty());
}

TEST(charset, iso_2022_jp_decodes) {
  std::vector<std::string> w;
  // "こんにちは" in ISO-2022-JP
  EXPECT_EQ(to_utf8("\x1B$B$3$s$K$A$O\x1B(B", "iso-2022-jp", w),
            "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF");
  EXPECT_TRUE(w.empty());
}

TEST(charset, shift_jis_decodes) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("\x82\xA0", "shift_jis", w), "\xE3\x81\x82");  // あ
  EXPECT_EQ(to_utf8("\x82\xA0", "x-sjis", w), "\xE3\x81\x82");
}

TEST(charset, gb2312_label_decodes_gbk_text) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("\xC4\xE3\xBA\xC3", "gb2312", w), "\xE4\xBD\xA0\xE5\xA5\xBD");  // 你好
  EXPECT_TRUE(w.empty());
}

TEST(charset, koi8_r_decodes) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("\xF0\xD2\xC9\xD7\xC5\xD4", "koi8-r", w), "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
}

TEST(charset, us_ascii_plain_text_unchanged) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("plain", "us-ascii", w), "plain");
  EXPECT_TRUE(w.empty());
}

TEST(charset, us_ascii_with_utf8_bytes_kept_as_utf8_with_warning) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("caf\xC3\xA9", "us-ascii", w), "caf\xC3\xA9");
  EXPECT_EQ(w.size(), 1u);
}

TEST(charset, us_ascii_with_latin_bytes_decoded_as_cp1252) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("caf\xE9", "us-ascii", w), "caf\xC3\xA9");
  EXPECT_EQ(w.size(), 1u);
}

TEST(charset, unknown_charset_falls_back_with_warning) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("caf\xE9", "x-no-such-charset", w), "caf\xC3\xA9");
  EXPECT_EQ(w.size(), 1u);
  w.clear();
  EXPECT_EQ(to_utf8("caf\xC3\xA9", "", w), "caf\xC3\xA9");
  EXPECT_EQ(w.size(), 1u);
}

TEST(charset, invalid_multibyte_input_marks_each_bad_byte) {
  std::vector<std::string> w;
  const std::string out = to_utf8("\x82\xA0\xFF\x82\xA0", "shift_jis", w);
  EXPECT_EQ(out, "\xE3\x81\x82\xEF\xBF\xBD\xE3\x81\x82");
  EXPECT_EQ(w.size(), 1u);
}

TEST(charset, truncated_multibyte_at_end_replaced) {
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("a\x82", "shift_jis", w), "a\xEF\xBF\xBD");
  EXPECT_EQ(w.size(), 1u);
}

TEST(charset, iso_2022_cn_ext_shift_out_at_the_end_is_one_replacement) {
  // glibc's ISO-2022-CN-EXT consumes a shift-out with no set designated and
  // then reports it as invalid; skipping "the bad byte" after that ran past
  // the end of the input (found by feeding every charset malformed input).
  std::vector<std::string> w;
  EXPECT_EQ(to_utf8("a\x0E", "ISO-2022-CN-EXT", w), "a\xEF\xBF\xBD");
  EXPECT_EQ(w.size(), 1u);
}

// The charset names this machine's iconv lists ("iconv --list": "NAME//"
// entries, comma or line separated).
std::vector<std::string> iconv_charsets() {
  std::vector<std::string> names;
  const std::unique_ptr<FILE, int (*)(FILE*)> list(popen("iconv --list", "r"), pclose);
  if (!list) return names;
  std::string name;
  for (int c = std::fgetc(list.get()); c != EOF; c = std::fgetc(list.get())) {
    if (c == ',' || c == '\n' || c == ' ' || c == '/') {
      if (!name.empty()) names.push_back(name);
      name.clear();
    } else {
      name += static_cast<char>(c);
    }
  }
  if (!name.empty()) names.push_back(name);
  return names;
}

TEST(charset, every_charset_iconv_knows_survives_malformed_input) {
  // A message may name any of them. Escapes, shifts and lead bytes at random,
  // cut anywhere, some longer than one output chunk: whatever a converter
  // does with them, the result is valid UTF-8 and nothing is read past the
  // input (ASan checks that in stage 5).
  const std::vector<std::string> names = iconv_charsets();
  ASSERT_GT(names.size(), 100u) << "iconv --list gave too few names";
  static constexpr std::string_view tricky = "\x1B$()*+-.@ABCDGHJNOS~{}\x0E\x0F\x8E\x8F\xA1\xFE\x80\xFF";
  std::mt19937 rng(20261202);
  for (const auto& name : names) {
    for (int k = 0; k < 60; ++k) {
      std::string bytes((k % 20 == 19) ? 4096 + rng() % 4096 : rng() % 48, '\0');
      for (char& c : bytes) {
        const auto r = rng();
        c = (k % 2 == 0 || r % 4 == 0) ? static_cast<char>(r >> 8) : tricky[r % tricky.size()];
      }
      std::vector<std::string> w;
      const std::string out = to_utf8(bytes, name, w);
      ASSERT_TRUE(is_valid_utf8(out)) << name << ", input " << k;
    }
  }
}

TEST(charset, nul_bytes_survive_conversion) {
  std::vector<std::string> w;
  const std::string in("a\0b", 3);
  EXPECT_EQ(to_utf8(in, "utf-8", w), in);
  EXPECT_EQ(to_utf8(in, "latin1", w), in);
}

TEST(charset, is_valid_utf8_rejects_overlong_surrogate_and_out_of_range) {
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
}

TEST(charset, sanitize_utf8_one_replacement_per_maximal_subpart) {
  EXPECT_EQ(sanitize_utf8("a\xE2\x82" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(sanitize_utf8("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_utf8("ok"), "ok");
}

TEST(charset, megabyte_of_invalid_bytes_finishes) {
  std::vector<std::string> w;
  const std::string in(1'000'000, '\xFF');
  const std::string out = to_utf8(in, "utf-8", w);
  EXPECT_EQ(out.size(), in.size() * 3);
  EXPECT_EQ(w.size(), 1u);
}

}  // namespace
}  // namespace intake::parsers

// decode_strictly: a charset taken on trust from elsewhere in the message
// decodes header bytes only when every byte is valid in it.
namespace intake::parsers {
namespace {

TEST(DecodeStrictly, legacy_bytes_valid_in_the_charset_decode) {
  EXPECT_EQ(decode_strictly("\xD5\xC5\xCE\xB0", "GBK"), std::optional<std::string>("张伟"));
  EXPECT_EQ(decode_strictly("\xE9\xD7\xC1\xCE", "koi8-r"), std::optional<std::string>("Иван"));
}

TEST(DecodeStrictly, bytes_invalid_in_the_charset_give_nothing) {
  EXPECT_EQ(decode_strictly("\x82", "shift_jis"), std::nullopt);  // a lead byte without its trail byte
  EXPECT_EQ(decode_strictly("\xA4\xA4\xA4", "big5"), std::nullopt);  // 中, then half a character
}

TEST(DecodeStrictly, charsets_that_are_no_legacy_code_page_give_nothing) {
  EXPECT_EQ(decode_strictly("caf\xE9", "utf-8"), std::nullopt);
  EXPECT_EQ(decode_strictly("caf\xE9", "us-ascii"), std::nullopt);
  EXPECT_EQ(decode_strictly("caf\xE9", ""), std::nullopt);
  EXPECT_EQ(decode_strictly("caf\xE9", "x-no-such-charset"), std::nullopt);
}

}  // namespace
}  // namespace intake::parsers
