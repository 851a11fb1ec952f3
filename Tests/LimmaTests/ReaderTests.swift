import Testing
import Foundation
@testable import Limma

/// The matrix reader against R's read.csv on the shipped data, and on bad files.
@Suite struct ReaderTests {
    @Test(.enabled(if: RLive.available)) func readsTheSameDoublesAsR() throws {
        let dir = try RLive.run("readers.R")
        let mine = try MatrixReader.read(RLive.path("reference/data/mulvey/proteome.csv.gz"),
                                         annotation: ["gene_symbol", "num_psm", "max_pep_prob", "reference_intensity"])
        let r = try RLive.matrix(dir, "mulvey.csv").matrix
        #expect(mine.matrix.nrow == r.nrow && mine.matrix.ncol == r.ncol)
        #expect(mine.matrix.rowNames == r.rowNames)
        #expect(mine.matrix.colNames == r.colNames)
        var diff = 0
        for (a, b) in zip(mine.matrix.values, r.values) where !(a == b || (a.isNaN && b.isNaN)) { diff += 1 }
        #expect(diff == 0, "cells differing from R's read.csv: \(diff)")
        let genes = try RLive.matrix(dir, "gse60450.csv").matrix
        let g = try MatrixReader.read(RLive.path("reference/data/gse60450/counts.csv.gz"))
        #expect(g.matrix == genes)
        // Quoted ids (R's write.csv), read by the fast path's plain quoted cells.
        let pasilla = try MatrixReader.read(RLive.path("reference/data/pasilla/counts.csv.gz"))
        let rPasilla = try RLive.matrix(dir, "pasilla.csv").matrix
        #expect(pasilla.matrix == rPasilla)
    }

    /// Rows whose quotes open and close plain cells (the id and annotation
    /// as R's write.csv writes them) take the fast path; every other quote
    /// sends its row to the general parser. Both must give what the general
    /// parser gives for the whole file: ids, annotation, values, NA cells.
    @Test(arguments: [",", "\t"])
    func plainQuotedCellsReadAsTheGeneralParserReadsThem(delimiter: String) throws {
        let rows = [
            "id,ann,s1,s2",
            "\"g1\",\"a\",1,2",                 // plain quoted id and annotation
            "\"g2\",b,3,NA",                     // quoted id, bare annotation
            "g3,\"c\",4.5,-Inf",                 // bare id, quoted annotation
            "\"\",\"\",5,6",                     // empty quoted cells
            "\"g,5\",d,7,8",                     // a delimiter inside the quotes
            "\"g\"\"6\",e,9,10",                 // an escaped quote
            "g\"7,f,11,12",                       // a quote inside a bare id
            "\"g8\" ,g,13,14",                   // text after the closing quote
            "\"g9\",h,\"15\",16",                // a quoted number
            "\"g10\nx\",i,17,18",                 // a line break inside the quotes
            "\"g11\",j,,3e-2",
        ]
        let text = rows.map { $0.replacingOccurrences(of: ",", with: delimiter == "," ? "," : "\t") }.joined(separator: "\n") + "\n"
        var bytes = Array(text.utf8)
        let fast = try MatrixReader.parse(&bytes, path: "q.csv", annotation: ["ann"])
        let general = try MatrixReader.fromTable(DelimitedText.parse(Array(text.utf8), path: "q.csv"), annotation: ["ann"])
        #expect(fast.matrix.rowNames == general.matrix.rowNames)
        #expect(fast.annotation == general.annotation)
        #expect(fast.naMask == general.naMask)
        #expect(fast.matrix.values.map(\.bitPattern) == general.matrix.values.map(\.bitPattern))
        #expect(fast.matrix.rowNames?.prefix(5) == ["g1", "g2", "g3", "", delimiter == "," ? "g,5" : "g\t5"])
    }

