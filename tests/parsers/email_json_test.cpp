// The JSON form `intakectl parse --json` prints: the keys of each attachment
// (the three the parser issue named, then issue 21's `inline` and
// `content_id`), checked by name and value on a parsed message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "parsers/common/email_json.hpp"
#include "parsers/mime/mime_parser.hpp"

namespace intake::parsers {
namespace {

std::vector<std::string> keys_of(const nlohmann::json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

TEST(EmailJson, each_attachment_has_filename_type_size_inline_and_content_id) {
  const Email e = parse_email(
      "From: a@b.test\nContent-Type: multipart/mixed; boundary=m\n\n--m\n"
      "Content-Type: multipart/related; boundary=r\n\n--r\nContent-Type: text/html\n\n<p>see <img src=cid:s1></p>\n"
      "--r\nContent-Type: image/png; name=\"shot.png\"\nContent-ID: <s1@b.test>\nContent-Transfer-Encoding: base64\n\n"
      "iVBORw0K\n--r--\n--m\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"a.pdf\"\n"
      "Content-Transfer-Encoding: base64\n\nJVBERg==\n--m--\n");
  const nlohmann::json attachments = email_to_json(e)["attachments"];
  ASSERT_EQ(attachments.size(), 2U) << attachments.dump();
  const std::vector<std::string> keys{"content_id", "content_type", "filename", "inline", "size"};  // sorted, as nlohmann keeps them
  EXPECT_EQ(keys_of(attachments[0]), keys);
  EXPECT_EQ(keys_of(attachments[1]), keys);
  EXPECT_EQ(attachments[0], (nlohmann::json{{"filename", "shot.png"},
                                            {"content_type", "image/png"},
                                            {"size", 6},
                                            {"inline", true},
                                            {"content_id", "s1@b.test"}}));
  EXPECT_EQ(attachments[1], (nlohmann::json{{"filename", "a.pdf"},
                                            {"content_type", "application/pdf"},
                                            {"size", 4},
                                            {"inline", false},
                                            {"content_id", ""}}));
}

}  // namespace
}  // namespace intake::parsers
