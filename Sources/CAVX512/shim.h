// Kernels written with AVX-512 intrinsics, for what Swift's SIMD types cannot
// express: compressing the lanes a mask selects (vpcompressd). Header only;
// each function is compiled for AVX-512 by its target attribute, whatever the
// package's flags, and runs only where Limma's `AVX512Kernels.enabled` is
// true (the caller checks). Elsewhere (not x86-64) the header is empty.
#ifndef LIMMA_CAVX512_SHIM_H
#define LIMMA_CAVX512_SHIM_H

#include <stdint.h>

/// What `limma_avx512_tmm_gene_pass` finds (Limma's `TMMGenePass`).
typedef struct {
    long used, below_band, below_window1, below_window2;
    long in_band, in_window1, in_window2;
    double min_positive, max_positive;
} limma_tmm_gene_pass_result;

#if defined(__x86_64__)
#include <immintrin.h>

#define LIMMA_AVX512_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,popcnt")))

/// TMM's pass over all genes of a sample against its reference, eight genes
/// at a time; the same result as Limma's `tmmGenePass` (see there). With
/// count o, x = o * reciprocal[g] and y = o * rp[g] (IEEE products); a gene is
/// used when 2^-1000 <= x < 2^1000 (ordered comparisons: NaN fails). Counted:
/// the used genes, those with x below band_lo, with y below window1_lo, with
/// y below window2_lo. Gathered, in gene order: the used genes with x in
/// [band_lo, band_hi] into band_genes, with y in [window1_lo, window1_hi]
/// into window1_genes, with y in [window2_lo, window2_hi] into
/// window2_genes (each buffer has room for n genes; nothing is written past
/// the genes gathered). Also the smallest and largest positive count
/// (Inf and 0 when none; NaN is neither).
LIMMA_AVX512_TARGET
static inline limma_tmm_gene_pass_result limma_avx512_tmm_gene_pass(
    const double *obs, long n, const double *reciprocal, const double *rp,
    double band_lo, double band_hi, double window1_lo, double window1_hi, double window2_lo, double window2_hi,
    int32_t *band_genes, int32_t *window1_genes, int32_t *window2_genes) {
    const __m512d zero = _mm512_setzero_pd();
    const __m512d x_low = _mm512_set1_pd(0x1p-1000), x_high = _mm512_set1_pd(0x1p1000);
    const __m512d b_lo = _mm512_set1_pd(band_lo), b_hi = _mm512_set1_pd(band_hi);
    const __m512d f1 = _mm512_set1_pd(window1_lo), g1 = _mm512_set1_pd(window1_hi);
    const __m512d f2 = _mm512_set1_pd(window2_lo), g2 = _mm512_set1_pd(window2_hi);
    __m512d low = _mm512_set1_pd(__builtin_inf()), high = zero;
    __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i eight = _mm256_set1_epi32(8);
    long used = 0, below_band = 0, below1 = 0, below2 = 0, nb = 0, n1 = 0, n2 = 0;
    for (long g = 0; g < n; g += 8) {
        const long rest = n - g;
        const __mmask8 lanes = rest >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << rest) - 1);
        const __m512d o = _mm512_maskz_loadu_pd(lanes, obs + g);
        const __m512d r = _mm512_maskz_loadu_pd(lanes, reciprocal + g);
        const __m512d p = _mm512_maskz_loadu_pd(lanes, rp + g);
        const __mmask8 positive = lanes & _mm512_cmp_pd_mask(o, zero, _CMP_GT_OQ);
        low = _mm512_mask_mov_pd(low, positive & _mm512_cmp_pd_mask(o, low, _CMP_LT_OQ), o);
        high = _mm512_mask_mov_pd(high, lanes & _mm512_cmp_pd_mask(o, high, _CMP_GT_OQ), o);
        const __m512d x = _mm512_mul_pd(o, r), y = _mm512_mul_pd(o, p);
        const __mmask8 u = lanes & _mm512_cmp_pd_mask(x, x_low, _CMP_GE_OQ) & _mm512_cmp_pd_mask(x, x_high, _CMP_LT_OQ);
        used += __builtin_popcount(u);
        below_band += __builtin_popcount(u & _mm512_cmp_pd_mask(x, b_lo, _CMP_LT_OQ));
        below1 += __builtin_popcount(u & _mm512_cmp_pd_mask(y, f1, _CMP_LT_OQ));
        below2 += __builtin_popcount(u & _mm512_cmp_pd_mask(y, f2, _CMP_LT_OQ));
        const __mmask8 in_band = u & _mm512_cmp_pd_mask(x, b_lo, _CMP_GE_OQ) & _mm512_cmp_pd_mask(x, b_hi, _CMP_LE_OQ);
        const __mmask8 in1 = u & _mm512_cmp_pd_mask(y, f1, _CMP_GE_OQ) & _mm512_cmp_pd_mask(y, g1, _CMP_LE_OQ);
        const __mmask8 in2 = u & _mm512_cmp_pd_mask(y, f2, _CMP_GE_OQ) & _mm512_cmp_pd_mask(y, g2, _CMP_LE_OQ);
        if (rest >= 8) {
            // Whole vectors: the gathered genes first, the rest of the eight
            // slots overwritten later; all within the n slots, as nb <= g and
            // g + 8 <= n (likewise n1, n2).
            _mm256_storeu_si256((__m256i *)(band_genes + nb), _mm256_maskz_compress_epi32(in_band, index));
            _mm256_storeu_si256((__m256i *)(window1_genes + n1), _mm256_maskz_compress_epi32(in1, index));
            _mm256_storeu_si256((__m256i *)(window2_genes + n2), _mm256_maskz_compress_epi32(in2, index));
        } else {
            _mm256_mask_compressstoreu_epi32(band_genes + nb, in_band, index);
            _mm256_mask_compressstoreu_epi32(window1_genes + n1, in1, index);
            _mm256_mask_compressstoreu_epi32(window2_genes + n2, in2, index);
        }
        nb += __builtin_popcount(in_band);
        n1 += __builtin_popcount(in1);
        n2 += __builtin_popcount(in2);
        index = _mm256_add_epi32(index, eight);
    }
    limma_tmm_gene_pass_result out;
    out.used = used; out.below_band = below_band; out.below_window1 = below1; out.below_window2 = below2;
    out.in_band = nb; out.in_window1 = n1; out.in_window2 = n2;
    out.min_positive = _mm512_reduce_min_pd(low);
    out.max_positive = _mm512_reduce_max_pd(high);
    return out;
}

