// Each side's outputs as CSV, so anyone can diff them:
// <dir>/<side>/<step>.<statistic>.csv, and a topTable (topTable, topTreat,
// topTableF) as one <dir>/<side>/<step>.csv with R's column names, the
// feature id first (an unnamed column, as R's write.csv writes row names),
// then the annotation columns, then the statistics, in the table's row order.
// Numbers are written losslessly (%.17g); R's NA, NaN, Inf, -Inf keep their spellings.
import Foundation
import Limma

public enum OutputsCSV {
    /// The steps written as one table.
    public static let tableSteps: Set<String> = ["topTable", "topTreat", "topTableF", "camera", "fry", "mroast"]

    /// R's column order in a topTable; other columns follow in the order given.
    static let topTableOrder = ["logFC", "CI.L", "CI.R", "AveExpr", "t", "F", "P.Value", "adj.P.Val", "B"]

    /// The files one side's outputs become: file name -> CSV text, in pipeline order.
    public static func files(_ side: SideOutputs) -> [(name: String, text: String)] {
        var out: [(String, String)] = []
        var doneSteps = Set<String>()
        for t in side.tables {
            if tableSteps.contains(stepFunction(t.step)) {
                if doneSteps.insert(t.step).inserted {
                    out.append(("\(fileSafe(t.step)).csv", topTableCSV(side, step: t.step)))
                }
                continue
            }
            if t.kind == .order {
                out.append(("\(fileSafe(t.key)).csv", orderCSV(t)))
            } else {
                out.append(("\(fileSafe(t.key)).csv", matrixCSV(t)))
            }
        }
        return out
    }

    /// Writes the files of `files(side)` into `directory/<side.side>/`,
    /// replacing what was there, byte for byte the same text. A statistic's
    /// rows are formatted in blocks, the blocks of a round on separate
    /// threads, and written in order as they are done, so a G x n matrix is
    /// never held as text (memory stays at a few blocks).
    @discardableResult
    public static func write(_ side: SideOutputs, to directory: URL) throws -> URL {
        let dir = directory.appendingPathComponent(side.side)
        let fm = FileManager.default
        if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        var doneSteps = Set<String>()
        for t in side.tables {
            if tableSteps.contains(stepFunction(t.step)) {
                if doneSteps.insert(t.step).inserted {
                    try writeFile(dir.appendingPathComponent("\(fileSafe(t.step)).csv")) { emit in streamTopTableCSV(side, step: t.step, emit) }
                }
                continue
            }
            let url = dir.appendingPathComponent("\(fileSafe(t.key)).csv")
            if t.kind == .order {
                try writeFile(url) { $0(Array(orderCSV(t).utf8)) }
            } else {
                try writeFile(url) { emit in streamMatrixCSV(t, emit) }
            }
        }
        return dir
    }

