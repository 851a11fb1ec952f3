import Testing
@testable import LimmaParity

@Test func builds() { #expect(Bool(true)) }