/// TMM's pass over the band, eight genes at a time; the same result as
/// Limma's `tmmBandQuotients` (see there): for the genes gene[0..<nb],
/// q = (obs[g] / lib_obs) / rp[g] (two IEEE divisions, in that order) to
/// q[k]; the numbers of q below window1_lo and below window2_lo to
/// counts[0], counts[1]; the q values in [window1_lo, window1_hi] to
/// window1 and in [window2_lo, window2_hi] to window2, in gene order (each
/// with room for nb values; nothing written past those gathered), their
/// numbers to counts[2], counts[3]. NaN is in no window and below nothing.
LIMMA_AVX512_TARGET
static inline void limma_avx512_tmm_band_quotients(
    const int32_t *gene, long nb, const double *obs, const double *rp, double lib_obs, double *q,
    double window1_lo, double window1_hi, double window2_lo, double window2_hi,
    double *window1, double *window2, long *counts) {
    const __m512d lib = _mm512_set1_pd(lib_obs), one = _mm512_set1_pd(1.0);
    const __m512d l1 = _mm512_set1_pd(window1_lo), h1 = _mm512_set1_pd(window1_hi);
    const __m512d l2 = _mm512_set1_pd(window2_lo), h2 = _mm512_set1_pd(window2_hi);
    long below1 = 0, below2 = 0, n1 = 0, n2 = 0;
    for (long k = 0; k < nb; k += 8) {
        const long rest = nb - k;
        const __mmask8 lanes = rest >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << rest) - 1);
        const __m256i g = _mm256_maskz_loadu_epi32(lanes, gene + k);
        // Lanes past nb read nothing: the count 0 over the proportion 1.
        const __m512d o = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), lanes, g, obs, 8);
        const __m512d r = _mm512_mask_i32gather_pd(one, lanes, g, rp, 8);
        const __m512d v = _mm512_div_pd(_mm512_div_pd(o, lib), r);
        _mm512_mask_storeu_pd(q + k, lanes, v);
        below1 += __builtin_popcount(lanes & _mm512_cmp_pd_mask(v, l1, _CMP_LT_OQ));
        below2 += __builtin_popcount(lanes & _mm512_cmp_pd_mask(v, l2, _CMP_LT_OQ));
        const __mmask8 in1 = lanes & _mm512_cmp_pd_mask(v, l1, _CMP_GE_OQ) & _mm512_cmp_pd_mask(v, h1, _CMP_LE_OQ);
        const __mmask8 in2 = lanes & _mm512_cmp_pd_mask(v, l2, _CMP_GE_OQ) & _mm512_cmp_pd_mask(v, h2, _CMP_LE_OQ);
        if (rest >= 8) {
            // Whole vectors, within the nb slots (n1, n2 <= k, k + 8 <= nb).
            _mm512_storeu_pd(window1 + n1, _mm512_maskz_compress_pd(in1, v));
            _mm512_storeu_pd(window2 + n2, _mm512_maskz_compress_pd(in2, v));
        } else {
            _mm512_mask_compressstoreu_pd(window1 + n1, in1, v);
            _mm512_mask_compressstoreu_pd(window2 + n2, in2, v);
        }
        n1 += __builtin_popcount(in1);
        n2 += __builtin_popcount(in2);
    }
    counts[0] = below1; counts[1] = below2; counts[2] = n1; counts[3] = n2;
}

