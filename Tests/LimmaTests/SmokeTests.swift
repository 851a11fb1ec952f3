import Testing
import CRmath
@testable import Limma

@Test func rmathLinks() {
    #expect(abs(rmath_pt(2.0, 5.0, 1, 0) - 0.94903026922) < 1e-9)
}
