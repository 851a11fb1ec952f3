// Natural log with the system libm's bits, four values at a time: a
// double-double approximation where it proves glibc's `log`, the libm itself
// elsewhere (eBayes's B-statistics, the t tails' power-series prefactors).

/// `out[k] = log(x[k])` with the bits of glibc's `log`, for `k < count`:
/// where the approximation below proves glibc's result, that result; every
/// other value is `miss(x[k])` (which the caller makes the libm's `log`).
/// `out` must not overlap `x`. Returns the number of values left to `miss`.
/// Call only when `FMAKernels.enabled`.
///
/// ## What proves the libm's bits
/// glibc's `log` (2.28 and later, the version with a 128-entry table; Debian
/// 12 has 2.36) states a worst case of 0.519 ulp (0.520 in its build without
/// FMA) for `|log x| > 2^-4`, and about 0.507 ulp for x near 1, where it
/// takes its own polynomial. Let `Y = log x` and `D` a double, not 0 and not
/// ±2^e, with `|Y - D| < 0.48 ulp(D)`. D's neighbours are `ulp(D)` away on
/// both sides, so Y lies strictly between them, in D's binade
/// (`ulp(Y) = ulp(D)`), and every other double is more than `0.52 ulp(Y)`
/// from Y: a `log` within 0.520 ulp of Y can only return D.
///
/// ## Reduction
/// As `fmaLog2Parts` (Log2.swift): for a positive normal finite x,
/// `x = 2^k m` exactly with `m ∈ [0.70703125, 1.4140625)`, table row
/// `j` (x's top 7 fraction bits), `invc_j = RN(1/c_j)` (1 for the central
/// rows j = 0 and 127, `m ∈ [1, 1 + 2^-7)` and `[1 - 2^-8, 1)`),
/// `ph = RN(m invc_j)`, `pl = m invc_j - ph` (one FMA, exact, `|pl| <= 2^-53`,
/// 0 for central rows), `r = ph - 1` (exact; `|r| < 2^-8` off the central
/// rows, `r ∈ [-2^-8, 2^-7)` on them), and
///     `log x = k ln 2 + T_j + log(1 + r + pl)`,  `T_j = -log(invc_j)`.
/// The table here (`logTable`, per j: `invc_j`, `Thi_j`, `Tlo_j`, `[j >= 53]`)
/// has `log2Table`'s `invc_j`, halved for j >= 53 so that the product is
/// formed from `mf = 1 + f` itself (`RN(mf invc_j/2) = RN(m invc_j)`, as
/// `m = mf/2` and halving is exact), and its last column is what the
/// exponent gains there (`k = e + [j >= 53]`); `Thi_j` is `T_j` rounded to a multiple of 2^-42,
/// `Tlo_j = RN(T_j - Thi_j)` (`|Tlo| <= 2^-43`, `|Thi + Tlo - T| < 2^-97`);
/// `L2h` is `ln 2` rounded to a multiple of 2^-42 and `L2l = RN(ln 2 - L2h)`
/// (`|L2l| < 2^-44`, `|L2h + L2l - ln 2| < 2^-102`), so that
/// `kh = k L2h + Thi` is exact (a multiple of 2^-42 below 2^10 in magnitude,
/// `|k| <= 1024`) and is one FMA. Literals from 80-digit decimal arithmetic
/// (Python's `decimal`: `T = -Decimal(invc).ln()`,
/// `Thi = float((T * 2**42).to_integral_value()) / 2**42`,
/// `Tlo = float(T - Decimal(Thi))`; `L2h`, `L2l` the same from
/// `Decimal(2).ln()`; `1/n` rounded).
///
/// ## Evaluation
/// `log(1 + r + pl) = r - r^2/2 + Σ_{n=3..9} (-1)^(n+1) r^n/n + pl/(1 + r) + R`.
/// - `h0 + e0 = kh + r` (Fast2Sum: `kh = 0`, or `|kh| >= |r|`: for k ≠ 0
///   `|kh| > ln 2 - 0.347`, for k = 0 off the central rows
///   `|T_j| >= 0.0058 > 2^-8 > |r|`);
/// - `sH = RN(r^2)`, `sL = r^2 - sH` (FMA, exact; r is a multiple of 2^-53,
///   so nothing underflows), `-sH/2` and `-sL/2` exact;
///   `h + e1 = h0 - sH/2` (Fast2Sum: `|h0| >= |r| >= r^2/2` on the central
///   rows with k = 0, `|h0| > 0.0019 > 2^-15 > r^2/2` elsewhere);
/// - `p = RN(RN(sH r) q)`, q `1/3 - r/4 + ... + r^6/9` (coefficients
///   rounded) as `(1/3 - r/4) + sH ((1/5 - r/6) + sH ((1/7 - r/8) + sH/9))`
///   (FMAs);
/// - `corr = RN(pl - pl r)` (FMA) for `pl/(1 + r)`; `tail = RN(Tlo + k L2l)`
///   (FMA);
/// - `lo = ((((e0 + e1) + tail) - sL/2) + corr) + p` (each sum rounded),
///   `yh = RN(h + lo)`, `yl = lo - (yh - h)` (Fast2Sum, `|lo| < |h|`), so
///   `h + lo = yh + yl` exactly.
///
/// ## The error `E = |yh + yl - Y|`
/// `h + e0 + e1 - sH/2 - sL/2` is `kh + r - r^2/2` exactly. The rest:
/// - the series after `r^9`: at most `|r|^10/(10 (1 - |r|)) < 2^-66.3 |r|`;
/// - p: q within `2^-50` of its polynomial (7 coefficients, 6 roundings of
///   partial values below 0.34 in magnitude, sH's relative `2^-53` in the
///   terms it multiplies, below `2^-14`), `RN(sH r)` within `2^-52 |r|^3`: p within
///   `|r|^3 (2^-50 + 0.34 · 2^-51.4) < 2^-49.7 |r|^3 <= 2^-63.7 |r|`;
/// - corr: `|pl| r^2 / (1 - |r|) + 2^-53 |corr| < 2^-69` (`|r| < 2^-8`
///   where `pl ≠ 0`);
/// - tail and the table: `2^-53 |tail| + 2^-97 + |k| 2^-102`;
/// - lo's five roundings: each `<= 2^-53` of a partial sum, all below
///   `|e0| + |e1| + |tail| + r^2 2^-53 + |corr| + |p|`.
/// Central rows, k = 0 (`Y = log(1 + r)`, `|Y| >= |r| (1 - 2^-8)`, so
/// `ulp(yh) > 2^-53 |Y|` and e0 = tail = corr = 0, `|e1| <= 2^-53 |r|`):
/// `E < (2^-66.3 + 2^-63.7 + 2^-65) |r| < 2^-63 |r| < 2^-9.9 ulp(yh)`.
/// k = 0 off the central rows (`|r| < 2^-8`, `|Y| > 2^-8`, so
/// `ulp(yh) >= 2^-60`; `tail = Tlo`, `|p| < 2^-25.6`, lo's partial sums
/// below `2^-25.5`): `E < 2^-69 + 2^-71.7 + 2^-74.3 + 5 · 2^-53 · 2^-25.5
/// + 2^-97 < 2^-68.3 = 2^-8.3 ulp(yh)`. k ≠ 0 (`|Y| >= 0.346 |k|`, so
/// `ulp(yh) > 2^-54.6 |k|`; `|p| < 2^-22.5`, `|tail| < 2^-43 + |k| 2^-44`):
/// `E < 2^-69 + 2^-70.7 + 2^-73.3 + 5 · 2^-53 (2^-51.9 |Y| + 2^-43 +
/// |k| 2^-44 + 2^-53 + 2^-22.5) + 2^-96 + |k| (2^-97 + 2^-102)
/// < 2^-68 + |k| 2^-93 < 2^-12 ulp(yh)`. So `E < 2^-8.3 ulp(yh) < 0.0032
/// ulp(yh)` in every case.
///
/// ## When a value is settled
/// Accepted when x is a positive normal finite double, `yh` is not 0 nor
/// ±2^e, and `RN(yh + c yl) == yh` (one FMA) with `c = RN(1/(2 · 0.47))`:
/// as yh's neighbours lie `ulp(yh)` away, that holds only if
/// `|c yl| <= ulp(yh)/2`, i.e. `|yl| <= 0.47 (1 + 2^-52) ulp(yh)`; then
/// `|Y - yh| <= |yl| + E < 0.4733 ulp(yh) < 0.48 ulp(yh)`, which proves
/// glibc's result is yh. Everything else goes to `miss`: zero, negative,
/// subnormal, infinite and NaN x, x = 1 (`Y = 0`), results that are powers
/// of two, and the values whose `|yl|` is above the threshold (about 6 in
/// 100 of random arguments).
@inline(never) @discardableResult
public func fmaLogSettled(_ x: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>,
                          miss: (Double) -> Double) -> Int {
    logTable.withUnsafeBufferPointer { tb in
        let table = tb.baseAddress!
        // Whole groups of four through `settleInGroups` (each loaded as a
        // vector and stored whole).
        let (k, misses) = settleInGroups(count: count, group: { k in
            let v = UnsafeRawPointer(x + k).loadUnaligned(as: SIMD4<Double>.self)
            let (y, settled) = logSettledLanes(v, table)
            UnsafeMutableRawPointer(out + k).storeBytes(of: y, as: SIMD4<Double>.self)
            return settled
        }, miss: { m in out[m] = miss(x[m]) })
        var total = misses
        // The last `count % 4` values through a group padded with twos.
        if k < count {
            let n = count - k
            var v = SIMD4<Double>(repeating: 2)
            for l in 0..<n { v[l] = x[k + l] }
            let (y, settled) = logSettledLanes(v, table)
            for l in 0..<n {
                if settled[l] { out[k + l] = y[l] } else { out[k + l] = miss(x[k + l]); total += 1 }
            }
        }
        return total
    }
}