/// TMM's candidates from the band, eight genes at a time; the same result as
/// Limma's `tmmCandidates` (see there): for k < nb in order, with
/// y = obs[g] * rp[g] (g = gene[k]): the q values in [near1_lo, near1_hi] to
/// near1 and in [near2_lo, near2_hi] to near2 (in order; room for nb
/// each), the numbers of q below near1_lo and below near2_lo, and the
/// candidates (q in [near1_lo, near2_hi], y in [y_lo, y_hi]) moved to the
/// front of q, gene and y, in order. Each group of eight is read before any
/// slot is written (the candidates so far number at most k). counts gets
/// the candidates, the numbers in near1 and near2, and the two below.
LIMMA_AVX512_TARGET
static inline void limma_avx512_tmm_candidates(
    double *q, double *y, int32_t *gene, long nb, const double *obs, const double *rp,
    double near1_lo, double near1_hi, double near2_lo, double near2_hi, double y_lo, double y_hi,
    double *near1, double *near2, long *counts) {
    const __m512d la = _mm512_set1_pd(near1_lo), ha = _mm512_set1_pd(near1_hi);
    const __m512d lb = _mm512_set1_pd(near2_lo), hb = _mm512_set1_pd(near2_hi);
    const __m512d ylo = _mm512_set1_pd(y_lo), yhi = _mm512_set1_pd(y_hi);
    long nc = 0, n1 = 0, n2 = 0, below_a = 0, below_b = 0;
    for (long k = 0; k < nb; k += 8) {
        const long rest = nb - k;
        const __mmask8 lanes = rest >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << rest) - 1);
        const __m512d qv = _mm512_maskz_loadu_pd(lanes, q + k);
        const __m256i g = _mm256_maskz_loadu_epi32(lanes, gene + k);
        const __m512d o = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), lanes, g, obs, 8);
        const __m512d r = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), lanes, g, rp, 8);
        const __m512d yv = _mm512_mul_pd(o, r);
        below_a += __builtin_popcount(lanes & _mm512_cmp_pd_mask(qv, la, _CMP_LT_OQ));
        below_b += __builtin_popcount(lanes & _mm512_cmp_pd_mask(qv, lb, _CMP_LT_OQ));
        const __mmask8 at_least_a = lanes & _mm512_cmp_pd_mask(qv, la, _CMP_GE_OQ);
        const __mmask8 at_most_b = lanes & _mm512_cmp_pd_mask(qv, hb, _CMP_LE_OQ);
        const __mmask8 m1 = at_least_a & _mm512_cmp_pd_mask(qv, ha, _CMP_LE_OQ);
        const __mmask8 m2 = at_most_b & _mm512_cmp_pd_mask(qv, lb, _CMP_GE_OQ);
        const __mmask8 c = at_least_a & at_most_b & _mm512_cmp_pd_mask(yv, ylo, _CMP_GE_OQ)
            & _mm512_cmp_pd_mask(yv, yhi, _CMP_LE_OQ);
        if (rest >= 8) {
            // Whole vectors: all within slots already read (nc, n1, n2 <= k).
            _mm512_storeu_pd(q + nc, _mm512_maskz_compress_pd(c, qv));
            _mm512_storeu_pd(y + nc, _mm512_maskz_compress_pd(c, yv));
            _mm256_storeu_si256((__m256i *)(gene + nc), _mm256_maskz_compress_epi32(c, g));
            if (m1 | m2) {
                _mm512_storeu_pd(near1 + n1, _mm512_maskz_compress_pd(m1, qv));
                _mm512_storeu_pd(near2 + n2, _mm512_maskz_compress_pd(m2, qv));
            }
        } else {
            _mm512_mask_compressstoreu_pd(q + nc, c, qv);
            _mm512_mask_compressstoreu_pd(y + nc, c, yv);
            _mm256_mask_compressstoreu_epi32(gene + nc, c, g);
            _mm512_mask_compressstoreu_pd(near1 + n1, m1, qv);
            _mm512_mask_compressstoreu_pd(near2 + n2, m2, qv);
        }
        nc += __builtin_popcount(c);
        n1 += __builtin_popcount(m1);
        n2 += __builtin_popcount(m2);
    }
    counts[0] = nc; counts[1] = n1; counts[2] = n2; counts[3] = below_a; counts[4] = below_b;
}

