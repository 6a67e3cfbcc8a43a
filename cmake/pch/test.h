// Precompiled for every test file (cmake/PrecompiledHeaders.cmake): the library set plus GoogleTest and GoogleMock,
// which alone take about three seconds to parse per file.
#ifndef TASKBUILDER_CMAKE_PCH_TEST_H_
#define TASKBUILDER_CMAKE_PCH_TEST_H_

#include "library.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#endif  // TASKBUILDER_CMAKE_PCH_TEST_H_
