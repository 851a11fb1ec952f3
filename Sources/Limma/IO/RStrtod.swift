// Decimal text to double exactly as R's read.csv/scan converts it.

/// How numeric text in an input file becomes a double.
public enum NumberParsing: Sendable {
    /// As R's `read.csv` (scan's `R_strtod`): digits accumulated in long
    /// double, then scaled by a power of ten built by repeated squaring, then
    /// rounded to double. Not always correctly rounded (double rounding through
    /// the 64-bit mantissa), so about one cell in a thousand of 16-17 digit
    /// data differs by one ulp from `strtod`; reading inputs this way gives the
    /// engine the very doubles R computes with.
    case asR
    /// Correctly rounded (C `strtod`): what reads back a `%.17g` number exactly,
    /// as R's outputs for the harness are written.
    case correctlyRounded
}

enum RStrtod {
    /// R 4.2's decimal conversion for the digits-and-exponent part of a cell
    /// (the caller has handled NA/NaN/Inf and checked the characters). Returns
    /// nil unless the whole range is one number.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var p = start
        var sign: Double = 1
        if p < end && (b[p] == 0x2D || b[p] == 0x2B) {
            if b[p] == 0x2D { sign = -1 }
            p += 1
        }
        var ans: RLongDouble = 0
        var ndigits = 0
        var expn = 0
        while p < end, b[p] >= 0x30, b[p] <= 0x39 {
            ans = 10 * ans + RLongDouble(b[p] - 0x30)
            p += 1; ndigits += 1
        }
        if p < end && b[p] == 0x2E {
            p += 1
            while p < end, b[p] >= 0x30, b[p] <= 0x39 {
                ans = 10 * ans + RLongDouble(b[p] - 0x30)
                p += 1; ndigits += 1; expn -= 1
            }
        }
        if ndigits == 0 { return nil }
        if p < end && (b[p] == 0x65 || b[p] == 0x45) {
            p += 1
            var expsign = 1
            if p < end && b[p] == 0x2D { expsign = -1; p += 1 } else if p < end && b[p] == 0x2B { p += 1 }
            var n = 0
            var any = false
            while p < end, b[p] >= 0x30, b[p] <= 0x39 {
                n = n < 9999 ? n * 10 + Int(b[p] - 0x30) : n
                p += 1; any = true
            }
            if !any { return nil }
            expn += expsign * n
        }
        if p != end { return nil }
        if expn + ndigits < -300 {
            for _ in 0..<ndigits { ans /= 10 }
            expn += ndigits
        }
        var p10: RLongDouble = 10
        var fac: RLongDouble = 1
        if expn < -307 {
            var n = -expn
            while n != 0 { if n & 1 != 0 { fac /= p10 }; n >>= 1; p10 *= p10 }
            ans *= fac
        } else if expn < 0 {
            var n = -expn
            while n != 0 { if n & 1 != 0 { fac *= p10 }; n >>= 1; p10 *= p10 }
            ans /= fac
        } else if ans != 0 {
            var n = expn
            while n != 0 { if n & 1 != 0 { fac *= p10 }; n >>= 1; p10 *= p10 }
            ans *= fac
        }
        if ans > RLongDouble(Double.greatestFiniteMagnitude) { return sign > 0 ? .infinity : -.infinity }
        return sign * Double(ans)
    }
}
