// A case's inputs read and checked before anything runs: the matrix, the
// targets matched to its columns, weights, design and contrast files, and the
// case's names checked against the data (formula names are targets columns,
// step arguments name real columns, levels are the column's values). Every
// problem is a CaseError (exit status 2) naming the case file and key.
import Foundation
import Limma

public struct CaseData: Sendable {
    /// Counts or expression, features x samples, row names the feature ids.
    public var matrix: Matrix
    /// Where a cell was R's NA (as opposed to NaN), column-major; nil when none.
    public var naMask: [Bool]?
    public var annotation: Annotation?
    /// Targets matched to the matrix columns, or nil.
    public var targets: Targets?
    public var weights: Matrix?
    /// An explicit design or contrast matrix from a file.
    public var designMatrix: Matrix?
    public var contrastMatrix: Matrix?
    /// The design the case names, built by the engine's modelMatrix from a
    /// formula (or the design file), checked before R starts.
    public var design: Matrix?
    public var isCounts: Bool
    /// Gene sets from `inputs.gene_sets`, in order of first appearance, each
    /// with its feature ids (every id is a row of the matrix).
    public var geneSets: [GeneSet] = []

    public struct GeneSet: Sendable, Equatable {
        public var name: String
        public var ids: [String]
    }

    /// Reads and checks every input of `c`.
    public static func load(_ c: ParityCase) throws -> CaseData {
        func fail(_ key: String, _ reason: String) -> CaseError { CaseError(c.file, key, reason) }
        func wrap<T>(_ key: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as InputError {
                throw fail(key, "\(e.path): \(e.message)")
            } catch let e as CaseError { throw e } catch {
                throw fail(key, "\(error)")
            }
        }
        let isCounts = c.inputs.counts != nil
        let key = isCounts ? "inputs.counts" : "inputs.expression"
        guard let path = c.inputs.counts ?? c.inputs.expression else { throw fail("inputs", "no counts or expression") }
        let mf = try wrap(key) { () throws -> MatrixFile in
            try DelimitedText.withBytes(path) { bytes in
                let scan = ByteScan.scan(bytes)
                try checkText(bytes, path: path, scan: scan)
                return try MatrixReader.parse(bytes, path: path, annotation: c.inputs.annotation, scan: scan)
            }
        }
        let m = mf.matrix
        guard m.nrow >= 1 else { throw fail(key, "\(path): no feature rows") }
        guard m.ncol >= 2 else { throw fail(key, "\(path): needs at least 2 sample columns, found \(m.ncol)") }
        let ids = m.rowNames ?? []
        if let d = firstDuplicate(ids) { throw fail(key, "\(path): feature id '\(d.prefix(60))' appears more than once (R's row names must be unique)") }
        if ids.contains("") { throw fail(key, "\(path): a feature id is empty") }
        let samples = m.colNames ?? []
        if let d = firstDuplicate(samples) { throw fail(key, "\(path): sample '\(d.prefix(60))' appears more than once") }
        // Control characters are single bytes in UTF-8 (every byte of a longer
        // sequence is >= 0x80), so the bytes tell.
        for var s in samples + ids where s.withUTF8({ $0.contains { $0 < 0x20 || $0 == 0x7F } }) {
            throw fail(key, "\(path): a name holds a control character: '\(s.prefix(60).debugDescription)'")
        }
        if isCounts {
            if let k = firstNotCount(m.values) {
                let v = m.values[k]
                let i = k % m.nrow, j = k / m.nrow
                throw fail(key, "\(path): row \(i + 2) (\(ids[i].prefix(60))), column '\(samples[j])': counts must be finite and non-negative, found \(v.isNaN ? "NA" : String(v))")
            }
        } else {
            if m.values.withUnsafeBufferPointer({ $0.contains { $0.isInfinite } }) { throw fail(key, "\(path): expression values must be finite or NA") }
        }

        var targets: Targets?
        if let tp = c.inputs.targets {
            let t = try wrap("inputs.targets") { () throws -> Targets in
                try checkText(try DelimitedText.readBytes(tp), path: tp)
                return try Targets.read(tp)
            }
            if let d = firstDuplicate(t.sampleNames) { throw fail("inputs.targets", "\(tp): sample '\(d.prefix(60))' appears more than once") }
            if let d = firstDuplicate(t.columnNames) { throw fail("inputs.targets", "\(tp): column '\(d.prefix(60))' appears more than once") }
            targets = try wrap("inputs.targets") { try t.matched(to: samples, path: tp) }
        }

        var weights: Matrix?
        if let wp = c.inputs.weights {
            let w = try wrap("inputs.weights") { try MatrixReader.read(wp) }.matrix
            guard w.nrow == m.nrow, w.ncol == m.ncol else {
                throw fail("inputs.weights", "\(wp): is \(w.nrow) x \(w.ncol), the data is \(m.nrow) x \(m.ncol)")
            }
            guard w.rowNames == m.rowNames, w.colNames == m.colNames else {
                throw fail("inputs.weights", "\(wp): feature ids and sample names must match the data's, in the same order")
            }
            if w.values.contains(where: { !($0.isNaN || $0 >= 0) || $0.isInfinite }) {
                throw fail("inputs.weights", "\(wp): weights must be finite and non-negative (or NA)")
            }
            weights = w
        }

        let columns = targets?.columnNames
        // levels
        for (col, lv) in c.levels {
            guard let t = targets, let values = t.column(col) else {
                throw fail("levels.\(col)", "'\(col)' is not a targets column (columns: \((columns ?? []).joined(separator: ", ")))")
            }
            let missing = Set(values).subtracting(lv)
            if !missing.isEmpty { throw fail("levels.\(col)", "does not list value(s) \(missing.sorted().joined(separator: ", ")) found in the column") }
        }
        // design
        var designMatrix: Matrix?
        switch c.design {
        case let .formula(f)?:
            do { try CaseSafety.checkFormula(f, columns: columns) } catch { throw fail("design", "formula \"\(f.prefix(80))\" \(error)") }
        case let .matrix(p)?:
            let d = try wrap("design.matrix") { try MatrixReader.read(p) }.matrix
            guard d.nrow == m.ncol else { throw fail("design.matrix", "\(p): has \(d.nrow) rows; the data has \(m.ncol) samples") }
            guard d.rowNames == samples else { throw fail("design.matrix", "\(p): rows must be the samples, in the data's column order") }
            if d.values.contains(where: { !$0.isFinite }) { throw fail("design.matrix", "\(p): values must be finite numbers") }
            designMatrix = d
        case nil: break
        }
        var contrastMatrix: Matrix?
        if case let .matrix(p)? = c.contrasts {
            let cm = try wrap("contrasts.matrix") { try MatrixReader.read(p) }.matrix
            if cm.values.contains(where: { !$0.isFinite }) { throw fail("contrasts.matrix", "\(p): values must be finite numbers") }
            if let d = designMatrix, cm.rowNames != d.colNames {
                throw fail("contrasts.matrix", "\(p): rows must be the design columns (\((d.colNames ?? []).joined(separator: ", ")))")
            }
            contrastMatrix = cm
        }
        if case let .expressions(list)? = c.contrasts, let d = designMatrix {
            for e in list {
                do { try CaseSafety.checkContrast(e.expression, levels: d.colNames ?? []) } catch {
                    throw fail("contrasts.\(e.name)", "\"\(e.expression.prefix(80))\" \(error)")
                }
            }
        }
        // step arguments that name targets columns
        for (k, s) in c.steps.enumerated() {
            guard let spec = StepCatalog.spec(s.fn) else { continue }
            for a in s.args where spec.type(of: a.name) == .column {
                guard case let .string(col) = a.value else { continue }
                do { try CaseSafety.checkColumnValue(col, columns: columns ?? []) } catch {
                    throw fail("steps[\(k + 1)].\(a.name)", "\(error)")
                }
            }
        }
        var data = CaseData(matrix: m, naMask: mf.naMask, annotation: mf.annotation, targets: targets, weights: weights,
                            designMatrix: designMatrix, contrastMatrix: contrastMatrix, isCounts: isCounts)
        if let gp = c.inputs.geneSets {
            data.geneSets = try wrap("inputs.gene_sets") { () throws -> [GeneSet] in
                try checkText(try DelimitedText.readBytes(gp), path: gp)
                return try readGeneSets(gp, ids: Set(ids))
            }
        }
        // The design, and the contrasts against its columns, before anything runs.
        data.design = try EngineRunner.design(c, data: data)
        var ignored = [LimmaWarning]()
        _ = try EngineRunner.contrasts(c, design: data.design, data: data, warnings: &ignored)
        return data
    }

