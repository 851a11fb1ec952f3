import Testing
import Foundation
@testable import Limma

/// limma's gene set tests (camera, fry, roast, mroast) and R's default random
/// number generator against live R (rscripts/tests/genesets.R).
@Suite struct GeneSetTests {
    /// The project's parity comparison (rel 1e-10, abs 1e-12), shared with VoomTests.
    static func expectParity(_ engine: [Double], _ r: [Double], _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        VoomTests.expectParity(engine, r, what, sourceLocation: sourceLocation)
    }

    // MARK: R's random numbers

    @Test(.enabled(if: RLive.available)) func rRandomMatchesSetSeed() throws {
        let dir = try RLive.run("genesets.R", ["rng"])
        var g = RRandom(seed: 42)
        #expect(g.runif(10) == (try RLive.vector(dir, "rng_unif42.csv")))
        #expect(g.rnorm(10) == (try RLive.vector(dir, "rng_norm42.csv")))
        var h = RRandom(seed: -123)
        #expect(h.rnorm(700) == (try RLive.vector(dir, "rng_norm_m123.csv")))
        var k = try RRandom.setSeed(2147483647)
        #expect(k.runif(1300) == (try RLive.vector(dir, "rng_unif_max.csv")))
        var z = RRandom(seed: 0)
        #expect(z.rnorm(5) == (try RLive.vector(dir, "rng_norm0.csv")))
    }

    @Test func rRandomRefusesSeedsOutsideRInteger() {
        #expect(throws: LimmaError("set.seed", "supplied seed is not a valid integer")) { try RRandom.setSeed(Int(Int32.min)) }
        #expect(throws: LimmaError.self) { try RRandom.setSeed(1 << 40) }
        var a = RRandom(seed: 5), b = a
        #expect(a.rnorm(3) == b.rnorm(3))
    }
}