/// The reduction, evaluation and acceptance test of `fmaLogSettled`, four
/// lanes: `yh` and the lanes it settles.
@inline(__always)
private func logSettledLanes(_ x: SIMD4<Double>, _ table: UnsafePointer<Double>)
    -> (SIMD4<Double>, SIMDMask<SIMD4<Int64>>) {
    typealias V4 = SIMD4<Double>
    typealias U4 = SIMD4<UInt64>
    let l2h = 0x1.62e42fefa3800p-1, l2l = 0x1.ef35793c76730p-45
    // (Comparisons of doubles only: SIMD4<UInt64>'s are done lane by lane.)
    let bits = unsafeBitCast(x, to: U4.self)
    let covered = (x .>= 0x1p-1022) .& (x .< .infinity)
    let j = (bits &>> 45) & 127
    let mf = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: V4.self)   // 1 + f
    let r0 = UnsafeRawPointer(table + 4 * Int(j[0])).loadUnaligned(as: V4.self)
    let r1 = UnsafeRawPointer(table + 4 * Int(j[1])).loadUnaligned(as: V4.self)
    let r2 = UnsafeRawPointer(table + 4 * Int(j[2])).loadUnaligned(as: V4.self)
    let r3 = UnsafeRawPointer(table + 4 * Int(j[3])).loadUnaligned(as: V4.self)
    let invc = V4(r0[0], r1[0], r2[0], r3[0])             // invc_j, or invc_j / 2 (then m = mf / 2)
    let tHi = V4(r0[1], r1[1], r2[1], r3[1])
    let tLo = V4(r0[2], r1[2], r2[2], r3[2])
    let adjust = V4(r0[3], r1[3], r2[3], r3[3])
    let kd = (unsafeBitCast(0x4330_0000_0000_0000 | (bits &>> 52), to: V4.self) - (0x1p52 + 1023)) + adjust   // exact
    let ph = mf * invc                                    // RN(m invc_j)
    let pl = (-ph).addingProduct(mf, invc)                // m invc_j - ph, exact
    let r = ph - 1                                        // exact
    let kh = tHi.addingProduct(kd, V4(repeating: l2h))    // k L2h + Thi, exact
    let h0 = kh + r
    let e0 = r - (h0 - kh)                                // Fast2Sum
    let sH = r * r
    let sL = (-sH).addingProduct(r, r)                    // r^2 - sH, exact
    let half = sH * -0.5                                  // exact
    let h = h0 + half
    let e1 = half - (h - h0)                              // Fast2Sum
    // q = (1/3 - r/4) + sH ((1/5 - r/6) + sH ((1/7 - r/8) + sH/9))
    let q01 = V4(repeating: 0x1.5555555555555p-2).addingProduct(r, V4(repeating: -0x1p-2))
    let q23 = V4(repeating: 0x1.999999999999ap-3).addingProduct(r, V4(repeating: -0x1.5555555555555p-3))
    let q45 = V4(repeating: 0x1.2492492492492p-3).addingProduct(r, V4(repeating: -0x1p-3))
    let q6 = q45.addingProduct(sH, V4(repeating: 0x1.c71c71c71c71cp-4))
    let q = q01.addingProduct(sH, q23.addingProduct(sH, q6))
    let p = (sH * r) * q
    let corr = pl.addingProduct(-pl, r)                   // pl (1 - r)
    let tail = tLo.addingProduct(kd, V4(repeating: l2l))
    let lo = ((((e0 + e1) + tail) + sL * -0.5) + corr) + p
    let yh = h + lo
    let yl = lo - (yh - h)                                // Fast2Sum
    let c = V4(repeating: 0x1.10572620ae4c4p+0)           // RN(1 / (2 · 0.47))
    let notPow2 = yh .!= unsafeBitCast(unsafeBitCast(yh, to: U4.self) & 0xFFF0_0000_0000_0000, to: V4.self)
    let settled = covered .& (yh .!= 0) .& notPow2 .& (yh.addingProduct(yl, c) .== yh)
    return (yh, settled)
}

