#include "daemon/core/digest.hpp"

#include <openssl/evp.h>

namespace intake::daemon {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 15];
  }
  return out;
}

std::string storable_message_id(const std::string& id) {
  return id.size() <= storable_id_bytes ? id : "sha256:" + sha256_hex(id);
}

}  // namespace intake::daemon