    /// The line splitter of quoted files against the general parser's rules
    /// byte by byte (a quote opens quotes only where the field has no text;
    /// inside, `""` is a quote and `"` closes), on random bytes drawn from
    /// quotes, delimiters, line breaks and text, comma and tab files.
    @Test func quotedLineSplitterFollowsTheGeneralParser() {
        func reference(_ b: [UInt8], _ d: UInt8) -> [(Int, Int)] {
            var out = [(Int, Int)](), i = 0, lineStart = 0, inQuotes = false, fieldEmpty = true
            let n = b.count
            while i < n {
                let c = b[i]
                if inQuotes {
                    if c == 0x22 {
                        if i + 1 < n && b[i + 1] == 0x22 { fieldEmpty = false; i += 2; continue }
                        inQuotes = false
                    } else {
                        fieldEmpty = false
                    }
                } else if c == 0x22 && fieldEmpty {
                    inQuotes = true
                } else if c == d {
                    fieldEmpty = true
                } else if c == 0x0A || c == 0x0D {
                    if i > lineStart { out.append((lineStart, i)) }
                    if c == 0x0D && i + 1 < n && b[i + 1] == 0x0A { i += 1 }
                    lineStart = i + 1
                    fieldEmpty = true
                } else {
                    fieldEmpty = false
                }
                i += 1
            }
            if lineStart < n && b[lineStart...].contains(where: { $0 != 0x20 && $0 != 0x09 }) { out.append((lineStart, n)) }
            return out
        }
        var u = TMMBandedTests.Uniform(state: 17)
        for trial in 0..<4000 {
            let tab = trial % 2 == 1
            let d: UInt8 = tab ? 0x09 : 0x2C
            let alphabet: [UInt8] = [0x22, 0x22, 0x22, d, d, 0x0A, 0x0D, 0x61, 0x62, 0x20, 0x2C, 0x09]
            // A header line first (which fixes the delimiter), then random bytes.
            var bytes: [UInt8] = tab ? Array("id\ts1\n".utf8) : Array("id,s1\n".utf8)
            let length = 1 + Int(u.next() * 40)
            for _ in 0..<length { bytes.append(alphabet[Int(u.next() * Double(alphabet.count)) % alphabet.count]) }
            let expected = reference(bytes, d)
            let got = bytes.withUnsafeBufferPointer { FastMatrixParser.lineRanges($0, from: 0, hasQuote: true, hasCR: true) }
            #expect(got.map { [$0.0, $0.1] } == expected.map { [$0.0, $0.1] }, "\(bytes)")
        }
    }

    @Test func fastAndGeneralPathsAgree() throws {
        let text = "id,ann,s1,s2\n\"g,1\",\"x\",1.5,NA\ng2,y,-Inf,NaN\r\ng3,z,,3e-2\n"
        var bytes = Array(text.utf8)
        let fast = try MatrixReader.parse(&bytes, path: "t.csv", annotation: ["ann"])
        let general = try MatrixReader.fromTable(DelimitedText.parse(Array(text.utf8), path: "t.csv"), annotation: ["ann"])
        #expect(fast.matrix.rowNames == ["g,1", "g2", "g3"])
        #expect(fast.matrix.rowNames == general.matrix.rowNames)
        #expect(fast.annotation == general.annotation)
        #expect(fast.naMask == general.naMask)
        #expect(fast.matrix[0, 0] == 1.5 && fast.matrix[1, 0] == -.infinity && fast.matrix[2, 1] == 0.03)
        #expect(fast.naMask![3] == true && fast.naMask![4] == false && fast.matrix[1, 1].isNaN)
    }

    @Test(arguments: [
        ("id,s1,s2\ng1,1,2\ng2,1\n", "row 3: has 2 field(s), the header has 3"),
        ("id,s1,s2\ng1,1,abc\n", "'abc' is not a number"),
        ("id,s1\ng1,0x10\n", "'0x10' is not a number"),
        ("id;s1;s2\ng1;1;2\n", "header has 1 column(s)"),
        ("", "empty file"),
        ("id,s1\ng1,\"1\n", "unbalanced quotes"),
        ("id,s1\ng1,1\u{0}\n", "binary data"),
        // Rows with plain quoted ids report the errors an unquoted row does.
        ("id,s1,s2\n\"g1\",1,2\n\"g2\",1\n", "row 3: has 2 field(s), the header has 3"),
        ("id,s1,s2\n\"g1\",1,abc\n", "column 's2': 'abc' is not a number (id g1)"),
        ("id,s1,s2\n\"g1\"\n", "has 1 field(s), the header has 3"),
        ("id,s1\n\"\"\n", "cannot parse the line"),
    ])
    func badFilesGiveAClearError(text: String, expected: String) {
        var bytes = Array(text.utf8)
        do {
            _ = try MatrixReader.parse(&bytes, path: "bad.csv")
            Issue.record("no error for \(text.debugDescription)")
        } catch let e as InputError {
            #expect(e.path == "bad.csv")
            #expect(e.message.contains(expected), "\(e.message)")
        } catch { Issue.record("unexpected \(error)") }
    }
}

