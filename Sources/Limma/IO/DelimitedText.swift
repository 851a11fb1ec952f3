// Reading delimited text (CSV/TSV, optionally gzip-compressed) into cells.
import Foundation
import CZlib

/// A parsed delimited-text file: a header row and data rows of text cells.
public struct DelimitedTable: Sendable {
    public var path: String
    public var header: [String]
    public var rows: [[String]]
    public var delimiter: UInt8
}

/// Errors from reading input files: always name the file, and the row and
/// column where they can.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(_ path: String, _ message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}

public enum DelimitedText {
    /// Reads a whole file, inflating it when it starts with the gzip magic bytes
    /// (detection by content, never by file name).
    public static func readBytes(_ path: String) throws -> [UInt8] {
        try withBytes(path) { Array($0) }
    }

    /// Calls `body` with a file's bytes, inflated when the file starts with
    /// the gzip magic bytes (detection by content, never by file name). A
    /// plain regular file is mapped read-only into memory (no copy: the
    /// pages are the kernel's file cache); a gzip file is inflated into one
    /// private buffer sized from the gzip trailer. The bytes are valid only
    /// inside `body`.
    public static func withBytes<T>(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            var st = stat()
            if fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0,
               let p = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0),
               p != UnsafeMutableRawPointer(bitPattern: -1) {
                let size = Int(st.st_size)
                defer { munmap(p, size) }
                return try withInflated(UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: size), path: path, body)
            }
        }
        // Not a regular file (or empty, or not mappable): read it whole.
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(path, "cannot read file (missing or unreadable)")
        }
        let bytes = [UInt8](data)
        return try bytes.withUnsafeBufferPointer { try withInflated($0, path: path, body) }
    }

    /// `body(bytes)`, or `body(inflated bytes)` when they are gzip data.
    static func withInflated<T>(_ bytes: UnsafeBufferPointer<UInt8>, path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
        guard bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b else { return try body(bytes) }
        let (p, count) = try gunzip(bytes, path: path)
        defer { free(p) }
        return try body(UnsafeBufferPointer(start: p, count: count))
    }

    /// Inflates gzip data (concatenated members allowed) into a malloc'ed
    /// buffer the caller frees. The last member's trailer (ISIZE, the size
    /// modulo 2^32) sizes the buffer, so one member under 4 GiB inflates
    /// without moving; otherwise the buffer doubles as needed.
    static func gunzip(_ input: UnsafeBufferPointer<UInt8>, path: String) throws -> (UnsafeMutablePointer<UInt8>, Int) {
        var isize = 0
        if input.count >= 18 {
            for k in 0..<4 { isize |= Int(input[input.count - 4 + k]) << (8 * k) }
        }
        var capacity = Swift.max(1 << 16, isize + 1)
        guard var out = malloc(capacity)?.assumingMemoryBound(to: UInt8.self) else { throw InputError(path, "gzip: out of memory") }
        var produced = 0
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            free(out)
            throw InputError(path, "gzip: cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var status: Int32 = Z_OK
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = uInt(input.count)
        repeat {
            if produced == capacity {
                capacity *= 2
                guard let grown = realloc(out, capacity) else { free(out); throw InputError(path, "gzip: out of memory") }
                out = grown.assumingMemoryBound(to: UInt8.self)
            }
            let room = Swift.min(capacity - produced, Int(UInt32.max))
            stream.next_out = out + produced
            stream.avail_out = uInt(room)
            status = inflate(&stream, Z_NO_FLUSH)
            produced += room - Int(stream.avail_out)
            if status != Z_OK && status != Z_STREAM_END {
                free(out)
                throw InputError(path, "gzip: corrupt or truncated compressed data (zlib status \(status))")
            }
            if status == Z_STREAM_END && stream.avail_in > 0 {
                guard inflateReset(&stream) == Z_OK else { free(out); throw InputError(path, "gzip: cannot continue to next member") }
                status = Z_OK
            }
        } while status != Z_STREAM_END
        return (out, produced)
    }

    /// The delimiter of text whose first line starts at `b[start]`: a tab if
    /// that line (up to its first `\n` or `\r`) holds one, otherwise a comma.
    static func delimiter(_ b: UnsafeBufferPointer<UInt8>, firstLineAt start: Int) -> UInt8 {
        var i = start
        while i < b.count && b[i] != 0x0A && b[i] != 0x0D {
            if b[i] == 0x09 { return 0x09 }
            i += 1
        }
        return 0x2C
    }

    /// Parses delimited text. The delimiter is a tab if the first line holds
    /// one, otherwise a comma. Double-quoted fields (RFC 4180, `""` for a
    /// quote) are supported; `\n`, `\r\n` and `\r` all end a line. Blank
    /// trailing lines are ignored.
    public static func parse(_ bytes: [UInt8], path: String) throws -> DelimitedTable {
        let delim = bytes.withUnsafeBufferPointer { delimiter($0, firstLineAt: 0) }
        var records = [[String]]()
        var row = [String]()
        var field = [UInt8]()
        var i = 0
        var inQuotes = false
        var line = 1
        let n = bytes.count
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while i < n {
            let c = bytes[i]
            if inQuotes {
                if c == 0x22 {
                    if i + 1 < n && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == 0x0A { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case 0x22 where field.isEmpty:
                inQuotes = true
            case delim:
                endField()
            case 0x0A, 0x0D:
                endField()
                if !(row.count == 1 && row[0].isEmpty) { records.append(row) }
                row.removeAll(keepingCapacity: true)
                if c == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A { i += 1 }
                line += 1
            case 0:
                throw InputError(path, "line \(line): binary data (NUL byte); expected CSV or TSV text")
            default:
                field.append(c)
            }
            i += 1
        }
        if inQuotes { throw InputError(path, "line \(line): unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty {
            endField()
            if !(row.count == 1 && row[0].isEmpty) { records.append(row) }
        }
        guard let header = records.first else { throw InputError(path, "empty file: expected a header row") }
        return DelimitedTable(path: path, header: header, rows: Array(records.dropFirst()), delimiter: delim)
    }

    public static func read(_ path: String) throws -> DelimitedTable {
        try parse(readBytes(path), path: path)
    }
}
