# Precompiled headers. Parsing the standard library, Abseil, protobuf and (in tests) GoogleTest/GoogleMock headers
# was most of a clean build's compile time: every file paid 2-5 s for them. Each header set is now compiled once per
# kind of target and reused by all targets of that kind.
#
# GCC only accepts a precompiled header built with the consumer's code-generation flags (-O level, -fPIC vs
# -fPIE, defines), so each set has a host target built with exactly the flags of its consumers: a static library
# for libraries (-O3, -fPIC) and an executable for tests (-O1, -fPIE, GoogleTest's defines). -Winvalid-pch (added
# by CMake) reports a consumer that would silently fall back to parsing the headers.
option(TB_PCH "Use precompiled headers" ON)

if(TB_PCH AND NOT TB_FUZZ)
  add_library(tb_pch_library STATIC ${CMAKE_SOURCE_DIR}/cmake/pch/host.cc)
  target_link_libraries(tb_pch_library PRIVATE absl::status absl::statusor absl::strings protobuf::libprotobuf)
  target_precompile_headers(tb_pch_library PRIVATE ${CMAKE_SOURCE_DIR}/cmake/pch/library.h)

  if(TB_TESTS)
    add_executable(tb_pch_test ${CMAKE_SOURCE_DIR}/cmake/pch/host.cc)
    target_link_libraries(tb_pch_test PRIVATE absl::status absl::statusor absl::strings protobuf::libprotobuf
                                              GTest::gtest GTest::gmock GTest::gtest_main)
    if(CMAKE_BUILD_TYPE STREQUAL "Release")
      target_compile_options(tb_pch_test PRIVATE -O1)  # as tb_test
    endif()
    target_precompile_headers(tb_pch_test PRIVATE ${CMAKE_SOURCE_DIR}/cmake/pch/test.h)
  endif()
endif()

# tb_use_precompiled_headers(target library|test)
function(tb_use_precompiled_headers target kind)
  if(TARGET tb_pch_${kind})
    target_precompile_headers(${target} REUSE_FROM tb_pch_${kind})
  endif()
endfunction()
