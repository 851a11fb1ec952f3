// Errors and warnings, worded as R limma words them.

/// An error from a limma function: what went wrong and where, in words a
/// limma user recognises from R's own message. `function` is the R name
/// (`"lmFit"`, `"eBayes"`), so a message reads as R's `Error in lmFit(...)`.
public struct LimmaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var function: String
    public var message: String
    public init(_ function: String, _ message: String) {
        self.function = function
        self.message = message
    }
    public var description: String { "\(function): \(message)" }
}

/// A warning R would print (`Warning message: ...`). Functions that can warn
/// return their warnings with their results instead of printing them, so a
/// caller (the harness, a CLI) can surface them; none are swallowed.
public struct LimmaWarning: Sendable, Equatable, CustomStringConvertible {
    public var function: String
    public var message: String
    public init(_ function: String, _ message: String) {
        self.function = function
        self.message = message
    }
    public var description: String { "Warning in \(function): \(message)" }
}
