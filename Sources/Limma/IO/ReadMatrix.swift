// Reading a features x samples numeric matrix and a targets table.
import Foundation

/// Parses one numeric cell as R's `read.csv` would: `NA`, `NaN`, empty are
/// missing (returned as NaN, with `isNA` telling NA from NaN); `Inf`/`-Inf`
/// infinite; anything else must be a complete decimal number. Returns nil for
/// text that is not a number.
public func parseNumericCell(_ s: Substring, parsing: NumberParsing = .asR) -> (value: Double, isNA: Bool)? {
    var bytes = Array(s.utf8)
    bytes.append(0)
    return bytes.withUnsafeBufferPointer { b in
        var isNA = false
        guard let v = FastMatrixParser.number(b, 0, b.count - 1, parsing: parsing, isNA: &isNA) else { return nil }
        return (v, isNA)
    }
}

/// A numeric matrix read from a file, with its leading annotation columns.
public struct MatrixFile: Sendable {
    public var matrix: Matrix
    public var annotation: Annotation?
    /// Where a cell was `NA` (as opposed to `NaN`), column-major like `matrix`;
    /// nil when no cell is NA.
    public var naMask: [Bool]?
}

public enum MatrixReader {
    /// Reads a features x samples matrix: first column the feature id, then
    /// `annotation` leading text columns, then one numeric column per sample.
    public static func read(_ path: String, annotation: [String] = [], parsing: NumberParsing = .asR) throws -> MatrixFile {
        try DelimitedText.withBytes(path) { try parse($0, path: path, annotation: annotation, parsing: parsing) }
    }

    /// Parses a matrix from file bytes (the array is left as it was).
    public static func parse(_ bytes: inout [UInt8], path: String, annotation: [String] = [], parsing: NumberParsing = .asR) throws -> MatrixFile {
        try bytes.withUnsafeBufferPointer { try parse($0, path: path, annotation: annotation, parsing: parsing) }
    }

    /// Parses a matrix from file bytes. Rows are split over `LimmaThreads`;
    /// each row has its own slot, so the result is the same whatever the
    /// number of threads. The values are written straight into the matrix's
    /// storage; NA cells are collected as a list and become the mask only
    /// when there are any.
    /// `scan`, when given, must be `ByteScan.scan(b)` (a caller that has
    /// already scanned the bytes saves the pass).
    public static func parse(_ b: UnsafeBufferPointer<UInt8>, path: String, annotation: [String] = [], parsing: NumberParsing = .asR,
                             scan: ByteScan? = nil) throws -> MatrixFile {
        if b.isEmpty { throw InputError(path, "empty file: expected a header row") }
        let bytes = scan ?? ByteScan.scan(b)
        let hasQuote = bytes.hasQuote, hasCR = bytes.hasCR, hasNUL = bytes.hasNUL
        let lines = FastMatrixParser.lineRanges(b, from: 0, hasQuote: hasQuote, hasCR: hasCR)
        guard let headerLine = lines.first else { throw InputError(path, "empty file: expected a header row") }
        if hasNUL && b[headerLine.0..<headerLine.1].contains(0) { throw InputError(path, "line 1: binary data (NUL byte); expected CSV or TSV text") }
        let headerTable = try DelimitedText.parse(Array(b[headerLine.0..<headerLine.1]), path: path)
        let header = headerTable.header
        guard header.count >= 2 + annotation.count else {
            throw InputError(path, "header has \(header.count) column(s); expected a feature id column, \(annotation.isEmpty ? "" : "\(annotation.count) annotation column(s), ")and at least one sample column (is the delimiter a comma or a tab?)")
        }
        for (k, a) in annotation.enumerated() where header[1 + k] != a {
            throw InputError(path, "annotation column \(k + 1) is '\(header[1 + k])', expected '\(a)' (annotation columns must lead, in the order given); columns are: \(header.joined(separator: ", "))")
        }
        let dataLines = Array(lines.dropFirst())
        let n = dataLines.count
        let first = 1 + annotation.count
        let p = header.count - first
        let layout = FastMatrixParser.Layout(path: path, delimiter: headerTable.delimiter, header: header, annotationCount: annotation.count,
                                             parsing: parsing, hasNUL: hasNUL, hasQuote: hasQuote)
        let samples = Array(header[first...])
        if n == 0 {
            return MatrixFile(matrix: Matrix(nrow: 0, ncol: p, values: [], rowNames: [], colNames: samples),
                              annotation: annotation.isEmpty ? nil : Annotation(names: annotation, columns: annotation.map { _ in [] }), naMask: nil)
        }
        var ids = [String](repeating: "", count: n)
        // annotation cells, column-major: column k of row r at k * n + r
        var annFlat = [String](repeating: "", count: n * annotation.count)
        var sink: FastMatrixParser.Sink?
        // Every cell is written by exactly one row's parse (or an error is thrown).
        let values = [Double](unsafeUninitializedCapacity: n * p) { vp, count in
            ids.withUnsafeMutableBufferPointer { ip in
                annFlat.withUnsafeMutableBufferPointer { ap in
                    let s = FastMatrixParser.Sink(values: vp.baseAddress!, ids: ip.baseAddress!,
                                                  ann: (0..<annotation.count).map { ap.baseAddress! + $0 * n }, nrow: n)
                    LimmaThreads.forEachChunk(n, minChunk: 256) { range in
                        FastMatrixParser.parseRows(b, lines: dataLines, range: range, layout: layout, sink: s)
                    }
                    sink = s
                }
            }
            count = n * p
        }
        if let e = sink?.firstError {
            throw InputError(path, "row \(e.row + 2): \(e.message)")
        }
        var naMask: [Bool]? = nil
        let na = sink?.naCells ?? []
        if !na.isEmpty {
            var mask = [Bool](repeating: false, count: n * p)
            for k in na { mask[k] = true }
            naMask = mask
        }
        let m = Matrix(nrow: n, ncol: p, values: values, rowNames: ids, colNames: samples)
        return MatrixFile(matrix: m, annotation: annotation.isEmpty ? nil : Annotation(names: annotation, columns: (0..<annotation.count).map { Array(annFlat[($0 * n)..<(($0 + 1) * n)]) }),
                          naMask: naMask)
    }