    /// Writes a file through a temporary name and a rename (a reader never
    /// sees half a file): `body` hands its bytes, in order, to `emit`.
    static func writeFile(_ url: URL, _ body: (_ emit: ([UInt8]) -> Void) throws -> Void) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard let f = fopen(tmp.path, "wb") else { throw InputError(tmp.path, "cannot write: \(String(cString: strerror(errno)))") }
        var failed: Int32 = 0
        try body { bytes in
            if failed == 0, !bytes.isEmpty, bytes.withUnsafeBufferPointer({ fwrite($0.baseAddress, 1, $0.count, f) }) != bytes.count { failed = errno }
        }
        if fclose(f) != 0 && failed == 0 { failed = errno }
        if failed != 0 {
            unlink(tmp.path)
            throw InputError(url.path, "cannot write: \(String(cString: strerror(failed)))")
        }
        guard rename(tmp.path, url.path) == 0 else {
            let e = errno
            unlink(tmp.path)
            throw InputError(url.path, "cannot write: \(String(cString: strerror(e)))")
        }
    }

    /// `matrixCSV(t)` handed out in blocks of rows: each round formats one
    /// block per thread (`LimmaThreads`), then emits them in row order.
    static func streamMatrixCSV(_ t: StatisticTable, _ emit: ([UInt8]) -> Void) {
        let shape = TableShape(t)
        var head = CSVBytes()
        matrixHeader(t, shape, into: &head)
        emit(head.bytes)
        guard shape.valid else { return }
        let nr = shape.rows.count, nc = shape.columns.count
        // About 2 MB of text per block.
        let blockRows = Swift.max(64, (2 << 20) / Swift.max(1, nc * 22))
        let blocks = (nr + blockRows - 1) / blockRows
        let threads = Swift.max(1, LimmaThreads.count)
        var b0 = 0
        while b0 < blocks {
            let round = Swift.min(threads, blocks - b0)
            var parts = [[UInt8]](repeating: [], count: round)
            parts.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                let first = b0
                // Each block goes to its own slot.
                let format: @Sendable (Int) -> Void = { k in
                    let lo = (first + k) * blockRows, hi = Swift.min(nr, lo + blockRows)
                    var out = CSVBytes()
                    out.bytes.reserveCapacity((hi - lo) * (nc * 22 + 16))
                    matrixRows(t, shape, lo..<hi, into: &out)
                    slots[k] = out.bytes
                }
                if round == 1 { format(0) } else { DispatchQueue.concurrentPerform(iterations: round, execute: format) }
            }
            for p in parts { emit(p) }
            b0 += round
        }
    }

    /// A step label as a file name: path separators are replaced.
    static func fileSafe(_ s: String) -> String {
        String(s.map { $0 == "/" || $0 == "\\" || $0 == "\0" ? "_" : $0 })
    }

    /// One statistic: the row id first (unnamed column), then its columns.
    /// A vector's single column is headed by the statistic's name.
    public static func matrixCSV(_ t: StatisticTable) -> String {
        var out = CSVBytes()
        let shape = TableShape(t)
        matrixHeader(t, shape, into: &out)
        if shape.valid { matrixRows(t, shape, 0..<shape.rows.count, into: &out) }
        return out.string
    }

    /// The header line of `matrixCSV`.
    static func matrixHeader(_ t: StatisticTable, _ shape: TableShape, into out: inout CSVBytes) {
        out.text("\"\",")
        guard shape.valid else { out.field(t.name); out.newline(); return }
        let cols = shape.columns.count == 1 && isAnonymousColumn(shape.columns[0]) ? [t.name] : shape.columns
        for (j, c) in cols.enumerated() { if j > 0 { out.comma() }; out.field(c) }
        out.newline()
    }

    /// The lines of rows `rows` of `matrixCSV`.
    static func matrixRows(_ t: StatisticTable, _ shape: TableShape, _ rows: Range<Int>, into out: inout CSVBytes) {
        let nr = shape.rows.count, nc = shape.columns.count
        t.values.withUnsafeBufferPointer { values in
            let na = t.isNA
            for i in rows {
                out.field(shape.rows[i])
                for j in 0..<nc {
                    let k = j * nr + i
                    out.comma()
                    out.number(values[k], isNA: na?[k] ?? false)
                }
                out.newline()
            }
        }
    }

    /// A row order: the position (1-based) and the id there.
    static func orderCSV(_ t: StatisticTable) -> String {
        var out = CSVBytes()
        out.text("\"rank\",")
        out.field(t.name)
        out.newline()
        for (i, id) in t.rowIDs.enumerated() { out.text(String(i + 1)); out.comma(); out.field(id); out.newline() }
        return out.string
    }

    /// A topTable step as one table, rows in the order of its `.order`
    /// statistic when it has one, else of its first table.
    public static func topTableCSV(_ side: SideOutputs, step: String) -> String {
        var all = CSVBytes()
        streamTopTableCSV(side, step: step) { all.bytes.append(contentsOf: $0) }
        return all.string
    }

    /// `topTableCSV`'s bytes handed to `emit` in pieces of about 1 MB, so
    /// writing a large table never holds its whole text.
    static func streamTopTableCSV(_ side: SideOutputs, step: String, _ emit: ([UInt8]) -> Void) {
        let tables = side.tables.filter { $0.step == step }
        let rows = (tables.first { $0.kind == .order } ?? tables.first)?.rowIDs ?? []
        // The columns: a header, and what to write at row i.
        var columns: [(header: String, write: (Int, inout CSVBytes) -> Void)] = []
        let prefix = step + "."
        for key in side.text.keys.filter({ $0.hasPrefix(prefix) }).sorted() {
            let values = side.text[key] ?? []
            columns.append((String(key.dropFirst(prefix.count)), { i, out in if i < values.count { out.field(values[i]) } else { out.text("NA") } }))
        }
        let numeric = tables.filter { $0.kind != .order }.enumerated().sorted { a, b in
            let ia = topTableOrder.firstIndex(of: a.element.name) ?? topTableOrder.count
            let ib = topTableOrder.firstIndex(of: b.element.name) ?? topTableOrder.count
            return ia != ib ? ia < ib : a.offset < b.offset
        }.map(\.element)
        for t in numeric {
            let shape = TableShape(t)
            guard shape.valid else { continue }
            // Row i's index in the table, -1 for none (4 bytes a row: one of
            // these lives per column group until the file is written).
            var at = [Int32](repeating: -1, count: rows.count)
            if shape.rows == rows {
                // The same names in the same order: occurrence matching pairs row i with row i.
                for i in rows.indices { at[i] = Int32(i) }
            } else {
                for (i, j) in alignNames(rows, shape.rows).pairs { at[i] = Int32(j) }
            }
            let nr = shape.rows.count
            let values = t.values, na = t.isNA
            for (c, colName) in shape.columns.enumerated() {
                let header = shape.columns.count == 1 && (isAnonymousColumn(colName) || colName == t.name) ? t.name : colName
                columns.append((header, { i, out in
                    let j = Int(at[i])
                    guard j >= 0 else { out.text("NA"); return }
                    let k = c * nr + j
                    out.number(values[k], isNA: na?[k] ?? false)
                }))
            }
        }
        var out = CSVBytes()
        out.text("\"\"")
        for c in columns { out.comma(); out.field(c.header) }
        out.newline()
        for i in rows.indices {
            out.field(rows[i])
            for c in columns { out.comma(); c.write(i, &out) }
            out.newline()
            if out.bytes.count >= 1 << 20 {
                emit(out.bytes)
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        emit(out.bytes)
    }
}

/// A CSV file being built, as bytes.
struct CSVBytes {
    var bytes: [UInt8] = []

    mutating func text(_ s: String) { bytes.append(contentsOf: s.utf8) }
    mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    mutating func newline() { bytes.append(UInt8(ascii: "\n")) }

    /// A text field, quoted as R's write.csv quotes strings (always), with `""` for a quote.
    mutating func field(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            if b == UInt8(ascii: "\"") { bytes.append(b) }
            bytes.append(b)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func number(_ x: Double, isNA: Bool) { appendLossless(x, isNA: isNA, to: &bytes) }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Appends `x` as `%.17g` (R's spellings NA, NaN, Inf, -Inf for the rest),
/// byte for byte what C's printf writes (`Lossless`).
func appendLossless(_ x: Double, isNA: Bool, to bytes: inout [UInt8]) {
    if isNA { bytes.append(contentsOf: "NA".utf8); return }
    if x.isNaN { bytes.append(contentsOf: "NaN".utf8); return }
    if x.isInfinite { bytes.append(contentsOf: (x > 0 ? "Inf" : "-Inf").utf8); return }
    Lossless.append(x, to: &bytes)
}
