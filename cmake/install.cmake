# Where `cmake --install` puts things (FHS; with the Debian package's prefix
# /usr: /usr/bin, /usr/share/intake, /etc/intake, /usr/lib/systemd/system).
# The binaries install from daemon/CMakeLists.txt.
set(INTAKE_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" CACHE PATH
    "Where the systemd unit files go")
set(INTAKE_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/intake")

configure_file(${PROJECT_SOURCE_DIR}/systemd/intaked.service.in ${PROJECT_BINARY_DIR}/systemd/intaked.service @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/systemd/intake.toml.in ${PROJECT_BINARY_DIR}/systemd/intake.toml @ONLY)

install(FILES ${PROJECT_BINARY_DIR}/systemd/intaked.service DESTINATION ${INTAKE_SYSTEMD_UNIT_DIR})
install(DIRECTORY templates/ DESTINATION ${CMAKE_INSTALL_DATADIR}/intake/templates
        FILES_MATCHING PATTERN "*.mustache" PATTERN "*.md")
install(DIRECTORY daemon/adapters/postgres/migrations/ DESTINATION ${CMAKE_INSTALL_DATADIR}/intake/migrations
        FILES_MATCHING PATTERN "*.sql")
# The example config, readable by root and (through the package's postinst)
# the intake group; an existing one is never overwritten by the package
# (conffile), while a plain `cmake --install` over it replaces it.
install(FILES ${PROJECT_BINARY_DIR}/systemd/intake.toml DESTINATION ${INTAKE_CONFIG_DIR}
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(DIRECTORY DESTINATION ${INTAKE_CONFIG_DIR}/credentials
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES systemd/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME systemd.md)