/// Appends the indices k + l of the lanes l that `open` selects (the vector
/// of values k ..< k + 8) to list[nu...], in lane order, and returns the new
/// length. With a whole vector (`rest >= 8`) eight slots are stored, which
/// the callers' lists have: they list at most one index per value seen, so
/// nu <= k and k + 8 <= count.
LIMMA_AVX512_TARGET
static inline long limma_avx512_list_lanes(int32_t *list, long nu, __mmask8 open, long k, long rest) {
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32((int32_t)k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    if (rest >= 8) {
        _mm256_storeu_si256((__m256i *)(list + nu), _mm256_maskz_compress_epi32(open, index));
    } else {
        _mm256_mask_compressstoreu_epi32(list + nu, open, index);
    }
    return nu + __builtin_popcount(open);
}

/// The weighted terms of TMM's candidates, eight at a time; the same values
/// as the two-lane loop of Limma's `tmmWeightedCandidates` (see there). For
/// k < count, with g = gene[k], o = obs[g] and
/// v = ((lib_obs - o) / lib_obs) / o + rvar[g] (IEEE operations in that
/// order, no fused multiply-add: there is no product): ta[k] = m[k] / v and
/// tb[k] = 1 / v, each +0 where it is NaN. The indices k of the candidates
/// not sure to be kept (not: q[k] > sure_q_lo, q[k] < sure_q_hi,
/// y[k] > sure_y_lo and y[k] < sure_y_hi; ordered comparisons, so NaN is not
/// sure) go to unsure in order (room for count; nothing written past those
/// listed); returns their number.
LIMMA_AVX512_TARGET
static inline long limma_avx512_tmm_weighted_terms(
    const double *q, const double *y, const double *m, const int32_t *gene, long count,
    const double *obs, const double *rvar, double lib_obs,
    double sure_q_lo, double sure_q_hi, double sure_y_lo, double sure_y_hi,
    double *ta, double *tb, int32_t *unsure) {
    const __m512d lib = _mm512_set1_pd(lib_obs), one = _mm512_set1_pd(1.0);
    const __m512d qlo = _mm512_set1_pd(sure_q_lo), qhi = _mm512_set1_pd(sure_q_hi);
    const __m512d ylo = _mm512_set1_pd(sure_y_lo), yhi = _mm512_set1_pd(sure_y_hi);
    long nu = 0;
    for (long k = 0; k < count; k += 8) {
        const long rest = count - k;
        const __mmask8 lanes = rest >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << rest) - 1);
        const __m256i g = _mm256_maskz_loadu_epi32(lanes, gene + k);
        // Lanes past count read nothing (the count 1: no division by 0).
        const __m512d o = _mm512_mask_i32gather_pd(one, lanes, g, obs, 8);
        const __m512d rv = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), lanes, g, rvar, 8);
        const __m512d mv = _mm512_maskz_loadu_pd(lanes, m + k);
        const __m512d v = _mm512_add_pd(_mm512_div_pd(_mm512_div_pd(_mm512_sub_pd(lib, o), lib), o), rv);
        const __m512d a = _mm512_div_pd(mv, v), b = _mm512_div_pd(one, v);
        // +0 for NaN (a lane equal to itself is not NaN).
        _mm512_mask_storeu_pd(ta + k, lanes, _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(a, a, _CMP_EQ_OQ), a));
        _mm512_mask_storeu_pd(tb + k, lanes, _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(b, b, _CMP_EQ_OQ), b));
        const __m512d qv = _mm512_maskz_loadu_pd(lanes, q + k), yv = _mm512_maskz_loadu_pd(lanes, y + k);
        const __mmask8 sure = _mm512_cmp_pd_mask(qv, qlo, _CMP_GT_OQ) & _mm512_cmp_pd_mask(qv, qhi, _CMP_LT_OQ)
            & _mm512_cmp_pd_mask(yv, ylo, _CMP_GT_OQ) & _mm512_cmp_pd_mask(yv, yhi, _CMP_LT_OQ);
        const __mmask8 open = lanes & (__mmask8)~sure;
        nu = limma_avx512_list_lanes(unsure, nu, open, k, rest);
    }
    return nu;
}

