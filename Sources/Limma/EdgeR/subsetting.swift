// edgeR's `[.DGEList` for genes: y[keep, , keep.lib.sizes = ...].

extension DGEList {
    /// edgeR's `y[keep, , keep.lib.sizes = keepLibSizes]`: only the genes
    /// (rows) where `keep` is true stay, in their order, with their
    /// annotation. With `keepLibSizes` (R's default) the library sizes stay
    /// as they were; without, they become the column sums of the kept counts
    /// (R's `colSums`, as `filterByExpr`'s usual follow-up
    /// `y[keep, , keep.lib.sizes = FALSE]` recomputes them). The
    /// normalisation factors stay either way.
    ///
    /// The counts are compacted in their own storage when nothing else
    /// shares it (`Matrix.keepRows`), and each column is summed right after
    /// it moved, so the sums take no second pass over the counts.
    /// - Throws: when `keep` does not have one entry per gene.
    public mutating func keepRows(_ keep: [Bool], keepLibSizes: Bool = true) throws {
        guard keep.count == counts.nrow else {
            throw LimmaError("[.DGEList", "keep has \(keep.count) entries for \(counts.nrow) genes")
        }
        let idx = RBase.which(keep)
        genes = genes?.rows(idx)
        let checked = checkedCounts.map { c in idx.map { c[$0] } }   // a subset of checked counts is checked
        defer { checkedCounts = checked }
        if keepLibSizes {
            counts.keepRows(idx)
            return
        }
        var sums = [Double](repeating: 0, count: counts.ncol)
        sums.withUnsafeMutableBufferPointer { sb in
            let out = UncheckedBox(sb)
            counts.keepRows(idx) { j, column in out.value[j] = RBase.columnSum(column) }
        }
        libSize = sums
    }
}
