# Small helpers shared by every layer's CMakeLists.txt.

# Adds every immediate child directory of `dir` that has a CMakeLists.txt, in sorted order, so a new layer needs
# no edit here.
function(tb_add_subdirectories dir)
  file(GLOB children RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}/${dir} CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*)
  list(SORT children)
  foreach(child ${children})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/${child}/CMakeLists.txt)
      add_subdirectory(${dir}/${child})
    endif()
  endforeach()
endfunction()

# tb_library(NAME SRCS a.cc b.cc DEPS tb_base absl::status)
# A static library for one layer; includes resolve from src/.
function(tb_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${TB_SOURCE_ROOT})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  tb_use_precompiled_headers(${name} library)
endfunction()

# tb_test(NAME SRCS a_test.cc DEPS tb_config [LABELS slow;e2e] [TIMEOUT seconds])
# A gtest executable registered with CTest. Tests find the source, build, fixture and test-data directories through
# tests/testing (compiled-in paths, overridable with TB_* environment variables).
function(tb_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${TB_SOURCE_ROOT} ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} tb_testing GTest::gtest GTest::gmock GTest::gtest_main)
  # Test files are assertions around library calls (built with the release flags); -O1 halves their compile time,
  # which is most of CI's, and costs the tests' run time nothing measurable.
  if(CMAKE_BUILD_TYPE STREQUAL "Release")
    target_compile_options(${name} PRIVATE -O1)
  endif()
  tb_use_precompiled_headers(${name} test)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  # gtest_discover_tests flattens PROPERTIES into one list, so an empty or list-valued value would shift the
  # key/value pairs: only pass LABELS when there are some, one label at a time joined by commas is not supported.
  set(props TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABELS)
    string(REPLACE ";" "\\;" escaped_labels "${ARG_LABELS}")
    list(APPEND props LABELS "${escaped_labels}")
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${props})
endfunction()

# tb_benchmark(NAME SRCS a_bench.cc DEPS tb_dp)
function(tb_benchmark name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${TB_SOURCE_ROOT} ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark benchmark::benchmark_main)
endfunction()

# tb_fuzzer(NAME SRCS a_fuzzer.cc DEPS tb_tf)
# With -DTB_FUZZ=ON (clang): a libFuzzer binary, run by scripts/fuzz.sh. Otherwise: the same target linked with
# fuzz/replay_main.cc and registered as the ctest `fuzz_replay.NAME`, which runs the seeds in
# tests/testdata/fuzz/NAME/ and deterministic mutations of them (label `fuzz`).
function(tb_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  if(TB_FUZZ)
    add_executable(${name} ${ARG_SRCS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${ARG_SRCS} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cc)
    if(CMAKE_BUILD_TYPE STREQUAL "Release")
      target_compile_options(${name} PRIVATE -O1)  # as tests: the work is in the libraries
    endif()
    set(seeds ${TB_TESTDATA_DIR}/fuzz/${name})
    if(NOT EXISTS ${seeds})
      set(seeds)
    endif()
    add_test(NAME fuzz_replay.${name} COMMAND ${name} --mutations=3000 ${seeds})
    set_tests_properties(fuzz_replay.${name} PROPERTIES LABELS fuzz TIMEOUT 300)
  endif()
  target_include_directories(${name} PRIVATE ${TB_SOURCE_ROOT})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  set_property(GLOBAL APPEND PROPERTY TB_FUZZERS ${name})
endfunction()
