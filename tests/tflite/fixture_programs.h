// Test support: the four TFLite client programs of the ODP fixtures (keras/mnist × train/eval), extracted from
// their ClientOnlyPlans. Tests that use them skip when ../shared is absent.
#ifndef TASKBUILDER_TESTS_TFLITE_FIXTURE_PROGRAMS_H_
#define TASKBUILDER_TESTS_TFLITE_FIXTURE_PROGRAMS_H_

#include <string>

namespace tb::tflite::testing {

struct FixtureProgram {
  const char* name;              // "keras_train"
  const char* client_only_plan;  // relative to fixtures/odp
};

inline constexpr FixtureProgram kFixturePrograms[] = {
    {"keras_train", "keras/output/client_only_plan.pb"},
    {"keras_eval", "keras/output/eval_client_only_plan.pb"},
    {"mnist_train", "mnist/output/client_only_plan.pb"},
    {"mnist_eval", "mnist/output/eval_client_only_plan.pb"},
};

}  // namespace tb::tflite::testing

#endif  // TASKBUILDER_TESTS_TFLITE_FIXTURE_PROGRAMS_H_
