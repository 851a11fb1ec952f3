import Testing
import CRmath
@testable import Limma

@Test func rmathLinks() {
    #expect(rmath_pt(2.0, 5.0, 1, 0) == 0.9490302605850709  // R: sprintf("%.17g", pt(2, 5)))
}
