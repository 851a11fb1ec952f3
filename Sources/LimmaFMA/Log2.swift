// log2 to about 2^-64, four values at a time, in two parts: what proves
// the system libm's log2 bits where it is used (voom's fitted log-counts).

/// `hi[k] + lo[k] = Ŷ`, an approximation of `log2 x[k]` (`hi = RN(Ŷ)`,
/// `lo` the exact rest), when `x[k]` is a positive normal finite double
/// outside `[1 - 2^-8, 1 + 2^-7)` ("covered"): within `2^-64.27` of it
/// (absolute), and within `2^-66.6` when x is in `[0.70703125, 1.4140625)`.
/// NaN in both otherwise. Call only when `FMAKernels.enabled`.
///
/// ## What it is for: the libm's bits
/// The libm is glibc's (2.28 and later; Debian 12 has 2.36), whose `log2`
/// states a worst case of 0.547 ulp (0.550 in its build without FMA; near
/// x = 1, 0.54 and 0.55). Let `Y` be a real number and D a double, not zero
/// and not ±2^e, with `|Y - D| < 0.45 ulp(D)`. Then Y lies in D's binade
/// (D's neighbours are 1 ulp(D) away, a power of two at the farthest),
/// `ulp(Y) = ulp(D)`, and every other double is more than `0.55 ulp(Y)`
/// from Y: a `log2` within 0.550 ulp of Y can only return D. So with
/// `|Ŷ - Y| <= E` and `hi` not ±2^e, `|lo| <= (0.45 ulp(hi) - E)` (strictly)
/// proves `log2(x) == hi`. `voomKernelLogCounts` uses this; the tests check it
/// for `x` itself with `E` from the bounds below (`|lo| <= 0.449 ulp(hi)`
/// outside `[0.70703125, 1.4140625)`, where `ulp(hi) >= 2^-54`, `0.438 ulp`
/// inside, where `|Y| > 2^-7.47` and `ulp(hi) >= 2^-60`).
///
/// ## Reduction
/// For `x = 2^e (1 + f)`, f's top 7 bits `j`: when `j < 53`,
/// `m = 1 + f ∈ [1 + j/128, 1 + (j+1)/128)` and `k = e`; when `j >= 53`
/// (`1 + f >= 1.4140625`), `m = (1 + f)/2` and `k = e + 1`
/// (`m ∈ [0.70703125, 1)`). So `x = 2^k m`, both exact (k as
/// `2^52 + (bits >> 52)` read as a double, less `2^52 + 1023`, plus
/// `[j >= 53]`). The table (`log2Table`, per j: `invc_j`, `Thi_j`,
/// `Tlo_j`): `invc_j = RN(1 / c_j)` with `c_j` the centre of j's interval
/// (`1 + (j + 1/2)/128`, halved when `j >= 53`), and `invc_0 = invc_127 = 1`
/// ("central": `m ∈ [1, 1 + 2^-7)` or `[1 - 2^-8, 1)`);
/// `T_j = -log2(invc_j)`, `Thi_j` = T_j rounded to a multiple of 2^-42 (so
/// `k + Thi_j` is exact: below 2^11 in magnitude), `Tlo_j = RN(T_j - Thi_j)`
/// (`|Tlo| <= 2^-43`), `|Thi + Tlo - T| <= 2^-97`: literals from 80-digit
/// decimal arithmetic (Python's `decimal`:
/// `T = -(Decimal(invc).ln() / Decimal(2).ln())`,
/// `Thi = float((T * 2**42).to_integral_value()) / 2**42`,
/// `Tlo = float(T - Decimal(Thi))`; the same for `ILh`, `ILl` and the
/// coefficients below). Then `m invc = ph + pl` exactly (`ph = RN(m invc)`,
/// `pl` by one FMA), `r = ph - 1` exactly (Sterbenz), `|pl| <= 2^-53`, and
///     `log2 x = k + T_j + L(r + pl)`,  `L(z) = ln(1 + z)/ln 2`.
/// Central j: `pl = 0`, `r ∈ [-2^-8, 2^-7)`. Otherwise `|r + pl|` is at most
/// half the interval over its centre plus `m |invc - 1/c|`
/// (`2^-8/1.0117 + 2^-53.5`, or `2^-9/0.709 + 2^-53`), so `|r| < 2^-8`.
///
/// ## Evaluation
/// `IL = 1/ln 2`, `ILh = RN(IL)`, `ILl = RN(IL - ILh)`
/// (`|ILh + ILl - IL| < 2^-109`); `c_n = (-1)^(n+1) IL/n`, stored rounded.
/// - `aH + aL = ILh r` (FMA: exact); `kh = k + Thi` (exact);
///   `h + hL = kh + aH` (Fast2Sum: `|kh| >= |aH|`, as `|k + Thi| >= 0.5` when
///   `k ≠ 0` and `|Thi| >= 0.0084 > 1.45 · 2^-8` when `k = 0`, not central);
/// - `q` = Horner (FMAs) of `c_8, ..., c_2` at r;
///   `poly = RN(r RN(ILl + r q))`, for `ILl r + Σ_{n=2..8} c_n r^n`;
/// - `corr = RN(t - t r)` (FMA), `t = RN(pl ILh)`, for
///   `pl L'(r) = pl IL/(1 + r)` (0 for central j);
/// - `lo = (((hL + aL) + Tlo) + corr) + poly` (each sum rounded),
///   `yh = RN(h + lo)`, `yl = lo - (yh - h)` (Fast2Sum, `|lo| < 2^-14 < |h|`),
///   so `Ŷ = h + lo = yh + yl` exactly.
///
/// ## The error
/// `log2 x = k + T + IL r + Σ_{n>=2} c_n r^n + pl L'(r) + R`,
/// `|R| <= pl^2 IL / (2 (1 - 2^-8)^2) < 2^-105`. Besides the table's and
/// IL's representation (`< 2^-96`):
/// - `poly`: Horner's q within `1.47 · 2^-53` of its polynomial (6 roundings
///   and the coefficients'; `|q| <= 0.7253`), then two roundings:
///   within `2.93 · 2^-53 r^2 = 2^-51.45 r^2`;
/// - truncation: `IL |r|^9 / (9 (1 - |r|)) <= 2^-65.63` (`|r| < 2^-7`),
///   `2^-74.6` (`|r| < 2^-8`);
/// - `corr`: `|pl| IL r^2 / (1 - |r|)` plus roundings: `< 2^-68.4`;
/// - `lo`'s sums: the first three (terms below 2^-42) `< 2^-92`, the last
///   within `2^-53 |lo|`, `|lo| <= 0.7253 r^2 (1 + 2^-6)`.
/// k ≠ 0 (`|r| < 2^-7`; `|Y| >= 1 - 0.50012 > 2^-1.01`, since
/// `log2 m ∈ [log2 0.70703125, log2 1.4140625)`, so `ulp(yh) >= 2^-54`):
/// `2^-65.45 + 2^-65.63 + 2^-68.4 + 2^-67.45 < 2^-64.27 = 2^-10.27 ulp(yh)`.
/// k = 0, not central (`|r| < 2^-8`; `|Y| >= -log2(1 - 2^-8) > 2^-7.47`, so
/// `ulp(yh) >= 2^-60`): `2^-67.45 + 2^-74.6 + 2^-68.4 + 2^-69.45 < 2^-66.6
/// = 2^-6.6 ulp(yh)`.
/// Nothing overflows or underflows for normal x (`|r|`, `|pl|` are 0 or at
/// least 2^-106, `|Y| <= 1024`).
@inline(never)
public func fmaLog2Parts(_ x: UnsafePointer<Double>, count: Int, hi: UnsafeMutablePointer<Double>,
                         lo: UnsafeMutablePointer<Double>) {
    log2Table.withUnsafeBufferPointer { tb in
        let table = tb.baseAddress!
        // Whole groups of four loaded and stored as vectors; the last
        // `count % 4` values through a group padded with zeros.
        var k = 0
        while k + 4 <= count {
            let v = UnsafeRawPointer(x + k).loadUnaligned(as: SIMD4<Double>.self)
            let (yh, yl, covered) = log2Parts(v, table)
            UnsafeMutableRawPointer(hi + k).storeBytes(of: yh.replacing(with: .nan, where: .!covered), as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(lo + k).storeBytes(of: yl.replacing(with: .nan, where: .!covered), as: SIMD4<Double>.self)
            k += 4
        }
        if k < count {
            let n = count - k
            var v = SIMD4<Double>(repeating: 0)
            for l in 0..<n { v[l] = x[k + l] }
            let (yh, yl, covered) = log2Parts(v, table)
            let h = yh.replacing(with: .nan, where: .!covered), e = yl.replacing(with: .nan, where: .!covered)
            for l in 0..<n {
                hi[k + l] = h[l]
                lo[k + l] = e[l]
            }
        }
    }
}

/// `fmaLog2Parts`' reduction and evaluation, four lanes: `Ŷ = yh + yl` and
/// the lanes its bounds cover (x positive, normal, finite, outside
/// `[1 - 2^-8, 1 + 2^-7)`).
@inline(__always)
private func log2Parts(_ x: SIMD4<Double>, _ table: UnsafePointer<Double>)
    -> (yh: SIMD4<Double>, yl: SIMD4<Double>, covered: SIMDMask<SIMD4<Int64>>) {
    typealias V4 = SIMD4<Double>
    typealias U4 = SIMD4<UInt64>
    let ilH = 0x1.71547652b82fep+0, ilL = 0x1.777d0ffda0d24p-56
    // (Comparisons of doubles only: SIMD4<UInt64>'s are done lane by lane.)
    let bits = unsafeBitCast(x, to: U4.self)
    let covered = (x .>= 0x1p-1022) .& (x .< .infinity) .& ((x .< 1 - 0x1p-8) .| (x .>= 1 + 0x1p-7))
    let j = (bits &>> 45) & 127
    let mf = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: V4.self)   // 1 + f
    let upper = mf .>= 1.4140625                                  // j >= 53
    let m = mf.replacing(with: mf * 0.5, where: upper)
    let kd = (unsafeBitCast(0x4330_0000_0000_0000 | (bits &>> 52), to: V4.self) - (0x1p52 + 1023))
        + V4(repeating: 0).replacing(with: 1, where: upper)       // exact
    let r0 = UnsafeRawPointer(table + 4 * Int(j[0])).loadUnaligned(as: V4.self)
    let r1 = UnsafeRawPointer(table + 4 * Int(j[1])).loadUnaligned(as: V4.self)
    let r2 = UnsafeRawPointer(table + 4 * Int(j[2])).loadUnaligned(as: V4.self)
    let r3 = UnsafeRawPointer(table + 4 * Int(j[3])).loadUnaligned(as: V4.self)
    let invc = V4(r0[0], r1[0], r2[0], r3[0])
    let tHi = V4(r0[1], r1[1], r2[1], r3[1])
    let tLo = V4(r0[2], r1[2], r2[2], r3[2])
    let ph = m * invc
    let pl = (-ph).addingProduct(m, invc)                 // m invc - ph, exact
    let r = ph - 1                                        // exact
    let aH = r * ilH
    let aL = (-aH).addingProduct(r, ilH)                  // exact
    let kh = kd + tHi                                     // exact
    let h = kh + aH
    let hL = aH - (h - kh)                                // Fast2Sum
    var q = V4(repeating: -0x1.71547652b82fep-3)
    q = V4(repeating: 0x1.a61762a7aded9p-3).addingProduct(r, q)
    q = V4(repeating: -0x1.ec709dc3a03fdp-3).addingProduct(r, q)
    q = V4(repeating: 0x1.2776c50ef9bfep-2).addingProduct(r, q)
    q = V4(repeating: -0x1.71547652b82fep-2).addingProduct(r, q)
    q = V4(repeating: 0x1.ec709dc3a03fdp-2).addingProduct(r, q)
    q = V4(repeating: -0x1.71547652b82fep-1).addingProduct(r, q)
    let poly = r * V4(repeating: ilL).addingProduct(r, q)
    let t = pl * ilH
    let corr = t.addingProduct(-t, r)
    let lo = (((hL + aL) + tLo) + corr) + poly
    let yh = h + lo
    let yl = lo - (yh - h)                                // Fast2Sum
    return (yh, yl, covered)
}

