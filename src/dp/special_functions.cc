#include "dp/special_functions.h"

#include <cfloat>
#include <cmath>

namespace tb::dp {
namespace {

// Coefficients of the published Cephes rational approximations (S. L. Moshier, "Methods and Programs for
// Mathematical Functions"); they are data, evaluated here by our own Horner loops.
constexpr double kErfcP[] = {2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
                             4.86371970985681366614E1,   1.96520832956077098242E2,  5.26445194995477358631E2,
                             9.34528527171957607540E2,   1.02755188689515710272E3,  5.57535335369399327526E2};
constexpr double kErfcQ[] = {1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2,
                             9.75708501743205489753E2, 1.82390916687909736289E3, 2.24633760818710981792E3,
                             1.65666309194161350182E3, 5.57535340817727675546E2};
constexpr double kErfcR[] = {5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0,
                             6.16021097993053585195E0,  7.40974269950448939160E0, 2.97886665372100240670E0};
constexpr double kErfcS[] = {2.26052863220117276590E0, 9.39603524938001434673E0, 1.20489539808096656605E1,
                             1.70814450747565897222E1, 9.60896809063285878198E0, 3.36907645100081516050E0};
constexpr double kErfT[] = {9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
                            7.00332514112805075473E3, 5.55923013010394962768E4};
constexpr double kErfU[] = {3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3,
                            2.26290000613890934246E4, 4.92673942608635921086E4};

constexpr double kNdtriP0[] = {-5.99633501014107895267E1, 9.80010754185999661536E1, -5.66762857469070293439E1,
                               1.39312609387279679503E1, -1.23916583867381258016E0};
constexpr double kNdtriQ0[] = {1.95448858338141759834E0,  4.67627912898881538453E0, 8.63602421390890590575E1,
                               -2.25462687854119370527E2, 2.00260212380060660359E2, -8.20372256168333339912E1,
                               1.59056225126211695515E1,  -1.18331621121330003142E0};
constexpr double kNdtriP1[] = {4.05544892305962419923E0,   3.15251094599893866154E1,   5.71628192246421288162E1,
                               4.40805073893200834700E1,   1.46849561928858024014E1,   2.18663306850790267539E0,
                               -1.40256079171354495875E-1, -3.50424626827848203418E-2, -8.57456785154685413611E-4};
constexpr double kNdtriQ1[] = {1.57799883256466749731E1,   4.53907635128879210584E1,  4.13172038254672030440E1,
                               1.50425385692907503408E1,   2.50464946208309415979E0,  -1.42182922854787788574E-1,
                               -3.80806407691578277194E-2, -9.33259480895457427372E-4};
constexpr double kNdtriP2[] = {3.23774891776946035970E0,  6.91522889068984211695E0,  3.93881025292474443415E0,
                               1.33303460815807542389E0,  2.01485389549179081538E-1, 1.23716634817820021358E-2,
                               3.01581553508235416007E-4, 2.65806974686737550832E-6, 6.23974539184983293730E-9};
constexpr double kNdtriQ2[] = {6.02427039364742014255E0,  3.67983563856160859403E0,  1.37702099489081330271E0,
                               2.16236993594496635890E-1, 1.34204006088543189037E-2, 3.28014464682127739104E-4,
                               2.89247864745380683936E-6, 6.79019408009981274425E-9};

constexpr double kMaxLog = 7.09782712893383996843E2;
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2Pi = 2.50662827463100050242E0;

// c[0]·x^n + ... + c[n], Horner order.
template <int kSize>
double Horner(double x, const double (&c)[kSize]) {
  double acc = c[0];
  for (int i = 1; i < kSize; ++i) acc = acc * x + c[i];
  return acc;
}
// Same with an implicit leading coefficient 1.
template <int kSize>
double HornerMonic(double x, const double (&c)[kSize]) {
  double acc = x + c[0];
  for (int i = 1; i < kSize; ++i) acc = acc * x + c[i];
  return acc;
}

}  // namespace

double CephesErf(double x) {
  if (std::isnan(x)) return x;
  if (x < 0.0) return -CephesErf(-x);
  if (std::fabs(x) > 1.0) return 1.0 - CephesErfc(x);
  const double z = x * x;
  return x * Horner(z, kErfT) / HornerMonic(z, kErfU);
}

double CephesErfc(double a) {
  if (std::isnan(a)) return a;
  const double x = a < 0.0 ? -a : a;
  if (x < 1.0) return 1.0 - CephesErf(a);
  double z = -a * a;
  if (z < -kMaxLog) return a < 0 ? 2.0 : 0.0;
  z = std::exp(z);
  double p, q;
  if (x < 8.0) {
    p = Horner(x, kErfcP);
    q = HornerMonic(x, kErfcQ);
  } else {
    p = Horner(x, kErfcR);
    q = HornerMonic(x, kErfcS);
  }
  double y = (z * p) / q;
  if (a < 0) y = 2.0 - y;
  if (y != 0.0) return y;
  return a < 0 ? 2.0 : 0.0;
}

double Erfcx(double x) {
  if (std::isnan(x)) return x;
  if (x < 1.0) return std::exp(x * x) * CephesErfc(x);  // only called with x > 0.7 by LogNdtr; fine for x >= 0
  // Cephes writes erfc(x) = exp(-x²)·P(x)/Q(x) on [1, 8) and exp(-x²)·R(x)/S(x) beyond, so the rational part is
  // erfcx itself, free of the exp(-x²) rounding.
  if (x < 8.0) return Horner(x, kErfcP) / HornerMonic(x, kErfcQ);
  if (x < 1e8) return Horner(x, kErfcR) / HornerMonic(x, kErfcS);
  return 0.56418958354775628695 / x;  // 1/(x√π): the next asymptotic term is below double precision
}

double Ndtr(double a) {
  if (std::isnan(a)) return a;
  const double x = a * kSqrt1_2;
  const double z = std::fabs(x);
  if (z < kSqrt1_2) return 0.5 + 0.5 * CephesErf(x);
  double y = 0.5 * CephesErfc(z);
  if (x > 0) y = 1.0 - y;
  return y;
}

double LogNdtr(double x) {
  if (std::isnan(x)) return x;
  if (x == INFINITY) return 0.0;
  if (x == -INFINITY) return -INFINITY;
  const double t = x * kSqrt1_2;
  if (x < -1.0) return std::log(Erfcx(-t) / 2) - t * t;
  return std::log1p(-CephesErfc(t) / 2);
}

void NdtrAndLogNdtr(double a, double* ndtr, double* log_ndtr) {
  if (!std::isfinite(a) || a == -1.0) {
    *ndtr = Ndtr(a);
    *log_ndtr = LogNdtr(a);
    return;
  }
  const double t = a * kSqrt1_2;  // Ndtr's x and LogNdtr's t
  const double z = std::fabs(t);
  if (a < -1.0) {
    // Ndtr: 0.5·erfc(z) (z > 1/√2 here); LogNdtr: log(erfcx(z)/2) - t². Cephes computes erfc(z) for z >= 1 as
    // (e^{-z²}·P(z))/Q(z) and erfcx as P(z)/Q(z): evaluate P and Q once. Below 1, erfcx = e^{z²}·erfc(z).
    double erfc, erfcx;
    if (z < 1.0) {
      erfc = 1.0 - CephesErf(z);
      erfcx = std::exp(z * z) * erfc;
    } else if (z < 1e8) {
      double p, q;
      if (z < 8.0) {
        p = Horner(z, kErfcP);
        q = HornerMonic(z, kErfcQ);
      } else {
        p = Horner(z, kErfcR);
        q = HornerMonic(z, kErfcS);
      }
      erfcx = p / q;
      const double e = -z * z;
      erfc = e < -kMaxLog ? 0.0 : (std::exp(e) * p) / q;
    } else {
      erfc = CephesErfc(z);
      erfcx = Erfcx(z);
    }
    *ndtr = 0.5 * erfc;
    *log_ndtr = std::log(erfcx / 2) - t * t;
    return;
  }
  // a > -1: LogNdtr is log1p(-erfc(t)/2).
  if (z < kSqrt1_2) {
    const double erf = CephesErf(t);  // |t| < 1, where Cephes' erfc(t) is 1 - erf(t)
    *ndtr = 0.5 + 0.5 * erf;
    *log_ndtr = std::log1p(-(1.0 - erf) / 2);
    return;
  }
  if (t < 0) {  // cannot happen for a > -1 (|t| < 1/√2 there); kept exact rather than assumed
    *ndtr = Ndtr(a);
    *log_ndtr = LogNdtr(a);
    return;
  }
  // t >= 1/√2: both use erfc(t).
  const double erfc = CephesErfc(t);
  *ndtr = 1.0 - 0.5 * erfc;
  *log_ndtr = std::log1p(-erfc / 2);
}

double Ndtri(double y0) {
  if (std::isnan(y0)) return y0;
  if (y0 <= 0.0) return -DBL_MAX;
  if (y0 >= 1.0) return DBL_MAX;
  constexpr double kExpMinus2 = 0.13533528323661269189;
  bool negate = true;
  double y = y0;
  if (y > 1.0 - kExpMinus2) {
    y = 1.0 - y;
    negate = false;
  }
  if (y > kExpMinus2) {
    y = y - 0.5;
    const double y2 = y * y;
    double x = y + y * (y2 * Horner(y2, kNdtriP0) / HornerMonic(y2, kNdtriQ0));
    return x * kSqrt2Pi;
  }
  double x = std::sqrt(-2.0 * std::log(y));
  const double x0 = x - std::log(x) / x;
  const double z = 1.0 / x;
  const double x1 =
      x < 8.0 ? z * Horner(z, kNdtriP1) / HornerMonic(z, kNdtriQ1) : z * Horner(z, kNdtriP2) / HornerMonic(z, kNdtriQ2);
  x = x0 - x1;
  return negate ? -x : x;
}

double LogAddExp(double x, double y) {
  if (x == y) return x + 0.693147180559945309417232121458176568;  // also +inf,+inf and -inf,-inf
  const double d = x - y;
  if (d > 0) return x + std::log1p(std::exp(-d));
  if (d <= 0) return y + std::log1p(std::exp(d));
  return d;  // NaN
}

}  // namespace tb::dp
