// Test support: the keras fixture model (Dense 784->256 relu, Dense 256->2 sigmoid, softmax, [:,0]) and its
// binary cross-entropy (Keras, eps 1e-7), written directly in double precision. It is the independent reference the
// fixture's TFLite programs are checked against: forward loss values and, by central differences, gradients.
#ifndef TASKBUILDER_TESTS_RUNTIME_TFLITE_KERAS_REFERENCE_H_
#define TASKBUILDER_TESTS_RUNTIME_TFLITE_KERAS_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <vector>

namespace tb::runtime::testing {

struct KerasWeights {
  std::vector<double> w0;  // [784, 256]
  std::vector<double> b0;  // [256]
  std::vector<double> w1;  // [256, 2]
  std::vector<double> b1;  // [2]
};

// P(class 0) for one example.
inline double KerasForward(const KerasWeights& w, const float* x) {
  std::vector<double> h(256, 0.0);
  for (int k = 0; k < 784; ++k) {
    const double xk = x[k];
    if (xk == 0.0) continue;
    for (int j = 0; j < 256; ++j) h[j] += xk * w.w0[k * 256 + j];
  }
  double z[2] = {w.b1[0], w.b1[1]};
  for (int j = 0; j < 256; ++j) {
    double v = std::max(0.0, h[j] + w.b0[j]);
    z[0] += v * w.w1[j * 2 + 0];
    z[1] += v * w.w1[j * 2 + 1];
  }
  double s0 = 1.0 / (1.0 + std::exp(-z[0])), s1 = 1.0 / (1.0 + std::exp(-z[1]));
  double e0 = std::exp(s0), e1 = std::exp(s1);
  return e0 / (e0 + e1);
}

// Keras BinaryCrossentropy on a probability: clip to [eps, 1-eps], then -(y log(p+eps) + (1-y) log(1-p+eps)).
inline double KerasLoss(double p, double y) {
  constexpr double kEps = 1e-7;
  p = std::min(std::max(p, kEps), 1.0 - kEps);
  return -(y * std::log(p + kEps) + (1 - y) * std::log(1 - p + kEps));
}

inline double KerasMeanLoss(const KerasWeights& w, const std::vector<const float*>& xs, const std::vector<int64_t>& ys) {
  double sum = 0;
  for (size_t i = 0; i < xs.size(); ++i) sum += KerasLoss(KerasForward(w, xs[i]), static_cast<double>(ys[i]));
  return sum / static_cast<double>(xs.size());
}

}  // namespace tb::runtime::testing

#endif  // TASKBUILDER_TESTS_RUNTIME_TFLITE_KERAS_REFERENCE_H_
