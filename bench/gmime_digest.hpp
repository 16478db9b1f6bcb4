// GMime 3 doing, per message, the equivalent of intake's parse_email: the one
// file in bench/ that includes GMime, which is used nowhere outside bench/.
// Trusts only the generated corpus; GMime types do not leak out of this pair.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace intake::bench {

struct GMimeAddress {
  std::string name;  // decoded display name, UTF-8
  std::string address;
};

struct GMimeAttachment {
  std::string filename;      // decoded (RFC 2231 / 2047)
  std::string content_type;  // "type/subtype"
  std::size_t size = 0;      // decoded bytes; only with AttachmentSizes::decode
};

// What GMime gave for one message, copied into std::strings as intake's
// Email holds them.
struct GMimeDigest {
  std::string subject;  // decoded, UTF-8
  std::vector<GMimeAddress> from, reply_to, to, cc;
  std::int64_t date_unix = 0;
  std::string message_id;
  std::vector<std::string> in_reply_to, references;
  std::string body_text;  // UTF-8; text/html kept as markup (GMime has no HTML-to-text)
  std::vector<GMimeAttachment> attachments;
  bool parsed = false;  // false: g_mime_parser_construct_message gave nothing
};

enum class AttachmentSizes { skip, decode };

// g_mime_init() on construction, g_mime_shutdown() on destruction; one at a time.
class GMimeRuntime {
 public:
  GMimeRuntime();
  ~GMimeRuntime();
  GMimeRuntime(const GMimeRuntime&) = delete;
  GMimeRuntime& operator=(const GMimeRuntime&) = delete;
};

// The messages as GByteArrays made once, so each parse wraps them in a memory
// stream without copying (the fairest input GMime can get).
class GMimeCorpus {
 public:
  explicit GMimeCorpus(const std::vector<std::string>& raw_messages);
  ~GMimeCorpus();
  GMimeCorpus(const GMimeCorpus&) = delete;
  GMimeCorpus& operator=(const GMimeCorpus&) = delete;

  std::size_t size() const;
  GMimeDigest parse(std::size_t index, AttachmentSizes sizes) const;

 private:
  struct Arrays;
  std::unique_ptr<Arrays> arrays_;
};

}  // namespace intake::bench
