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