/// The reader's fast paths (counts of up to seven digits read as one word,
/// cells located by a delimiter mask, values written in row blocks) against
/// R's read.table, run live with the options rscripts/run_case.R uses, on
/// files made to hit every edge: signs, exponents, long integers, NA, NaN,
/// Inf, blanks, a quoted field, CRLF, TSV, gzip, no final newline. (R
/// refuses a quoted number in a numeric column; the engine reads it, as it
/// always has, so quoted numbers are covered by `fastAndGeneralPathsAgree`.)
@Suite struct ReaderFastPathTests {
    /// R's conversion of `file`, as run_case.R's read_matrix does it, written
    /// losslessly and read back correctly rounded.
    static func rRead(_ file: URL) throws -> MatrixFile {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limma-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("read.R")
        try Data("""
            source(file.path("rscripts", "lib", "io.R"))
            a <- commandArgs(trailingOnly = TRUE)
            sep <- if (grepl("\\t", readLines(a[1], n = 1, warn = FALSE), fixed = TRUE)) "\\t" else ","
            h <- read.table(a[1], header = FALSE, sep = sep, quote = "\\"", comment.char = "", nrows = 1,
                            colClasses = "character", na.strings = character(0))
            df <- read.table(a[1], header = TRUE, sep = sep, quote = "\\"", comment.char = "", check.names = FALSE,
                             stringsAsFactors = FALSE, na.strings = c("NA", ""), row.names = NULL, strip.white = TRUE,
                             colClasses = c("character", rep("numeric", ncol(h) - 1)))
            m <- as.matrix(df[, -1, drop = FALSE])
            storage.mode(m) <- "double"
            rownames(m) <- df[[1]]
            write_lossless(m, a[2])
            """.utf8).write(to: script)
        guard let rscript = RLive.rscript else { throw RLive.RFailure(description: "no Rscript") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rscript)
        p.arguments = ["--vanilla", script.path, file.path, dir.appendingPathComponent("out.csv").path]
        p.currentDirectoryURL = RLive.root
        let err = Pipe()
        p.standardError = err
        p.standardOutput = err
        try p.run()
        let text = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw RLive.RFailure(description: String(decoding: text, as: UTF8.self)) }
        return try RLive.matrix(dir, "out.csv")
    }

    /// Same doubles, bit for bit (so -0 is -0), NA where R has NA and NaN where R has NaN.
    static func expectSame(_ mine: MatrixFile, _ r: MatrixFile, _ what: String) {
        #expect(mine.matrix.nrow == r.matrix.nrow && mine.matrix.ncol == r.matrix.ncol, "\(what)")
        #expect(mine.matrix.rowNames == r.matrix.rowNames, "\(what)")
        #expect(mine.matrix.colNames == r.matrix.colNames, "\(what)")
        guard mine.matrix.values.count == r.matrix.values.count else { return }
        var differ = [String]()
        for (k, (a, b)) in zip(mine.matrix.values, r.matrix.values).enumerated() {
            let same = a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
            let naSame = (mine.naMask?[k] ?? false) == (r.naMask?[k] ?? false)
            if !same || !naSame { differ.append("cell \(k): mine \(a) R \(b)") }
        }
        #expect(differ.isEmpty, "\(what): \(differ.prefix(5))")
    }

    static let edgeText = """
        id,s1,s2,s3,s4
        g1,0,1,-0,+5
        g2,1234567,12345678,123456789012345678,1234567890123456789
        g3,99999999999999999999,-42,007,1e3
        g4,1.5,-2.25e-3,3.14159265358979323846,NA
        g5,,NaN,Inf,-Inf
        g6, 17,18 ,  19  ,0.1
        "g 7",8,-9,1E+2,0.30000000000000004
        g8,1.7976931348623157e308,2.2250738585072014e-308,123456.789e-3,4.9406564584124654e-324
        g9,9999999,10000000,0000000,00000001

        """

    func write(_ text: String, _ name: String, in dir: URL) throws -> URL {
        let f = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: f)
        return f
    }

    @Test(.enabled(if: RLive.available)) func edgeCasesAsR() throws {
        let dir = try CLIScratch.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let variants: [(String, String)] = [
            ("lf.csv", Self.edgeText),
            ("crlf.csv", Self.edgeText.replacingOccurrences(of: "\n", with: "\r\n")),
            ("tab.tsv", Self.edgeText.replacingOccurrences(of: ",", with: "\t")),
            ("nofinal.csv", String(Self.edgeText.dropLast())),
        ]
        for (name, text) in variants {
            let f = try write(text, name, in: dir)
            Self.expectSame(try MatrixReader.read(f.path), try Self.rRead(f), name)
        }
        // gzip, detected by content whatever the name.
        let plain = try write(Self.edgeText, "gz.csv", in: dir)
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gz.arguments = ["-n", plain.path]
        try gz.run()
        gz.waitUntilExit()
        let zipped = dir.appendingPathComponent("gz.csv.gz")
        #expect(gz.terminationStatus == 0)
        Self.expectSame(try MatrixReader.read(zipped.path), try Self.rRead(zipped), "gzip")
        let mine = try MatrixReader.read(zipped.path)
        #expect(mine.matrix[0, 2].sign == .minus && mine.matrix[0, 2] == 0, "-0 stays -0")
        #expect(mine.naMask?[3 * 9 + 3] == true && mine.naMask?[0 * 9 + 4] == true && mine.naMask?[1 * 9 + 4] == false)
    }

    /// Many random cells (counts of every length around the one-word limit,
    /// signed and decimal values, NA) in a file of many rows, so the rows are
    /// split over threads: R's values, and the same bits for 1 and 3 threads.
    @Test(.enabled(if: RLive.available)) func randomCellsAsRForAnyThreadCount() throws {
        let dir = try CLIScratch.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SystemRandomNumberGenerator()
        var text = "id," + (1...23).map { "s\($0)" }.joined(separator: ",") + "\n"
        for i in 0..<3000 {
            text += "gene\(i)"
            for _ in 0..<23 {
                let digits = Int.random(in: 1...10, using: &rng)
                var cell = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
                switch Int.random(in: 0..<20, using: &rng) {
                case 0: cell = "-" + cell
                case 1: cell += "." + String(Int.random(in: 0...999_999, using: &rng))
                case 2: cell += "e-" + String(Int.random(in: 0...30, using: &rng))
                case 3: cell = "NA"
                default: break
                }
                text += "," + cell
            }
            text += "\n"
        }
        let f = try write(text, "random.csv", in: dir)
        defer { LimmaThreads.set(0) }
        LimmaThreads.set(1)
        let one = try MatrixReader.read(f.path)
        LimmaThreads.set(3)
        let three = try MatrixReader.read(f.path)
        #expect(one.matrix.values.map(\.bitPattern) == three.matrix.values.map(\.bitPattern))
        #expect(one.naMask == three.naMask && one.matrix.rowNames == three.matrix.rowNames)
        Self.expectSame(three, try Self.rRead(f), "random")
        // The general (one string per cell) reader agrees too.
        let general = try MatrixReader.fromTable(DelimitedText.read(f.path))
        #expect(general.matrix.values.map(\.bitPattern) == one.matrix.values.map(\.bitPattern))
        #expect(general.naMask == one.naMask)
    }

    @Test(arguments: [
        ("id,s1,s2\ng1,x,2,3\n", "row 2: has 4 field(s), the header has 3"),
        ("id,s1,s2\ng1,1,2,\n", "row 2: has 4 field(s), the header has 3"),
        ("id,s1,s2\ng1\n", "row 2: has 1 field(s), the header has 3"),
        ("id,s1,s2\ng1,1,2\ng2,1,2x\n", "row 3: column 's2': '2x' is not a number (id g2)"),
        ("id,s1,s2\ng1,1,2\ng2,1,12345678x\n", "'12345678x' is not a number"),
        ("id,s1,s2\ng1,1,2\ng2,1,1 2\n", "'1 2' is not a number"),
    ])
    func fastPathErrors(text: String, expected: String) {
        var bytes = Array(text.utf8)
        do {
            _ = try MatrixReader.parse(&bytes, path: "bad.csv")
            Issue.record("no error for \(text.debugDescription)")
        } catch let e as InputError {
            #expect(e.message.contains(expected), "\(e.message)")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func headerOnlyAndEmptyCells() throws {
        var bytes = Array("id,s1,s2\n".utf8)
        let m = try MatrixReader.parse(&bytes, path: "h.csv")
        #expect(m.matrix.nrow == 0 && m.matrix.colNames == ["s1", "s2"])
        var b2 = Array("id,s1,s2\ng1,,\n".utf8)
        let e = try MatrixReader.parse(&b2, path: "e.csv")
        #expect(e.naMask == [true, true] && e.matrix.values.allSatisfy(\.isNaN))
    }
}

enum CLIScratch {
    static func make() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("limma-reader-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}
