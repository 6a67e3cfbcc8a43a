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
endfunction()

# tb_test(NAME SRCS a_test.cc DEPS tb_config [LABELS slow;e2e])
# A gtest executable registered with CTest. Tests get TB_SHARED_DIR, TB_TESTDATA_DIR and TB_BINARY_DIR in their
# environment so they can locate fixtures, checked-in test data and the built binaries.
function(tb_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${TB_SOURCE_ROOT} ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} tb_testing GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES
      TIMEOUT ${ARG_TIMEOUT}
      LABELS "${ARG_LABELS}"
      ENVIRONMENT "TB_SHARED_DIR=${TB_SHARED_DIR};TB_TESTDATA_DIR=${TB_TESTDATA_DIR};TB_BINARY_DIR=${CMAKE_BINARY_DIR};TB_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# tb_benchmark(NAME SRCS a_bench.cc DEPS tb_dp)
function(tb_benchmark name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${TB_SOURCE_ROOT} ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark benchmark::benchmark_main)
endfunction()

# tb_fuzzer(NAME SRCS a_fuzzer.cc DEPS tb_tf)  (only with -DTB_FUZZ=ON and clang)
function(tb_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${TB_SOURCE_ROOT})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
