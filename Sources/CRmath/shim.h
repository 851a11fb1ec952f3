// R's own distribution and special functions (Debian r-mathlib, libRmath),
// so that p-values, quantiles and gamma-family functions agree with R bit
// for bit. Exposed through small inline wrappers with an `rmath_` prefix, because
// Rmath.h renames several functions with macros Swift cannot import.
#ifndef LIMMA_CRMATH_SHIM_H
#define LIMMA_CRMATH_SHIM_H
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

static inline double rmath_pt(double x, double n, int lower, int logp) { return pt(x, n, lower, logp); }
static inline double rmath_qt(double p, double n, int lower, int logp) { return qt(p, n, lower, logp); }
static inline double rmath_dt(double x, double n, int logp) { return dt(x, n, logp); }
static inline double rmath_df(double x, double m, double n, int logp) { return df(x, m, n, logp); }
static inline double rmath_pf(double x, double n1, double n2, int lower, int logp) { return pf(x, n1, n2, lower, logp); }
static inline double rmath_qf(double p, double n1, double n2, int lower, int logp) { return qf(p, n1, n2, lower, logp); }
static inline double rmath_pnorm(double x, double mu, double sigma, int lower, int logp) { return pnorm(x, mu, sigma, lower, logp); }
static inline double rmath_qnorm(double p, double mu, double sigma, int lower, int logp) { return qnorm(p, mu, sigma, lower, logp); }
static inline double rmath_dnorm(double x, double mu, double sigma, int logp) { return dnorm(x, mu, sigma, logp); }
static inline double rmath_pbeta(double x, double a, double b, int lower, int logp) { return pbeta(x, a, b, lower, logp); }
static inline double rmath_pchisq(double x, double df, int lower, int logp) { return pchisq(x, df, lower, logp); }
static inline double rmath_qchisq(double p, double df, int lower, int logp) { return qchisq(p, df, lower, logp); }
static inline double rmath_pgamma(double x, double shape, double scale, int lower, int logp) { return pgamma(x, shape, scale, lower, logp); }
static inline double rmath_qgamma(double p, double shape, double scale, int lower, int logp) { return qgamma(p, shape, scale, lower, logp); }
static inline double rmath_lgammafn(double x) { return lgammafn(x); }
static inline double rmath_gammafn(double x) { return gammafn(x); }
static inline double rmath_digamma(double x) { return digamma(x); }
static inline double rmath_trigamma(double x) { return trigamma(x); }
static inline double rmath_psigamma(double x, double deriv) { return psigamma(x, deriv); }
static inline double rmath_lbeta(double a, double b) { return lbeta(a, b); }
static inline double rmath_log1pmx(double x) { return log1pmx(x); }
static inline double rmath_lgamma1p(double x) { return lgamma1p(x); }
static inline double rmath_dbinom(double x, double n, double p, int logp) { return dbinom(x, n, p, logp); }
static inline double rmath_pnbinom_mu(double x, double size, double mu, int lower, int logp) { return pnbinom_mu(x, size, mu, lower, logp); }
static inline double rmath_dnbinom_mu(double x, double size, double mu, int logp) { return dnbinom_mu(x, size, mu, logp); }

#endif
