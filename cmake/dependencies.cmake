# Every dependency comes from a Debian package (scripts/deps installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(LibXml2 REQUIRED)
find_package(Iconv REQUIRED)
# PCRE2 for the config's requirement patterns and timeframe phrases (parsers/request/request_fields.cpp);
# date.h (libhowardhinnant-date-dev) is used header-only there.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
if(NOT INTAKE_PARSERS_ONLY)
  find_package(CURL REQUIRED)
  find_package(OpenSSL REQUIRED)
  find_package(spdlog REQUIRED)
  find_package(CLI11 REQUIRED)
  # date::date-tz is Debian's libdate-tz.so, built with USE_OS_TZDB=1: it reads
  # the system tz database (/usr/share/zoneinfo, package tzdata), so zone
  # rules follow Debian's tzdata updates without a rebuild.
  find_package(date REQUIRED)
  # libical (iCalendar holiday files): its CMake config names targets without
  # a namespace, pkg-config is the stable interface.
  pkg_check_modules(LIBICAL REQUIRED IMPORTED_TARGET libical)
  pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
  # libpq itself, for the one COPY that libpqxx 6.4 cannot send in binary
  # (daemon/adapters/postgres/pqxx_ingest.cpp, BigRaws).
  pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
  pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
  # GMime 3 splits mbox files for `intakectl import` (daemon/adapters/archive/mail_archive.cpp).
  pkg_check_modules(GMIME3 REQUIRED IMPORTED_TARGET gmime-3.0)
endif()

# libmimetic-dev ships neither a pkg-config file nor a CMake config.
find_path(MIMETIC_INCLUDE_DIR mimetic/mimetic.h REQUIRED)
find_library(MIMETIC_LIBRARY mimetic REQUIRED)
add_library(mimetic::mimetic UNKNOWN IMPORTED)
set_target_properties(mimetic::mimetic PROPERTIES
  IMPORTED_LOCATION "${MIMETIC_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${MIMETIC_INCLUDE_DIR}")

# kainjow mustache is header-only (libkainjow-mustache-dev).
find_path(MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
add_library(kainjow::mustache INTERFACE IMPORTED)
set_target_properties(kainjow::mustache PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${MUSTACHE_INCLUDE_DIR}")

if(INTAKE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(INTAKE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
