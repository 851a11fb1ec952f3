// Correctly rounded quotients from a reciprocal and fused multiply-adds.

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

    @inline(__always)
    static func quotient(_ a: SIMD4<Double>, _ b: SIMD4<Double>, reciprocal y: SIMD4<Double>) -> SIMD4<Double> {
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

/// `out[k] = a[k] / b[k]` through `ExactQuotient` (four lanes at a time) where
/// both are in its domain, by division elsewhere; for tests that hold the
/// corrections to IEEE division. Call only when `FMAKernels.enabled`.
@inline(never)
public func fmaExactQuotients(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                              _ out: UnsafeMutablePointer<Double>, count: Int) {
    var k = 0
    while k + 4 <= count {
        let av = UnsafeRawPointer(a + k).loadUnaligned(as: SIMD4<Double>.self)
        let bv = UnsafeRawPointer(b + k).loadUnaligned(as: SIMD4<Double>.self)
        var q = ExactQuotient.quotient(av, bv, reciprocal: 1 / bv)
        for l in 0..<4 where !(ExactQuotient.dividendInDomain(av[l]) && ExactQuotient.divisorInDomain(bv[l])) {
            q[l] = av[l] / bv[l]
        }
        UnsafeMutableRawPointer(out + k).storeBytes(of: q, as: SIMD4<Double>.self)
        k += 4
    }
    while k < count {
        let x = a[k], d = b[k]
        out[k] = ExactQuotient.dividendInDomain(x) && ExactQuotient.divisorInDomain(d)
            ? ExactQuotient.quotient(x, d, reciprocal: 1 / d) : x / d
        k += 1
    }
}