    public static func fromTable(_ table: DelimitedTable, annotation: [String] = [], parsing: NumberParsing = .asR) throws -> MatrixFile {
        let path = table.path
        let header = table.header
        guard header.count >= 2 + annotation.count else {
            throw InputError(path, "header has \(header.count) column(s); expected a feature id column, \(annotation.isEmpty ? "" : "\(annotation.count) annotation column(s), ")and at least one sample column")
        }
        for (k, a) in annotation.enumerated() where header[1 + k] != a {
            throw InputError(path, "annotation column \(k + 1) is '\(header[1 + k])', expected '\(a)' (annotation columns must lead, in the order given); columns are: \(header.joined(separator: ", "))")
        }
        let first = 1 + annotation.count
        let samples = Array(header[first...])
        let n = table.rows.count
        let p = samples.count
        var values = [Double](repeating: 0, count: n * p)
        var na = [Bool](repeating: false, count: n * p)
        var anyNA = false
        var ids = [String]()
        ids.reserveCapacity(n)
        var ann = [[String]](repeating: [], count: annotation.count)
        for (i, row) in table.rows.enumerated() {
            guard row.count == header.count else {
                throw InputError(path, "row \(i + 2) has \(row.count) field(s), the header has \(header.count)")
            }
            ids.append(row[0])
            for k in 0..<annotation.count { ann[k].append(row[1 + k]) }
            for j in 0..<p {
                let cell = row[first + j]
                guard let (v, isNA) = parseNumericCell(Substring(cell), parsing: parsing) else {
                    throw InputError(path, "row \(i + 2) (\(row[0])), column '\(samples[j])': '\(cell.prefix(40))' is not a number")
                }
                values[j * n + i] = v
                if isNA { na[j * n + i] = true; anyNA = true }
            }
        }
        let m = Matrix(nrow: n, ncol: p, values: values, rowNames: ids, colNames: samples)
        return MatrixFile(matrix: m, annotation: annotation.isEmpty ? nil : Annotation(names: annotation, columns: ann), naMask: anyNA ? na : nil)
    }
}

/// A targets table: one row per sample, first column the sample name, every
/// value kept as text (so `01005` stays `01005`); numeric use is decided by the
/// formula machinery as R's `read.csv` would (a column whose every value parses
/// as a number is numeric).
public struct Targets: Sendable, Equatable {
    public var sampleNames: [String]
    public var columnNames: [String]
    public var columns: [[String]]

    public init(sampleNames: [String], columnNames: [String], columns: [[String]]) {
        self.sampleNames = sampleNames
        self.columnNames = columnNames
        self.columns = columns
    }

    public static func read(_ path: String) throws -> Targets {
        let t = try DelimitedText.read(path)
        guard t.header.count >= 1 else { throw InputError(path, "targets: no columns") }
        var names = [String]()
        var cols = [[String]](repeating: [], count: t.header.count - 1)
        for (i, row) in t.rows.enumerated() {
            guard row.count == t.header.count else {
                throw InputError(path, "row \(i + 2) has \(row.count) field(s), the header has \(t.header.count)")
            }
            names.append(row[0])
            for k in 1..<row.count { cols[k - 1].append(row[k]) }
        }
        return Targets(sampleNames: names, columnNames: Array(t.header.dropFirst()), columns: cols)
    }

    public func column(_ name: String) -> [String]? {
        columnNames.firstIndex(of: name).map { columns[$0] }
    }

    /// The targets reordered to match `samples` (the matrix column names).
    /// Throws naming every sample missing from the targets.
    public func matched(to samples: [String], path: String = "targets") throws -> Targets {
        var index = [String: Int]()
        for (i, s) in sampleNames.enumerated() { index[s] = i }
        let missing = samples.filter { index[$0] == nil }
        if !missing.isEmpty {
            throw InputError(path, "sample(s) missing from targets: \(missing.joined(separator: ", ")) (targets has: \(sampleNames.joined(separator: ", ")))")
        }
        let idx = samples.map { index[$0]! }
        return Targets(sampleNames: samples, columnNames: columnNames, columns: columns.map { c in idx.map { c[$0] } })
    }
}
