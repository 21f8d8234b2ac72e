# Registries (issue 6): the Registry HTTP API v2 client over libcurl, the audit's SQLite state.
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
target_sources(leakhound_core PRIVATE
  src/registry/registry_client.cpp
  src/registry/cred_helper.cpp
  src/registry/registry_store.cpp
  src/registry/audit.cpp
  src/cli/registry_cmd.cpp)
leakhound_link_lazily(leakhound_core curl LIBCURL)
leakhound_link_lazily(leakhound_core sqlite3 SQLITE3)
