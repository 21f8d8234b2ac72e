# End-to-end tests against a real registry (tests/registry), one ctest per group.
# The registry tests need Debian's python3 (python3-jwt for the token server); prefer it over
# a python3 earlier in PATH.
find_program(LEAKHOUND_SYSTEM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT LEAKHOUND_SYSTEM_PYTHON3)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(LEAKHOUND_SYSTEM_PYTHON3 ${Python3_EXECUTABLE})
endif()
foreach(group plain basic tls token faults errors)
  add_test(NAME registry_${group}
           COMMAND ${LEAKHOUND_SYSTEM_PYTHON3} ${CMAKE_SOURCE_DIR}/tests/registry/registry_test.py
                   $<TARGET_FILE:leakhound> ${group})
  set_tests_properties(registry_${group} PROPERTIES
    ENVIRONMENT "XDG_CACHE_HOME=${CMAKE_BINARY_DIR}/test-cache;LEAKHOUND_NO_CACHE="
    SKIP_RETURN_CODE 77 TIMEOUT ${LH_TIMEOUT_600})
endforeach()
