// limma's is.fullrank, which decides whether eBayes computes the F-statistic
// (that statistic itself is classifyTestsFStat in Output/decidetests.swift).

/// limma's `is.fullrank(x)`: the eigenvalues of `crossprod(x)` (R's
/// `eigen(symmetric = TRUE)`) have a positive largest value and
/// |smallest / largest| > 1e-13.
func isFullRank(_ x: Matrix) -> Bool {
    guard x.ncol > 0, let e = try? symmetricEigen(RLinAlg.crossprod(x), caller: "is.fullrank").values,
          let first = e.first, let last = e.last else { return false }
    return first > 0 && Swift.abs(last / first) > 1e-13
}