/// One partition round of Limma's `selectCounting`, eight values at a time,
/// with the arrangement of its scalar loop: of src[0..<len], the values below
/// `pivot` (at most `pivot` when `or_equal`; ordered comparisons, so NaN is
/// never below) go to dst[0..<l] in their order, the others to dst[l..<len]
/// from the back, the first of them at dst[len - 1]. Returns l. Every slot of
/// dst[0..<len] is written once; nothing outside it. src and dst must not
/// overlap.
LIMMA_AVX512_TARGET
static inline long limma_avx512_partition(const double *src, long len, double pivot, int or_equal, double *dst) {
    const __m512d p = _mm512_set1_pd(pivot);
    const __m512i reverse = _mm512_setr_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    long l = 0, r = len - 1;
    for (long i = 0; i < len; i += 8) {
        const long rest = len - i;
        const __mmask8 lanes = rest >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << rest) - 1);
        const __m512d v = _mm512_maskz_loadu_pd(lanes, src + i);
        const __mmask8 low = lanes & (or_equal ? _mm512_cmp_pd_mask(v, p, _CMP_LE_OQ) : _mm512_cmp_pd_mask(v, p, _CMP_LT_OQ));
        const __mmask8 high = lanes & (__mmask8)~low;
        const int nl = __builtin_popcount(low), nh = __builtin_popcount(high);
        // The low values at dst[l..<l + nl], in order.
        _mm512_mask_storeu_pd(dst + l, (__mmask8)((1u << nl) - 1), _mm512_maskz_compress_pd(low, v));
        // The high values at dst[r], dst[r - 1], ...: compressed, reversed
        // (the first in lane 7) and stored in the nh top lanes of the eight
        // slots ending at dst[r] (r - nh + 1 >= l + nl >= 0).
        const __m512d h = _mm512_permutexvar_pd(reverse, _mm512_maskz_compress_pd(high, v));
        if (r >= 7) {
            _mm512_mask_storeu_pd(dst + (r - 7), (__mmask8)(0xFF00u >> nh), h);
        } else {
            double lanes_out[8];
            _mm512_storeu_pd(lanes_out, h);
            for (int t = 0; t < nh; t++) dst[r - t] = lanes_out[7 - t];
        }
        l += nl;
        r -= nh;
    }
    return l;
}

/// `selectNarrowing`'s pass (Limma), eight values at a time: the number of
/// values of x[0..<n] below `low`, and those in [low, high] gathered to
/// window in order (room for n; nothing written past those gathered), their
/// number to *inside. Ordered comparisons: NaN is neither.
LIMMA_AVX512_TARGET
static inline long limma_avx512_narrow(const double *x, long n, double low, double high, double *window, long *inside) {
    const __m512d lo = _mm512_set1_pd(low), hi = _mm512_set1_pd(high);
    long below = 0, in = 0;
    for (long i = 0; i < n; i += 8) {
        const long rest = n - i;
        const __mmask8 lanes = rest >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << rest) - 1);
        const __m512d v = _mm512_maskz_loadu_pd(lanes, x + i);
        below += __builtin_popcount(lanes & _mm512_cmp_pd_mask(v, lo, _CMP_LT_OQ));
        const __mmask8 m = lanes & _mm512_cmp_pd_mask(v, lo, _CMP_GE_OQ) & _mm512_cmp_pd_mask(v, hi, _CMP_LE_OQ);
        _mm512_mask_storeu_pd(window + in, (__mmask8)((1u << __builtin_popcount(m)) - 1), _mm512_maskz_compress_pd(m, v));
        in += __builtin_popcount(m);
    }
    *inside = in;
    return below;
}

#undef LIMMA_AVX512_TARGET
#endif
#endif
