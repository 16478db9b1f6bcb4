// SHA-256 (OpenSSL's EVP, PRIVATE to daemon/core) and what it makes of
// values too long for an index: a Message-ID over storable_id_bytes is
// stored and matched as "sha256:<hex>" of itself, everywhere (messages,
// tallies, threading), so a hostile 4 KB Message-ID is an ordinary key.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace intake::daemon {

// Far below PostgreSQL's btree entry limit (2704 bytes), far above any real
// Message-ID (RFC 5322 lines end at 998 bytes).
inline constexpr std::size_t storable_id_bytes = 512;

std::string sha256_hex(std::string_view data);
// `id` itself when it is at most storable_id_bytes long, else "sha256:<hex>".
std::string storable_message_id(const std::string& id);

}  // namespace intake::daemon