/// Per j in 0..<128 (`fmaLogSettled`'s reduction): `invc_j` (halved when
/// j >= 53), `Thi_j`, `Tlo_j`, and 1 when j >= 53 (else 0).
private let logTable: [Double] = [
    0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, 0,
    0x1.fa11caa01fa12p-1, 0x1.7dc475f820000p-7, -0x1.eb2d45b5da1f5p-44, 0,
    0x1.f6310aca0dbb5p-1, 0x1.3cea443470000p-6, -0x1.69f0c32d6a40bp-44, 0,
    0x1.f25f644230ab5p-1, 0x1.b9fc027b00000p-6, -0x1.b99990ae6922ap-44, 0,
    0x1.ee9c7f8458e02p-1, 0x1.1b0d989240000p-5, -0x1.340ae9ae889bbp-44, 0,
    0x1.eae807aba01ebp-1, 0x1.58a5bafc90000p-5, -0x1.b2d039570ad39p-45, 0,
    0x1.e741aa59750e4p-1, 0x1.95c830ec90000p-5, -0x1.c0dc297c5feb8p-45, 0,
    0x1.e3a9179dc1a73p-1, 0x1.d276b8adb0000p-5, 0x1.6ac83c78a64b0p-46, 0,
    0x1.e01e01e01e01ep-1, 0x1.0759835990000p-4, -0x1.b8ebfe4b59987p-44, 0,
    0x1.dca01dca01dcap-1, 0x1.253f62f0a0000p-4, 0x1.41708fb69a701p-44, 0,
    0x1.d92f2231e7f8ap-1, 0x1.42edcbea64000p-4, 0x1.bb6aeea7c9acdp-46, 0,
    0x1.d5cac807572b2p-1, 0x1.60658a9374000p-4, 0x1.0c3c1dee9c4f8p-44, 0,
    0x1.d272ca3fc5b1ap-1, 0x1.7da766d7b0000p-4, 0x1.2d0344480c89bp-44, 0,
    0x1.cf26e5c44bfc6p-1, 0x1.9ab4246204000p-4, -0x1.8a46826787061p-45, 0,
    0x1.cbe6d9601cbe7p-1, 0x1.b78c82bb10000p-4, -0x1.2604fbc3987e7p-44, 0,
    0x1.c8b265afb8a42p-1, 0x1.d4313d66cc000p-4, -0x1.9452379135713p-45, 0,
    0x1.c5894d10d4986p-1, 0x1.f0a30c0118000p-4, -0x1.d5bce83368e91p-44, 0,
    0x1.c26b5392ea01cp-1, 0x1.0671512ca6000p-3, -0x1.a44979cdc0a3dp-45, 0,
    0x1.bf583ee868d8bp-1, 0x1.1478584674000p-3, 0x1.560651027c750p-46, 0,
    0x1.bc4fd65883e7bp-1, 0x1.2266f190a6000p-3, -0x1.4cddab840e7f6p-45, 0,
    0x1.b951e2b18ff23p-1, 0x1.303d718e48000p-3, -0x1.5b6b5ce3ecb05p-50, 0,
    0x1.b65e2e3beee05p-1, 0x1.3dfc2b0ecc000p-3, 0x1.8a9ba62b8c13fp-45, 0,
    0x1.b37484ad806cep-1, 0x1.4ba36f39a6000p-3, -0x1.436fbb3f219e5p-44, 0,
    0x1.b094b31d922a4p-1, 0x1.59338d9982000p-3, 0x1.0ac68b7555d4ap-48, 0,
    0x1.adbe87f94905ep-1, 0x1.66acd4272a000p-3, 0x1.aa1cdbfc6c785p-44, 0,
    0x1.aaf1d2f87ebfdp-1, 0x1.740f8f5404000p-3, -0x1.0b9a499018aa1p-44, 0,
    0x1.a82e65130e159p-1, 0x1.815c0a1436000p-3, -0x1.02dbaf9201ce8p-44, 0,
    0x1.a574107688a4ap-1, 0x1.8e928de886000p-3, 0x1.a8224b13d72d5p-44, 0,
    0x1.a2c2a87c51ca0p-1, 0x1.9bb362e7e0000p-3, -0x1.1eca8a1ce0ffcp-45, 0,
    0x1.a01a01a01a01ap-1, 0x1.a8becfc882000p-3, 0x1.e3195cf21b9cfp-44, 0,
    0x1.9d79f176b682dp-1, 0x1.b5b519e8fc000p-3, -0x1.4b4eaec011f31p-44, 0,
    0x1.9ae24ea5510dap-1, 0x1.c2968558c2000p-3, -0x1.cf7d3dee38a40p-45, 0,
    0x1.9852f0d8ec0ffp-1, 0x1.cf6354e09c000p-3, 0x1.775339a07d55bp-45, 0,
    0x1.95cbb0be377aep-1, 0x1.dc1bca0abe000p-3, 0x1.8f671a628ccc6p-44, 0,
    0x1.934c67f9b2ce6p-1, 0x1.e8c0252aa6000p-3, -0x1.6803b80e8e6ffp-45, 0,
    0x1.90d4f120190d5p-1, 0x1.f550a564b8000p-3, -0x1.32513a09202fep-45, 0,
    0x1.8e6527af1373fp-1, 0x1.00e6c45ad5000p-2, 0x1.cd88d52e01203p-50, 0,
    0x1.8bfce8062ff3ap-1, 0x1.071b85fcd6000p-2, -0x1.bcb7ba3e01a11p-44, 0,
    0x1.899c0f601899cp-1, 0x1.0d46b579ab000p-2, 0x1.d2d21f640e1e6p-44, 0,
    0x1.87427bcc092b9p-1, 0x1.136870293b000p-2, -0x1.d3f3c99d67123p-44, 0,
    0x1.84f00c2780614p-1, 0x1.1980d2dd42000p-2, 0x1.b75fa7a361c9ap-45, 0,
    0x1.82a4a0182a4a0p-1, 0x1.1f8ff9e48a000p-2, 0x1.7966c040cbe77p-45, 0,
    0x1.8060180601806p-1, 0x1.2596010df7000p-2, 0x1.8e7cc224ea3e3p-44, 0,
    0x1.7e225515a4f1dp-1, 0x1.2b9303ab8a000p-2, -0x1.6d8c2d6bfb0a5p-45, 0,
    0x1.7beb3922e017cp-1, 0x1.31871c9544000p-2, 0x1.84c2b94cecfd9p-46, 0,
    0x1.79baa6bb6398bp-1, 0x1.3772662bfe000p-2, -0x1.e8f7eac53b023p-44, 0,
    0x1.77908119ac60dp-1, 0x1.3d54fa5c1f000p-2, 0x1.c4054d9a395e3p-44, 0,
    0x1.756cac201756dp-1, 0x1.432ef2a04f000p-2, -0x1.fb4c1931715adp-44, 0,
    0x1.734f0c541fe8dp-1, 0x1.4900680401000p-2, -0x1.8c037fe1a0f8cp-44, 0,
    0x1.713786d9c7c09p-1, 0x1.4ec9732600000p-2, 0x1.345caaf04d104p-45, 0,
    0x1.6f26016f26017p-1, 0x1.548a2c3add000p-2, 0x1.3154e63081cf7p-45, 0,
    0x1.6d1a62681c861p-1, 0x1.5a42ab0f4d000p-2, -0x1.e71af2df7ba69p-50, 0,
    0x1.6b1490aa31a3dp-1, 0x1.5ff3070a79000p-2, 0x1.e9df39f105039p-45, 0,
    0x1.691473a88d0c0p-1, -0x1.602d08af09000p-2, -0x1.ec69176df3f65p-46, 1,
    0x1.6719f3601671ap-1, -0x1.5a8cadbbee000p-2, 0x1.7be9b0af7ecf8p-48, 1,
    0x1.6524f853b4aa3p-1, -0x1.54f431b7be000p-2, -0x1.a7ef4c0910952p-46, 1,
    0x1.63356b88ac0dep-1, -0x1.4f637ebbaa000p-2, 0x1.fc168cb3124b9p-44, 1,
    0x1.614b36831ae94p-1, -0x1.49da7f3bcc000p-2, -0x1.07f134daf4b9ap-44, 1,
    0x1.5f66434292dfcp-1, -0x1.44591e053a000p-2, 0x1.6de5892923d88p-47, 1,
    0x1.5d867c3ece2a5p-1, -0x1.3edf463c17000p-2, 0x1.f08e4297f2c3fp-44, 1,
    0x1.5babcc647fa91p-1, -0x1.396ce359bc000p-2, 0x1.5a15c5663663dp-47, 1,
    0x1.59d61f123ccaap-1, -0x1.3401e12aed000p-2, 0x1.17f03556e291dp-44, 1,
    0x1.5805601580560p-1, -0x1.2e9e2bce12000p-2, -0x1.42e0c128d1dc2p-45, 1,
    0x1.56397ba7c52e2p-1, -0x1.2941afb187000p-2, 0x1.20fd2b730e28bp-44, 1,
    0x1.54725e6bb82fep-1, -0x1.23ec5991ec000p-2, 0x1.6dbf448a2e522p-44, 1,
    0x1.52aff56a8054bp-1, -0x1.1e9e16788a000p-2, 0x1.82ba6d3c8b65ep-44, 1,
    0x1.50f22e111c4c5p-1, -0x1.1956d3b9bc000p-2, -0x1.7c8873ad1aa14p-45, 1,
    0x1.4f38f62dd4c9bp-1, -0x1.14167ef367000p-2, -0x1.e11ef824daaf5p-44, 1,
    0x1.4d843bedc2c4cp-1, -0x1.0edd060b78000p-2, -0x1.044b52d8435f5p-47, 1,
    0x1.4bd3edda68fe1p-1, -0x1.09aa572e6c000p-2, -0x1.b51f9e1734342p-44, 1,
    0x1.4a27fad76014ap-1, -0x1.047e60cde8000p-2, -0x1.dba110d397f3cp-45, 1,
    0x1.4880522014880p-1, -0x1.feb2233ea0000p-3, -0x1.f2c18de00938bp-45, 1,
    0x1.46dce34596066p-1, -0x1.f474b134e0000p-3, 0x1.bb019f1df7b5ep-44, 1,
    0x1.453d9e2c776cap-1, -0x1.ea4449f04a000p-3, -0x1.5e90663732a36p-44, 1,
    0x1.43a2730abee4dp-1, -0x1.e020cc6236000p-3, 0x1.52df0adb91424p-45, 1,
    0x1.420b5265e5951p-1, -0x1.d60a17f904000p-3, 0x1.5d8a86fc20d39p-44, 1,
    0x1.40782d10e6566p-1, -0x1.cc000c9db4000p-3, 0x1.d6e985d57aff9p-46, 1,
    0x1.3ee8f42a5af07p-1, -0x1.c2028ab180000p-3, 0x1.92a3ee55c7ac6p-45, 1,
    0x1.3d5d991aa75c6p-1, -0x1.b811730b82000p-3, -0x1.e9e283b9cd768p-46, 1,
    0x1.3bd60d9232955p-1, -0x1.ae2ca6f672000p-3, -0x1.7af2dae54f550p-44, 1,
    0x1.3a524387ac822p-1, -0x1.a454082e6a000p-3, -0x1.60587c81f7171p-44, 1,
    0x1.38d22d366088ep-1, -0x1.9a8778deba000p-3, -0x1.4744a3efec390p-44, 1,
    0x1.3755bd1c945eep-1, -0x1.90c6db9fcc000p-3, 0x1.929357718d7cap-46, 1,
    0x1.35dce5f9f2af8p-1, -0x1.871213750e000p-3, -0x1.3272b42f9af75p-44, 1,
    0x1.34679ace01346p-1, -0x1.7d6903caf6000p-3, 0x1.4cd0b17c301d7p-45, 1,
    0x1.32f5ced6a1dfap-1, -0x1.73cb9074fe000p-3, 0x1.d66b90d0005a6p-44, 1,
    0x1.3187758e9ebb6p-1, -0x1.6a399dabbe000p-3, 0x1.8f944e66a15a6p-44, 1,
    0x1.301c82ac40260p-1, -0x1.60b3100b0a000p-3, 0x1.71756c988f814p-44, 1,
    0x1.2eb4ea1fed14bp-1, -0x1.5737cc9018000p-3, -0x1.9b97fa6b887f6p-44, 1,
    0x1.2d50a012d50a0p-1, -0x1.4dc7b897bc000p-3, -0x1.c71b60ae1ff0fp-47, 1,
    0x1.2bef98e5a3711p-1, -0x1.4462b9dc9c000p-3, 0x1.84830a711b062p-44, 1,
    0x1.2a91c92f3c105p-1, -0x1.3b08b67580000p-3, 0x1.ab150f29320fbp-44, 1,
    0x1.293725bb804a5p-1, -0x1.31b994d3a4000p-3, -0x1.f0b76e3a50810p-44, 1,
    0x1.27dfa38a1ce4dp-1, -0x1.28753bc11a000p-3, -0x1.74346359302e6p-44, 1,
    0x1.268b37cd60127p-1, -0x1.1f3b925f26000p-3, 0x1.5ddee9b083633p-46, 1,
    0x1.2539d7e9177b2p-1, -0x1.160c8024b2000p-3, -0x1.ebfb2a9009e3dp-45, 1,
    0x1.23eb79717605bp-1, -0x1.0ce7ecdccc000p-3, -0x1.4588dabff5447p-46, 1,
    0x1.22a0122a0122ap-1, -0x1.03cdc0a51e000p-3, -0x1.81a8cf169fc5cp-44, 1,
    0x1.21579804855e6p-1, -0x1.f57bc7d900000p-4, -0x1.76a2c9ea8b04ep-46, 1,
    0x1.2012012012012p-1, -0x1.e3707ee304000p-4, -0x1.0f664e6766abdp-45, 1,
    0x1.1ecf43c7fb84cp-1, -0x1.d179788218000p-4, -0x1.36193b5efbeedp-44, 1,
    0x1.1d8f5672e4abdp-1, -0x1.bf968769fc000p-4, -0x1.42f7c8d824283p-45, 1,
    0x1.1c522fc1ce059p-1, -0x1.adc77ee5b0000p-4, 0x1.5718a09c31904p-44, 1,
    0x1.1b17c67f2bae3p-1, -0x1.9c0c32d4d4000p-4, 0x1.ab3589e838668p-44, 1,
    0x1.19e0119e0119ep-1, -0x1.8a6477a91c000p-4, -0x1.c28b0af9bd6dfp-44, 1,
    0x1.18ab083902bdbp-1, -0x1.78d02263d8000p-4, -0x1.6bb9794b69fb7p-47, 1,
    0x1.1778a191bd684p-1, -0x1.674f089364000p-4, -0x1.a78394c9d3302p-44, 1,
    0x1.1648d50fc3201p-1, -0x1.55e10050e0000p-4, -0x1.c13340c53c72ep-47, 1,
    0x1.151b9a3fdd5c9p-1, -0x1.4485e03dbc000p-4, -0x1.fb04ee8d26ab7p-44, 1,
    0x1.13f0e8d344724p-1, -0x1.333d7f8184000p-4, 0x1.6c6b6a81b8848p-49, 1,
    0x1.12c8b89edc0acp-1, -0x1.2207b5c784000p-4, -0x1.4a16cfc10c7bfp-44, 1,
    0x1.11a3019a74826p-1, -0x1.10e45b3cb0000p-4, 0x1.7d699284a3465p-44, 1,
    0x1.107fbbe011080p-1, -0x1.ffa6911ab8000p-5, -0x1.3088c98381a8fp-45, 1,
    0x1.0f5edfab325a2p-1, -0x1.dda8adc680000p-5, 0x1.1a74c64d9e42fp-45, 1,
    0x1.0e40655826011p-1, -0x1.bbcebfc690000p-5, 0x1.7b8e68c317c2ap-46, 1,
    0x1.0d24456359e3ap-1, -0x1.9a187b5740000p-5, 0x1.0bf7e4ec4d90dp-44, 1,
    0x1.0c0a7868b4171p-1, -0x1.788595a358000p-5, 0x1.06fed083b3a4cp-46, 1,
    0x1.0af2f722eecb5p-1, -0x1.5715c4c040000p-5, 0x1.88f55dfc47628p-44, 1,
    0x1.09ddba6af8360p-1, -0x1.35c8bfaa10000p-5, -0x1.8347d5ef9eb35p-44, 1,
    0x1.08cabb37565e2p-1, -0x1.149e3e4008000p-5, 0x1.2b99a9a4168fdp-44, 1,
    0x1.07b9f29b8eae2p-1, -0x1.e72bf28140000p-6, 0x1.8cb3149774d47p-45, 1,
    0x1.06ab59c7912fbp-1, -0x1.a55f548c60000p-6, 0x1.dec609f2d03c9p-45, 1,
    0x1.059eea0727586p-1, -0x1.63d6178690000p-6, -0x1.77b7389596542p-47, 1,
    0x1.04949cc1664c5p-1, -0x1.228fb1fea0000p-6, -0x1.70513284991fep-45, 1,
    0x1.038c6b78247fcp-1, -0x1.c317384c80000p-7, 0x1.41e53fcefb9fep-44, 1,
    0x1.02864fc7729e9p-1, -0x1.41929f9680000p-7, -0x1.9862755d01368p-46, 1,
    0x1.0182436517a37p-1, -0x1.8121214580000p-8, -0x1.ac06382973f27p-46, 1,
    0x1.0000000000000p-1, 0x0.0p+0, 0x0.0p+0, 1,
]
