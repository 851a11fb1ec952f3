import Testing
@testable import Limma

/// The engine example in README.md, verbatim, so the README never shows code
/// that does not compile or run. Its numbers are checked against R by the
/// gse60450-voom parity case; here: R keeps 14,453 genes (filterByExpr).
@Test func readmeEngineExampleRuns() throws {
    let path = RLive.path("reference/data/gse60450") + "/"
    // README: begin
    let counts = try MatrixReader.read(path + "counts.csv.gz").matrix           // gzip detected by content
    let targets = try Targets.read(path + "targets.csv").matched(to: counts.colNames!)
    let design = try modelMatrix("~0 + immunophenotype", data: targets)
    let keep = try filterByExpr(DGEList(counts: counts), group: targets.column("immunophenotype"))
    let y = try calcNormFactors(DGEList(counts: counts.rows(keep.indices.filter { keep[$0] })))  // lib sizes from kept rows
    let v = try voom(y, design: design)
    let fit = try lmFit(v, design: design)
    let C = try makeContrasts([("LvsB", "immunophenotypeluminal - immunophenotypebasal")], levels: design.colNames!)
    let eb = try eBayes(contrastsFit(fit, contrasts: C))
    let table = try topTable(eb, coef: "LvsB", number: .max)
    // README: end
    #expect(table.rowNames.count == 14453)
    #expect(table.columnNames.contains("adj.P.Val"))
}