    /// Reads a gene set file: header `set,feature_id` (CSV or TSV), one row per
    /// membership; sets keep the order of their first row. Every feature id must
    /// be a row of the data (unknown ids are reported, up to five of them).
    static func readGeneSets(_ path: String, ids: Set<String>) throws -> [GeneSet] {
        let t = try DelimitedText.read(path)
        guard t.header == ["set", "feature_id"] else {
            throw InputError(path, "the header must be set,feature_id; found \(t.header.prefix(5).joined(separator: ","))")
        }
        guard !t.rows.isEmpty else { throw InputError(path, "no gene set rows") }
        var order = [String](), members = [String: [String]](), unknown = [String]()
        for (i, r) in t.rows.enumerated() {
            guard r.count == 2 else { throw InputError(path, "row \(i + 2) has \(r.count) fields; expected 2 (set, feature_id)") }
            let (set, id) = (r[0], r[1])
            guard !set.isEmpty, set.count <= CaseSafety.maxNameLength,
                  !set.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw InputError(path, "row \(i + 2): a set name must be 1-\(CaseSafety.maxNameLength) printable characters")
            }
            if !ids.contains(id) { unknown.append(id); continue }
            if members[set] == nil { order.append(set) }
            members[set, default: []].append(id)
        }
        if !unknown.isEmpty {
            let shown = unknown.prefix(5).map { "'\($0.prefix(60))'" }.joined(separator: ", ")
            throw InputError(path, "\(unknown.count) feature id(s) are not rows of the data: \(shown)\(unknown.count > 5 ? ", ..." : "")")
        }
        return order.map { GeneSet(name: $0, ids: members[$0] ?? []) }
    }

    /// Longest line accepted in an input file (a field this long is not data).
    public static let maxLineBytes = 1 << 20

    /// Input text must be text R reads the same way the engine does: no NUL
    /// bytes, valid UTF-8, one line-ending convention (LF or CRLF, not a mix,
    /// no bare CR), and no absurdly long line.
    static func checkText(_ b: [UInt8], path: String) throws {
        try b.withUnsafeBufferPointer { try checkText($0, path: path) }
    }

    /// The same check over bytes in memory. The usual file (ASCII, LF line
    /// ends, no NUL) is recognised at memory speed: `memchr` for NUL and CR,
    /// eight bytes at a time for non-ASCII, `memchr` from newline to newline
    /// for the line lengths. Anything else takes the byte-by-byte scan, which
    /// names the line at fault.
    static func checkText(_ b: UnsafeBufferPointer<UInt8>, path: String, scan: ByteScan? = nil) throws {
        guard let base = b.baseAddress, !b.isEmpty else { return }
        let n = b.count
        let bytes = scan ?? ByteScan.scan(b)
        let plain = !bytes.hasNUL && !bytes.hasCR && !bytes.hasNonASCII
        if plain {
            // The scan's longest line settles the usual file; the loop below names the line at fault.
            if bytes.longestLine <= maxLineBytes { return }
            var line = 1, lineStart = 0
            while lineStart < n {
                let nl = memchr(base + lineStart, 0x0A, n - lineStart).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? n
                if nl - lineStart > maxLineBytes { throw InputError(path, "line \(line) is \(nl - lineStart) bytes long; at most \(maxLineBytes) are accepted") }
                line += 1
                lineStart = nl + 1
            }
            return
        }
        var lf = 0, crlf = 0, line = 1, lineStart = 0
        var i = 0
        while i < n {
            let c = b[i]
            if c == 0 { throw InputError(path, "line \(line): binary data (NUL byte); expected CSV or TSV text") }
            if c == 0x0D {
                guard i + 1 < n, b[i + 1] == 0x0A else { throw InputError(path, "line \(line): bare carriage return (old Mac line ending); use LF or CRLF") }
                crlf += 1
                i += 1
            } else if c == 0x0A {
                lf += 1
            }
            if c == 0x0A || c == 0x0D {
                if i - lineStart > maxLineBytes { throw InputError(path, "line \(line) is \(i - lineStart) bytes long; at most \(maxLineBytes) are accepted") }
                if lf > 0 && crlf > 0 { throw InputError(path, "line \(line): mixed line endings (LF and CRLF); use one") }
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        if n - lineStart > maxLineBytes { throw InputError(path, "line \(line) is \(n - lineStart) bytes long; at most \(maxLineBytes) are accepted") }
        if bytes.hasNonASCII && String(validating: b, as: UTF8.self) == nil { throw InputError(path, "not UTF-8 text (binary data?)") }
    }

    /// The index of the first value that is not a count (negative, NaN or
    /// infinite), or nil. The common case, none, is one branch-free pass in
    /// blocks spread over the engine's threads (`LimmaThreads.count`); the
    /// first bad index is then found by a plain search.
    static func firstNotCount(_ values: [Double]) -> Int? {
        let block = 1 << 16
        let nblocks = (values.count + block - 1) / block
        let anyBad = values.withUnsafeBufferPointer { v -> Bool in
            let flags = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Swift.max(nblocks, 1))
            defer { flags.deallocate() }
            flags.initialize(repeating: 0)
            let box = UncheckedPointers(v: v, flags: flags)
            let workers = Swift.max(1, Swift.min(LimmaThreads.count, nblocks))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for b in stride(from: w, to: nblocks, by: workers) {
                    let lo = b * block, hi = Swift.min(box.v.count, lo + block)
                    var bad: UInt8 = 0
                    for k in lo..<hi {
                        let x = box.v[k]
                        bad |= (x >= 0 && x <= .greatestFiniteMagnitude) ? 0 : 1
                    }
                    box.flags[b] = bad
                }
            }
            return flags.contains(1)
        }
        guard anyBad else { return nil }
        return values.firstIndex { !($0.isFinite && $0 >= 0) }
    }

    /// Buffers shared by `firstNotCount`'s workers (each writes its own flags).
    private struct UncheckedPointers: @unchecked Sendable {
        let v: UnsafeBufferPointer<Double>
        let flags: UnsafeMutableBufferPointer<UInt8>
    }

    /// The first name (in order) equal to an earlier one, or nil. Names are
    /// compared as R compares them, byte for byte (UTF-8), not by Swift's
    /// canonical equivalence: a 64-bit FNV-1a hash of each name's bytes goes
    /// into an open-addressing table (linear probing), and only names with
    /// equal hashes are compared. (A `Set<String>` took about 1,100
    /// instructions per name.)
    static func firstDuplicate(_ a: [String]) -> String? {
        let n = a.count
        guard n >= 2 else { return nil }
        var capacity = 16
        while capacity < 2 * n { capacity <<= 1 }
        let mask = capacity - 1
        var slot = [Int](repeating: -1, count: capacity)
        var slotHash = [UInt64](repeating: 0, count: capacity)
        for i in 0..<n {
            var name = a[i]
            let h = name.withUTF8 { bytes -> UInt64 in
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
                return h
            }
            var p = Int(truncatingIfNeeded: h) & mask
            while slot[p] >= 0 {
                if slotHash[p] == h && a[slot[p]].utf8.elementsEqual(a[i].utf8) { return a[i] }
                p = (p + 1) & mask
            }
            slot[p] = i
            slotHash[p] = h
        }
        return nil
    }
}
