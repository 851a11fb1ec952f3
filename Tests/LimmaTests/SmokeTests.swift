import Testing
import CRmath
@testable import Limma

/// libRmath is linked and is R's own: pt(2, 5) as R prints it with %.17g.
@Test func rmathLinks() {
    #expect(rmath_pt(2.0, 5.0, 1, 0) == 0.9490302605850709)
}
