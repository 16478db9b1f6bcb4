# The Debian package (cpack -G DEB in the build tree). Configure with
# -DCMAKE_INSTALL_PREFIX=/usr, as scripts/test does, so the unit file and the
# example config name the paths the package installs to.
set(CPACK_PACKAGE_NAME intake)
set(CPACK_PACKAGE_VENDOR "intake")
set(CPACK_PACKAGE_CONTACT "intake maintainers <intake@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION "intaked turns email sent to shared internal addresses into tracked requests,
acknowledges each with its reference, and keeps everything in PostgreSQL;
intakectl administers it. Ships a hardened systemd unit (not enabled).")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries the binaries link (libcurl, libpqxx, libspdlog, libsystemd,
# ...), as dpkg-shlibdeps finds them, plus what the maintainer scripts use.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# procps: the unit reloads with /bin/kill -HUP.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, ca-certificates, procps")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-client")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/cmake/debian/postinst ${PROJECT_SOURCE_DIR}/cmake/debian/prerm
    ${PROJECT_SOURCE_DIR}/cmake/debian/postrm ${PROJECT_SOURCE_DIR}/cmake/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# RelWithDebInfo binaries carry ~25 MB of debug info each; the package does not.
set(CPACK_STRIP_FILES ON)
# Only the install() rules of intake itself, not the test framework's.
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};${PROJECT_NAME};ALL;/")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "packaging: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; the Debian package wants /usr")
endif()
include(CPack)
