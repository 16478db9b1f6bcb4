#include "bench/gmime_digest.hpp"

#include <gmime/gmime.h>

namespace intake::bench {
namespace {

// GObject's type-check and cast macros (GMIME_IS_*, GMIME_*(obj)) expand to C
// casts; they are used only inside these one-line wrappers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
bool is_multipart(GMimeObject* o) { return GMIME_IS_MULTIPART(o); }
bool is_message_part(GMimeObject* o) { return GMIME_IS_MESSAGE_PART(o); }
bool is_part(GMimeObject* o) { return GMIME_IS_PART(o); }
bool is_text_part(GMimeObject* o) { return GMIME_IS_TEXT_PART(o); }
bool is_group(InternetAddress* ia) { return INTERNET_ADDRESS_IS_GROUP(ia); }
bool is_mailbox(InternetAddress* ia) { return INTERNET_ADDRESS_IS_MAILBOX(ia); }
GMimeMultipart* as_multipart(GMimeObject* o) { return GMIME_MULTIPART(o); }
GMimeMessagePart* as_message_part(GMimeObject* o) { return GMIME_MESSAGE_PART(o); }
GMimePart* as_part(GMimeObject* o) { return GMIME_PART(o); }
GMimeTextPart* as_text_part(GMimeObject* o) { return GMIME_TEXT_PART(o); }
InternetAddressGroup* as_group(InternetAddress* ia) { return INTERNET_ADDRESS_GROUP(ia); }
InternetAddressMailbox* as_mailbox(InternetAddress* ia) { return INTERNET_ADDRESS_MAILBOX(ia); }
GMimeStreamMem* as_stream_mem(GMimeStream* s) { return GMIME_STREAM_MEM(s); }
GMimeObject* as_object(GMimeMessage* m) { return GMIME_OBJECT(m); }
#pragma GCC diagnostic pop

struct ObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
template <typename T>
using GObjectPtr = std::unique_ptr<T, ObjectUnref>;

std::string copy(const char* s) { return s == nullptr ? std::string() : std::string(s); }

// InternetAddressList → name/address pairs; group members are listed, as
// intake does.
void collect_addresses(InternetAddressList* list, std::vector<GMimeAddress>& out) {
  if (list == nullptr) return;
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (is_group(ia)) {
      collect_addresses(internet_address_group_get_members(as_group(ia)), out);
    } else if (is_mailbox(ia)) {
      out.push_back({copy(internet_address_get_name(ia)), copy(internet_address_mailbox_get_addr(as_mailbox(ia)))});
    }
  }
}

void collect_ids(const char* header_value, std::vector<std::string>& out) {
  if (header_value == nullptr) return;
  GMimeReferences* refs = g_mime_references_parse(nullptr, header_value);
  if (refs == nullptr) return;
  const int n = g_mime_references_length(refs);
  for (int i = 0; i < n; ++i) out.push_back(copy(g_mime_references_get_message_id(refs, i)));
  g_mime_references_free(refs);
}

bool is_type(GMimeObject* object, const char* type, const char* subtype) {
  return g_mime_content_type_is_type(g_mime_object_get_content_type(object), type, subtype) != FALSE;
}

// The same choices intake's Walker makes: in multipart/alternative the first
// text/plain child, else the last child; every other multipart in order;
// message/rfc822 recursed into; inline text parts decoded to UTF-8 by
// g_mime_text_part_get_text (transfer decoding + charset conversion); other
// leaves listed as attachments.
void walk(GMimeObject* object, AttachmentSizes sizes, GMimeDigest& digest, int depth) {
  if (object == nullptr || depth > 32) return;
  if (is_multipart(object)) {
    GMimeMultipart* multipart = as_multipart(object);
    const int n = g_mime_multipart_get_count(multipart);
    if (n == 0) return;
    if (is_type(object, "multipart", "alternative")) {
      GMimeObject* chosen = nullptr;
      for (int i = 0; i < n && chosen == nullptr; ++i) {
        GMimeObject* child = g_mime_multipart_get_part(multipart, i);
        if (is_type(child, "text", "plain")) chosen = child;
      }
      walk(chosen != nullptr ? chosen : g_mime_multipart_get_part(multipart, n - 1), sizes, digest, depth + 1);
      return;
    }
    for (int i = 0; i < n; ++i) walk(g_mime_multipart_get_part(multipart, i), sizes, digest, depth + 1);
    return;
  }
  if (is_message_part(object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(as_message_part(object));
    if (inner != nullptr) walk(g_mime_message_get_mime_part(inner), sizes, digest, depth + 1);
    return;
  }
  if (!is_part(object)) return;
  GMimePart* part = as_part(object);
  const bool attachment = g_mime_part_is_attachment(part) != FALSE;
  if (is_text_part(object) && !attachment && (is_type(object, "text", "plain") || is_type(object, "text", "html"))) {
    char* text = g_mime_text_part_get_text(as_text_part(object));
    if (text != nullptr) {
      if (!digest.body_text.empty()) digest.body_text += "\n";
      digest.body_text += text;
      g_free(text);
    }
    return;
  }
  GMimeAttachment a;
  a.filename = copy(g_mime_part_get_filename(part));
  char* mime_type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(object));
  a.content_type = copy(mime_type);
  g_free(mime_type);
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (sizes == AttachmentSizes::decode && content != nullptr) {
    // Decodes the transfer encoding into a stream that only counts bytes.
    GObjectPtr<GMimeStream> counter(g_mime_stream_null_new());
    const ssize_t written = g_mime_data_wrapper_write_to_stream(content, counter.get());
    a.size = written > 0 ? static_cast<std::size_t>(written) : 0;
  }
  digest.attachments.push_back(std::move(a));
}

}  // namespace

