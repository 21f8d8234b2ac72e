# Packaging and a new user's first hour: `leakhound init`, the generated man page and shell
# completions, `cmake --install`, CPack's .deb, and their tests (tests/packaging/).
include(GNUInstallDirs)

target_sources(leakhound_core PRIVATE
  ${CMAKE_SOURCE_DIR}/src/cli/cli_docs.cpp
  ${CMAKE_SOURCE_DIR}/src/cli/init_cmd.cpp)

# The man page and completions come from the CLI11 definition in src/cli/cli.cpp (no hand-kept
# copy): the built binary prints them with the hidden `leakhound help` command.
set(LEAKHOUND_DOC_DIR ${CMAKE_BINARY_DIR}/doc)
set(LEAKHOUND_DOC_FILES
  ${LEAKHOUND_DOC_DIR}/leakhound.1 ${LEAKHOUND_DOC_DIR}/leakhound.1.gz
  ${LEAKHOUND_DOC_DIR}/leakhound.bash ${LEAKHOUND_DOC_DIR}/_leakhound)
find_program(GZIP_PROGRAM gzip REQUIRED)
add_custom_command(
  OUTPUT ${LEAKHOUND_DOC_FILES}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LEAKHOUND_DOC_DIR}
  COMMAND leakhound help --man -o ${LEAKHOUND_DOC_DIR}/leakhound.1
  COMMAND ${GZIP_PROGRAM} -9 -n -f -k ${LEAKHOUND_DOC_DIR}/leakhound.1
  COMMAND leakhound help --completions bash -o ${LEAKHOUND_DOC_DIR}/leakhound.bash
  COMMAND leakhound help --completions zsh -o ${LEAKHOUND_DOC_DIR}/_leakhound
  DEPENDS leakhound
  COMMENT "Generating the man page and shell completions"
  VERBATIM)
add_custom_target(leakhound_docs ALL DEPENDS ${LEAKHOUND_DOC_FILES})

install(TARGETS leakhound RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${LEAKHOUND_DOC_DIR}/leakhound.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${LEAKHOUND_DOC_DIR}/leakhound.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME leakhound)
install(FILES ${LEAKHOUND_DOC_DIR}/_leakhound
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/rules.md
              ${CMAKE_SOURCE_DIR}/docs/report.schema.json
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The licence, where Debian keeps a package's (the .deb says Apache-2.0 there).
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# `cpack -G DEB` (or `cmake --build build --target package`): a .deb for Debian 12 whose
# Depends come from dpkg-shlibdeps, i.e. from the libraries the binary really links.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME leakhound)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "leakhound maintainers <leakhound@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "find leaked secrets in files, git history and container images")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "leakhound finds leaked credentials (API tokens, private keys, passwords in connection\n"
    "strings and config) in directories, in the full history of git repositories, in the\n"
    "commits a push sends (as a git hook) and in container images (docker save tarballs,\n"
    "OCI layouts and archives). Reports are redacted by default; human, JSON and SARIF.")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The libraries loaded on first use (cmake/LazyLibs.cmake) are not in the binary's NEEDED list,
# so dpkg-shlibdeps cannot see them: depend on their packages, at least the upstream version built with.
set(_lazy_depends "")
find_program(LEAKHOUND_DPKG_QUERY dpkg-query)
foreach(lib IN LISTS LEAKHOUND_LAZY_LIBRARY_FILES)
  if(NOT LEAKHOUND_DPKG_QUERY)
    break()
  endif()
  execute_process(COMMAND ${LEAKHOUND_DPKG_QUERY} -S "${lib}" OUTPUT_VARIABLE owner
                  RESULT_VARIABLE rc ERROR_QUIET)
  if(NOT rc EQUAL 0)  # /lib/... is /usr/lib/... on a merged-/usr system
    string(REGEX REPLACE "^/usr/lib/" "/lib/" alt "${lib}")
    if(alt STREQUAL lib)
      string(REGEX REPLACE "^/lib/" "/usr/lib/" alt "${lib}")
    endif()
    execute_process(COMMAND ${LEAKHOUND_DPKG_QUERY} -S "${alt}" OUTPUT_VARIABLE owner
                    RESULT_VARIABLE rc ERROR_QUIET)
  endif()
  if(rc EQUAL 0 AND owner MATCHES "^([a-z0-9.+-]+)(:[a-z0-9]+)?: ")
    set(pkg "${CMAKE_MATCH_1}")
    execute_process(COMMAND ${LEAKHOUND_DPKG_QUERY} -W -f=\${Version} "${pkg}"
                    OUTPUT_VARIABLE version ERROR_QUIET)
    string(REGEX REPLACE "-[^-]*$" "" version "${version}")  # the upstream version
    if(version)
      list(APPEND _lazy_depends "${pkg} (>= ${version})")
    else()
      list(APPEND _lazy_depends "${pkg}")
    endif()
  else()
    message(WARNING "no Debian package owns ${lib}: the .deb will not depend on it")
  endif()
endforeach()
if(_lazy_depends)
  list(JOIN _lazy_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
  message(STATUS ".deb Depends (libraries loaded on first use): ${CPACK_DEBIAN_PACKAGE_DEPENDS}")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "git, skopeo")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)

if(LEAKHOUND_TESTS)
  add_subdirectory(${CMAKE_SOURCE_DIR}/tests/packaging ${CMAKE_BINARY_DIR}/tests/packaging)
endif()
