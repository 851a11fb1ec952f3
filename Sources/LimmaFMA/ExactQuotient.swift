// Correctly rounded quotients from a reciprocal and fused multiply-adds.
// One source compiled into LimmaFMA and, through a link to this file,
// LimmaAVX512 (voom's trend kernels, VoomKernels.swift, use it in both).

/// `a / b`, correctly rounded (the bits IEEE division gives), computed from
/// `y = 1 / b` (itself a correctly rounded division, made once per divisor) by
/// one multiplication and four fused multiply-adds:
///
///     q0 = RN(a y)
///     r0 = RN(a - b q0),  q1 = RN(q0 + r0 y)
///     r1 = RN(a - b q1),  q  = RN(q1 + r1 y)
///
/// Why it is exact, with `u = 2^-53` and `z = a / b`:
/// - `y = RN(1/b)`, so `b y = 1 + e_y` with `|e_y| <= u`; `q0 = z (1 + e_0)`
///   with `|e_0| <= 2u + u^2`.
/// - `a - b q0 = -b z e_0`, rounded once: `r0 = -b z e_0 (1 + e_1)`,
///   `|e_1| <= u`. Then `q0 + r0 y = z (1 - e_0 (e_1 + e_y + e_1 e_y))`, within a
///   relative `2^-103` of `z`, so `q1`, its rounding, is within half an ulp
///   plus `2^-103 |z|` of `z`: a faithful rounding of `z`.
/// - Markstein's theorem (P. Markstein, IBM J. Res. Dev. 34(1), 1990; the form
///   proved by J. Harrison, "Formal verification of IA-64 division
///   algorithms", 2000): when `y` is within half an ulp of `1/b` and `q1` is a
///   faithful rounding of `a/b`, the remainder `a - b q1` is a double (so `r1`
///   is exact) and `RN(q1 + r1 y) = RN(a/b)`.
///
/// One correction is not enough in general: `q0` can be 1.5 ulp from `z` when
/// `z` lies just below a power of two, and the theorem needs a faithful `q`.
///
/// Domain (every value there keeps the products and remainders normal, which
/// the argument assumes): `b` in `[2^-500, 2^500]` and `a` either `+0` or of
/// magnitude in `[2^-500, 2^500]`. For `a = +0` every step gives `+0`, as
/// `+0 / b` does. Outside it (`-0`, subnormals, infinities, NaN, huge or tiny
/// values) callers divide; `inDomain` tells them which.
enum ExactQuotient {
    static let low = 0x1p-500, high = 0x1p500

    @inline(__always)
    static func quotient(_ a: Double, _ b: Double, reciprocal y: Double) -> Double {
        let q0 = a * y
        let q1 = q0.addingProduct(a.addingProduct(-b, q0), y)
        return q1.addingProduct(a.addingProduct(-b, q1), y)
    }

    /// The same steps lane by lane, in any number of lanes (LimmaFMA's
    /// four, LimmaAVX512's eight): each lane the scalar quotient's bits.
    @inline(__always)
    static func quotient<V: SIMD>(_ a: V, _ b: V, reciprocal y: V) -> V where V.Scalar == Double {
        let q0 = a * y
        let q1 = q0.addingProduct(a.addingProduct(-b, q0), y)
        return q1.addingProduct(a.addingProduct(-b, q1), y)
    }

    /// Whether `b` is a divisor the corrections are proven for.
    @inline(__always)
    static func divisorInDomain(_ b: Double) -> Bool { b >= low && b <= high }

    /// Whether `a` is a dividend the corrections are proven for (+0 or a
    /// magnitude in `[2^-500, 2^500]`; not -0, which must give -0).
    @inline(__always)
    static func dividendInDomain(_ a: Double) -> Bool {
        let m = abs(a)
        return (m >= low && m <= high) || (a == 0 && a.sign == .plus)
    }
}
