// Stored R references: reference/r/<case>/ holds R's outputs for a case (the
// files rscripts/run_case.R writes) and manifest.json: R, limma and edgeR
// versions, platform, date, and the sha256 of the case file and each input.
// `check` trusts a reference only when those hashes still match (a stale
// reference is refused); `refresh` writes a new one atomically: R runs into a
// temporary directory beside the reference, and only a complete result
// replaces the old one (by rename), so a failure leaves it byte for byte.
import Foundation
import Limma

public struct ReferenceStore: Sendable {
    /// The directory holding one sub-directory per case (reference/r).
    public var root: URL

    public init(root: URL) { self.root = root }

    /// The default store for a case file: `<case dir>/../r`.
    public static func defaultRoot(for c: ParityCase) -> URL {
        URL(fileURLWithPath: c.absolutePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("r")
    }

    public func directory(for c: ParityCase) -> URL { root.appendingPathComponent(c.name) }

    /// The hashes a manifest records for `c`: the case file, then each input.
    public static func hashes(_ c: ParityCase) throws -> (caseSHA: String, inputs: [(key: String, path: String, sha: String)]) {
        let caseSHA = try SHA256.file(c.absolutePath)
        var inputs = [(key: String, path: String, sha: String)]()
        var files = c.inputs.files
        if case let .matrix(p)? = c.design { files.append(("design.matrix", p)) }
        if case let .matrix(p)? = c.contrasts { files.append(("contrasts.matrix", p)) }
        for (k, p) in files { inputs.append((k, p, try SHA256.file(p))) }
        return (caseSHA, inputs)
    }

    /// A path written relative to `base` when it lies below a common ancestor (for portable manifests).
    static func relative(_ path: String, to base: URL) -> String {
        let a = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let b = base.standardizedFileURL.pathComponents
        var i = 0
        while i < a.count, i < b.count, a[i] == b[i] { i += 1 }
        if i <= 1 { return path }
        return (Array(repeating: "..", count: b.count - i) + a[i...]).joined(separator: "/")
    }

    /// The manifest for a reference made now from R's `versions`.
    public func manifest(for c: ParityCase, versions: [String: String], generatedBy: String, source: String? = nil) throws -> JSONValue {
        let h = try ReferenceStore.hashes(c)
        let dir = directory(for: c)
        var r: [(key: String, value: JSONValue)] = []
        for k in ["R", "limma", "edgeR", "platform"] { if let v = versions[k] { r.append((k == "R" ? "version" : k, .string(v))) } }
        var top: [(key: String, value: JSONValue)] = [
            ("case", .string(c.name)),
            ("case_file", .string(ReferenceStore.relative(c.absolutePath, to: dir))),
            ("case_sha256", .string(h.caseSHA)),
            ("inputs", .object(h.inputs.map { ($0.key, .object([("file", .string(ReferenceStore.relative($0.path, to: dir))), ("sha256", .string($0.sha))])) })),
            ("r", .object(r)),
            ("limma_defaults", .string(versions["limma_defaults"] ?? c.limma?.rawValue ?? "")),
            ("date", .string(ISO8601DateFormatter().string(from: Date()))),
            ("generated_by", .string(generatedBy)),
        ]
        if let e = versions["emulated"] { top.append(("emulated", .string(e))) }
        if let source { top.append(("source", .string(source))) }
        return .object(top)
    }

    /// Reads the stored reference for `c`, refusing a missing or stale one
    /// (CaseError, exit 2). Versions come from the manifest.
    public func load(_ c: ParityCase) throws -> (outputs: SideOutputs, manifest: JSONValue) {
        let dir = directory(for: c)
        let mURL = dir.appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: mURL.path) else {
            throw CaseError(c.file, "reference", "no stored reference at \(dir.path) (make one with `limma-parity refresh \(c.file)`)")
        }
        let manifest: JSONValue
        do { manifest = try JSON.parse([UInt8](data)) } catch {
            throw CaseError(c.file, "reference", "\(mURL.path) is not valid JSON: \(error)")
        }
        let h = try ReferenceStore.hashes(c)
        var stale = [String]()
        if manifest["case_sha256"]?.stringValue != h.caseSHA { stale.append("the case file") }
        let stored = manifest["inputs"]?.objectValue ?? []
        for i in h.inputs where stored.first(where: { $0.key == i.key })?.value["sha256"]?.stringValue != i.sha {
            stale.append("input \(i.key)")
        }
        for s in stored where !h.inputs.contains(where: { $0.key == s.key }) { stale.append("input \(s.key) (no longer in the case)") }
        if !stale.isEmpty {
            throw CaseError(c.file, "reference", "stale: \(stale.joined(separator: ", ")) changed since the stored reference was made (\(manifest["date"]?.stringValue ?? "unknown date")); refusing to compare against it. Run `limma-parity refresh \(c.file)` to rebuild it")
        }
        var out: SideOutputs
        do { out = try SideFiles.read(from: dir, side: "r") } catch {
            throw CaseError(c.file, "reference", "\(dir.path): \(error)")
        }
        for (k, v) in manifest["r"]?.objectValue ?? [] { if let s = v.stringValue { out.versions[k == "version" ? "R" : k] = s } }
        if let d = manifest["limma_defaults"]?.stringValue { out.versions["limma_defaults"] = d }
        return (out, manifest)
    }

    /// Reruns R for `c` and replaces the stored reference atomically. On any
    /// failure the old reference is left exactly as it was.
    @discardableResult
    public func refresh(_ c: ParityCase, runner: RRunner) throws -> SideOutputs {
        let fm = FileManager.default
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        let dir = directory(for: c)
        let tmp = root.appendingPathComponent(".\(c.name).new-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: tmp) }
        var strict = runner
        strict.noEmulation = true
        strict.gzip = true
        let out = try strict.run(c, outDir: tmp)
        let manifest = try manifest(for: c, versions: out.versions, generatedBy: "limma-parity refresh")
        try Data((JSON.write(manifest) + "\n").utf8).write(to: tmp.appendingPathComponent("manifest.json"))
        try ReferenceStore.replace(dir, with: tmp)
        return out
    }

    /// Puts `new` in place of `dir` by renames on one file system: the old
    /// directory is renamed aside, the new one into place, then the old one is
    /// removed; if the second rename fails the old one is renamed back.
    static func replace(_ dir: URL, with new: URL) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: dir.path) {
            let old = dir.deletingLastPathComponent().appendingPathComponent(".\(dir.lastPathComponent).old-\(UUID().uuidString)")
            try fm.moveItem(at: dir, to: old)
            do { try fm.moveItem(at: new, to: dir) } catch {
                try? fm.moveItem(at: old, to: dir)
                throw error
            }
            try? fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: new, to: dir)
        }
    }
}
