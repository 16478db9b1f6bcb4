// The numbered SQL migrations in daemon/adapters/postgres/migrations/, compiled into the binary
// (cmake/embed_migrations.cmake) so a binary always carries its own schema.
#pragma once

#include <string_view>
#include <vector>

namespace intake::daemon {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Ascending by version.
const std::vector<Migration>& all_migrations();

}  // namespace intake::daemon