/// Per j in 0..<128 (`fmaLog2Parts`' reduction): `invc_j`, `Thi_j`, `Tlo_j`, 0.
private let log2Table: [Double] = [
    0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, 0,
    0x1.fa11caa01fa12p-1, 0x1.1363117a90000p-6, 0x1.ec0a3ae7eef8dp-44, 0,
    0x1.f6310aca0dbb5p-1, 0x1.c9363ba850000p-6, 0x1.f37b86dc20b16p-47, 0,
    0x1.f25f644230ab5p-1, 0x1.3ed3094688000p-5, -0x1.2ec59e20a3645p-44, 0,
    0x1.ee9c7f8458e02p-1, 0x1.985bfc3498000p-5, -0x1.7369f6f10b400p-44, 0,
    0x1.eae807aba01ebp-1, 0x1.f138983328000p-5, -0x1.6314fa37912c4p-44, 0,
    0x1.e741aa59750e4p-1, 0x1.24b5b7e134000p-4, 0x1.a41681fde8c44p-44, 0,
    0x1.e3a9179dc1a73p-1, 0x1.507b836034000p-4, -0x1.1189711531d93p-46, 0,
    0x1.e01e01e01e01ep-1, 0x1.7beee96b8c000p-4, -0x1.d7eaca90a689fp-44, 0,
    0x1.dca01dca01dcap-1, 0x1.a7111df348000p-4, 0x1.25009667e0d9dp-46, 0,
    0x1.d92f2231e7f8ap-1, 0x1.d1e34e35b8000p-4, 0x1.6b4d5164df95fp-47, 0,
    0x1.d5cac807572b2p-1, 0x1.fc66a0f0b0000p-4, 0x1.494ec4f791811p-49, 0,
    0x1.d272ca3fc5b1ap-1, 0x1.134e1b4890000p-3, 0x1.8c2a0a578e24dp-45, 0,
    0x1.cf26e5c44bfc6p-1, 0x1.284294b07a000p-3, 0x1.900ea58888daap-45, 0,
    0x1.cbe6d9601cbe7p-1, 0x1.3d1146d9a8000p-3, 0x1.4c5efccef202fp-44, 0,
    0x1.c8b265afb8a42p-1, 0x1.51bab907a6000p-3, -0x1.bad5e2a9da872p-46, 0,
    0x1.c5894d10d4986p-1, 0x1.663f6fac92000p-3, -0x1.9d62e501bd030p-44, 0,
    0x1.c26b5392ea01cp-1, 0x1.7a9fec7d06000p-3, -0x1.10084bd08319bp-46, 0,
    0x1.bf583ee868d8bp-1, 0x1.8edcae8352000p-3, 0x1.6d66225cf27b5p-44, 0,
    0x1.bc4fd65883e7bp-1, 0x1.a2f632320c000p-3, -0x1.e4ecc8c3be907p-45, 0,
    0x1.b951e2b18ff23p-1, 0x1.b6ecf175fa000p-3, -0x1.4289a7250ee8bp-44, 0,
    0x1.b65e2e3beee05p-1, 0x1.cac163c770000p-3, 0x1.b9306bdcc4b5ep-44, 0,
    0x1.b37484ad806cep-1, 0x1.de73fe3b14000p-3, 0x1.01b543dfd3c03p-44, 0,
    0x1.b094b31d922a4p-1, 0x1.f205339208000p-3, 0x1.e4d4bc06d4602p-44, 0,
    0x1.adbe87f94905ep-1, 0x1.02baba24d0000p-2, 0x1.98f0373cd17cbp-44, 0,
    0x1.aaf1d2f87ebfdp-1, 0x1.0c62975543000p-2, -0x1.5ca10db5e49e0p-44, 0,
    0x1.a82e65130e159p-1, 0x1.15fa676bb1000p-2, -0x1.c07840ed1f4d3p-44, 0,
    0x1.a574107688a4ap-1, 0x1.1f825f6d89000p-2, -0x1.ec89126f233adp-46, 0,
    0x1.a2c2a87c51ca0p-1, 0x1.28fab35b32000p-2, 0x1.a11e00be8a131p-44, 0,
    0x1.a01a01a01a01ap-1, 0x1.32639636b3000p-2, -0x1.f297d5b29971fp-44, 0,
    0x1.9d79f176b682dp-1, 0x1.3bbd3a0a1e000p-2, -0x1.824ed00c46a1cp-45, 0,
    0x1.9ae24ea5510dap-1, 0x1.4507cfedd5000p-2, -0x1.db3bd7e16ecdcp-49, 0,
    0x1.9852f0d8ec0ffp-1, 0x1.4e43880e90000p-2, -0x1.25522d6a89ce3p-44, 0,
    0x1.95cbb0be377aep-1, 0x1.577091b338000p-2, -0x1.cdb749e37910ap-44, 0,
    0x1.934c67f9b2ce6p-1, 0x1.608f1b4295000p-2, -0x1.d498d2a7ec653p-44, 0,
    0x1.90d4f120190d5p-1, 0x1.699f5248cd000p-2, 0x1.2e0c7cafb0fb5p-44, 0,
    0x1.8e6527af1373fp-1, 0x1.72a1637cbc000p-2, 0x1.82ae2cc9e6739p-46, 0,
    0x1.8bfce8062ff3ap-1, 0x1.7b957ac51b000p-2, -0x1.4ee8b5cf94b1dp-44, 0,
    0x1.899c0f601899cp-1, 0x1.847bc33d86000p-2, 0x1.8e0175c76bd1dp-46, 0,
    0x1.87427bcc092b9p-1, 0x1.8d54673b5c000p-2, 0x1.b8b46fedf1685p-45, 0,
    0x1.84f00c2780614p-1, 0x1.961f905274000p-2, 0x1.35352c5fa9271p-47, 0,
    0x1.82a4a0182a4a0p-1, 0x1.9edd6759b2000p-2, 0x1.77f94c0ea39d3p-44, 0,
    0x1.8060180601806p-1, 0x1.a78e146f7c000p-2, -0x1.0ba7b8a87d449p-46, 0,
    0x1.7e225515a4f1dp-1, 0x1.b031befe06000p-2, 0x1.0d3448a03da91p-44, 0,
    0x1.7beb3922e017cp-1, 0x1.b8c88dbf88000p-2, 0x1.9e519ad8dfa81p-44, 0,
    0x1.79baa6bb6398bp-1, 0x1.c152a6c24d000p-2, -0x1.46230a2487c7ep-44, 0,
    0x1.77908119ac60dp-1, 0x1.c9d02f6ca4000p-2, 0x1.ed2817285162bp-44, 0,
    0x1.756cac201756dp-1, 0x1.d2414c80bf000p-2, 0x1.3e0321ee432bfp-45, 0,
    0x1.734f0c541fe8dp-1, 0x1.daa6222065000p-2, -0x1.20e56a89ad6dep-48, 0,
    0x1.713786d9c7c09p-1, 0x1.e2fed3d097000p-2, 0x1.4b55857dd1de9p-45, 0,
    0x1.6f26016f26017p-1, 0x1.eb4b847d16000p-2, -0x1.0c78bb2fea90ep-44, 0,
    0x1.6d1a62681c861p-1, 0x1.f38c567bcc000p-2, 0x1.502f32e65692bp-44, 0,
    0x1.6b1490aa31a3dp-1, 0x1.fbc16b9027000p-2, -0x1.fd7ab11cc1a4fp-44, 0,
    0x1.691473a88d0c0p+0, -0x1.fc151b11b3000p-2, -0x1.9035112f0c6e4p-44, 0,
    0x1.6719f3601671ap+0, -0x1.f3f71cc1b6000p-2, -0x1.4ddb5ed132977p-45, 0,
    0x1.6524f853b4aa3p+0, -0x1.ebe47960e4000p-2, 0x1.fc37cbefc98eap-45, 0,
    0x1.63356b88ac0dep+0, -0x1.e3dd115650000p-2, -0x1.f774b755a49adp-44, 0,
    0x1.614b36831ae94p+0, -0x1.dbe0c58c3d000p-2, 0x1.9e997a040d270p-51, 0,
    0x1.5f66434292dfcp+0, -0x1.d3ef776d44000p-2, 0x1.72041263716fcp-51, 0,
    0x1.5d867c3ece2a5p+0, -0x1.cc0908e19b000p-2, -0x1.ef0fc3ea8a2f3p-44, 0,
    0x1.5babcc647fa91p+0, -0x1.c42d5c4c69000p-2, 0x1.d3621447c39d6p-44, 0,
    0x1.59d61f123ccaap+0, -0x1.bc5c548925000p-2, -0x1.32ac30fef63b3p-44, 0,
    0x1.5805601580560p+0, -0x1.b495d4e918000p-2, -0x1.7dbda7721a483p-44, 0,
    0x1.56397ba7c52e2p+0, -0x1.acd9c130dd000p-2, -0x1.4fecaa06004d0p-44, 0,
    0x1.54725e6bb82fep+0, -0x1.a527fd95fe000p-2, 0x1.c033c5fb8ab0ep-44, 0,
    0x1.52aff56a8054bp+0, -0x1.9d806ebc99000p-2, -0x1.0e51fec694568p-45, 0,
    0x1.50f22e111c4c5p+0, -0x1.95e2f9b51f000p-2, -0x1.313528e9e16bbp-48, 0,
    0x1.4f38f62dd4c9bp+0, -0x1.8e4f83fa14000p-2, -0x1.7bf447bccc154p-44, 0,
    0x1.4d843bedc2c4cp+0, -0x1.86c5f36dea000p-2, -0x1.eed558a9cd02dp-45, 0,
    0x1.4bd3edda68fe1p+0, -0x1.7f462e58e1000p-2, -0x1.a2290e00170d2p-44, 0,
    0x1.4a27fad76014ap+0, -0x1.77d01b66fc000p-2, 0x1.6507242272a32p-45, 0,
    0x1.4880522014880p+0, -0x1.7063a1a5fb000p-2, -0x1.3c320919f6e22p-44, 0,
    0x1.46dce34596066p+0, -0x1.6900a8836d000p-2, -0x1.a8bfe9e08f808p-47, 0,
    0x1.453d9e2c776cap+0, -0x1.61a717cac2000p-2, 0x1.9f3d1993fc134p-44, 0,
    0x1.43a2730abee4dp+0, -0x1.5a56d7a371000p-2, 0x1.0992c31d3db48p-45, 0,
    0x1.420b5265e5951p+0, -0x1.530fd08f2a000p-2, 0x1.666a9ba8c119ap-48, 0,
    0x1.40782d10e6566p+0, -0x1.4bd1eb680e000p-2, -0x1.51e2e6183723ep-44, 0,
    0x1.3ee8f42a5af07p+0, -0x1.449d115ef8000p-2, 0x1.3bf1c12779b51p-45, 0,
    0x1.3d5d991aa75c6p+0, -0x1.3d712bf9ca000p-2, 0x1.07fb1c9997331p-45, 0,
    0x1.3bd60d9232955p+0, -0x1.364e2511cd000p-2, 0x1.f739cefb96710p-44, 0,
    0x1.3a524387ac822p+0, -0x1.2f33e6d212000p-2, -0x1.df92089b6dd63p-47, 0,
    0x1.38d22d366088ep+0, -0x1.28225bb5e6000p-2, -0x1.2946b128aefebp-44, 0,
    0x1.3755bd1c945eep+0, -0x1.21196e8747000p-2, -0x1.e8ec9fb631d1dp-45, 0,
    0x1.35dce5f9f2af8p+0, -0x1.1a190a5d67000p-2, -0x1.27f1cc37d7c43p-44, 0,
    0x1.34679ace01346p+0, -0x1.13211a9b38000p-2, -0x1.088758521db7ap-44, 0,
    0x1.32f5ced6a1dfap+0, -0x1.0c318aedff000p-2, -0x1.e03850c33811dp-45, 0,
    0x1.3187758e9ebb6p+0, -0x1.054a474bf1000p-2, 0x1.488649c93e7f8p-46, 0,
    0x1.301c82ac40260p+0, -0x1.fcd677e5ac000p-3, -0x1.03563758aa866p-44, 0,
    0x1.2eb4ea1fed14bp+0, -0x1.ef28aacd72000p-3, -0x1.1825a0a9b3b3bp-46, 0,
    0x1.2d50a012d50a0p+0, -0x1.e18b00e132000p-3, 0x1.b876474bb5a71p-44, 0,
    0x1.2bef98e5a3711p+0, -0x1.d3fd543a4a000p-3, -0x1.ab92e50c4b6c3p-44, 0,
    0x1.2a91c92f3c105p+0, -0x1.c67f7f770a000p-3, -0x1.9edad4496eb39p-45, 0,
    0x1.293725bb804a5p+0, -0x1.b9115db83a000p-3, -0x1.ef469cd65894cp-46, 0,
    0x1.27dfa38a1ce4dp+0, -0x1.abb2ca9ec8000p-3, 0x1.723ede9377dc6p-44, 0,
    0x1.268b37cd60127p+0, -0x1.9e63a24972000p-3, 0x1.6b037b598b0e9p-48, 0,
    0x1.2539d7e9177b2p+0, -0x1.9123c1528c000p-3, -0x1.b333b0e41b705p-45, 0,
    0x1.23eb79717605bp+0, -0x1.83f304cdc6000p-3, 0x1.56e383238f2abp-45, 0,
    0x1.22a0122a0122ap+0, -0x1.76d14a4602000p-3, 0x1.bb56e4587f881p-44, 0,
    0x1.21579804855e6p+0, -0x1.69be6fbb3a000p-3, -0x1.4deb9b6c5de8fp-44, 0,
    0x1.2012012012012p+0, -0x1.5cba53a076000p-3, -0x1.7694c91967ab0p-46, 0,
    0x1.1ecf43c7fb84cp+0, -0x1.4fc4d4d9bc000p-3, 0x1.9dd0b679ddfc7p-44, 0,
    0x1.1d8f5672e4abdp+0, -0x1.42ddd2ba1c000p-3, 0x1.6a34de7dc280cp-44, 0,
    0x1.1c522fc1ce059p+0, -0x1.36052d01c4000p-3, 0x1.13c695dca4228p-46, 0,
    0x1.1b17c67f2bae3p+0, -0x1.293ac3dc1a000p-3, -0x1.9ae4e4e6cb726p-45, 0,
    0x1.19e0119e0119ep+0, -0x1.1c7e77dde4000p-3, 0x1.84900e72092b4p-44, 0,
    0x1.18ab083902bdbp+0, -0x1.0fd02a0372000p-3, -0x1.fb284658e8807p-45, 0,
    0x1.1778a191bd684p+0, -0x1.032fbbaee6000p-3, -0x1.ac81d319f8fe5p-44, 0,
    0x1.1648d50fc3201p+0, -0x1.ed3a1d4cdc000p-4, 0x1.4735222ba237cp-48, 0,
    0x1.151b9a3fdd5c9p+0, -0x1.d4300a2524000p-4, -0x1.a8bac76a4c10ep-45, 0,
    0x1.13f0e8d344724p+0, -0x1.bb4102f924000p-4, -0x1.3916e3bacd04bp-44, 0,
    0x1.12c8b89edc0acp+0, -0x1.a26ccd9980000p-4, -0x1.85820bb725debp-44, 0,
    0x1.11a3019a74826p+0, -0x1.89b33091d8000p-4, 0x1.02249a4cdf070p-44, 0,
    0x1.107fbbe011080p+0, -0x1.7113f325a0000p-4, 0x1.f8083e73e6927p-44, 0,
    0x1.0f5edfab325a2p+0, -0x1.588edd4d1c000p-4, -0x1.d63ca112e4525p-45, 0,
    0x1.0e40655826011p+0, -0x1.4023b7b26c000p-4, 0x1.35fd8cd5c12cep-44, 0,
    0x1.0d24456359e3ap+0, -0x1.27d24bae84000p-4, 0x1.b215d6c600646p-44, 0,
    0x1.0c0a7868b4171p+0, -0x1.0f9a634664000p-4, 0x1.465ae94b1a0eep-46, 0,
    0x1.0af2f722eecb5p+0, -0x1.eef7925088000p-5, -0x1.b44e816d6ccddp-44, 0,
    0x1.09ddba6af8360p+0, -0x1.beec9151a8000p-5, -0x1.615b783ac1135p-44, 0,
    0x1.08cabb37565e2p+0, -0x1.8f135b8108000p-5, 0x1.bba43a82e5bf1p-47, 0,
    0x1.07b9f29b8eae2p+0, -0x1.5f6b8a11c0000p-5, -0x1.e394d415ed0edp-44, 0,
    0x1.06ab59c7912fbp+0, -0x1.2ff4b77410000p-5, -0x1.edcab11a30a2bp-44, 0,
    0x1.059eea0727586p+0, -0x1.00ae7f5030000p-5, 0x1.f26f189aafaaap-44, 0,
    0x1.04949cc1664c5p+0, -0x1.a330fd0290000p-6, 0x1.1982b58191809p-47, 0,
    0x1.038c6b78247fcp+0, -0x1.4564a62190000p-6, -0x1.41cb575dbe016p-45, 0,
    0x1.02864fc7729e9p+0, -0x1.cfee70c5c0000p-7, -0x1.cc0bcb9c9ee2ep-44, 0,
    0x1.0182436517a37p+0, -0x1.15cfe8eae0000p-7, -0x1.8fe922f3df289p-44, 0,
    0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, 0,
]
