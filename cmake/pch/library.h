// Precompiled for every library file (cmake/PrecompiledHeaders.cmake): the standard, Abseil and protobuf runtime
// headers that most files include. Only stable third-party headers belong here: a project header would make every
// edit to it rebuild everything.
#ifndef TASKBUILDER_CMAKE_PCH_LIBRARY_H_
#define TASKBUILDER_CMAKE_PCH_LIBRARY_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"

#endif  // TASKBUILDER_CMAKE_PCH_LIBRARY_H_