GMimeRuntime::GMimeRuntime() { g_mime_init(); }
GMimeRuntime::~GMimeRuntime() { g_mime_shutdown(); }

struct GMimeCorpus::Arrays {
  std::vector<GByteArray*> arrays;
  ~Arrays() {
    for (GByteArray* a : arrays) g_byte_array_unref(a);
  }
};

GMimeCorpus::GMimeCorpus(const std::vector<std::string>& raw_messages) : arrays_(std::make_unique<Arrays>()) {
  arrays_->arrays.reserve(raw_messages.size());
  for (const auto& raw : raw_messages) {
    GByteArray* a = g_byte_array_sized_new(static_cast<guint>(raw.size()));
    g_byte_array_append(a, reinterpret_cast<const guint8*>(raw.data()), static_cast<guint>(raw.size()));
    arrays_->arrays.push_back(a);
  }
}

GMimeCorpus::~GMimeCorpus() = default;

std::size_t GMimeCorpus::size() const { return arrays_->arrays.size(); }

GMimeDigest GMimeCorpus::parse(std::size_t index, AttachmentSizes sizes) const {
  GMimeDigest digest;
  // A memory stream over the prepared array; not its owner, so nothing is
  // copied or freed per parse.
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_byte_array(arrays_->arrays[index]));
  g_mime_stream_mem_set_owner(as_stream_mem(stream.get()), FALSE);
  // The parser splits headers and MIME parts; with its default persistent
  // stream, part contents stay references into `stream` until asked for.
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  // Building the message decodes the RFC 2047 Subject, parses From, To, Cc,
  // Reply-To into InternetAddress objects (names decoded), parses the Date
  // and Message-ID.
  GObjectPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) return digest;
  digest.parsed = true;
  GMimeMessage* m = message.get();
  digest.subject = copy(g_mime_message_get_subject(m));
  collect_addresses(g_mime_message_get_from(m), digest.from);
  collect_addresses(g_mime_message_get_reply_to(m), digest.reply_to);
  collect_addresses(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO), digest.to);
  collect_addresses(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_CC), digest.cc);
  if (GDateTime* date = g_mime_message_get_date(m)) digest.date_unix = g_date_time_to_unix(date);
  digest.message_id = copy(g_mime_message_get_message_id(m));
  collect_ids(g_mime_object_get_header(as_object(m), "In-Reply-To"), digest.in_reply_to);
  collect_ids(g_mime_object_get_header(as_object(m), "References"), digest.references);
  walk(g_mime_message_get_mime_part(m), sizes, digest, 0);
  return digest;
}

}  // namespace intake::bench
