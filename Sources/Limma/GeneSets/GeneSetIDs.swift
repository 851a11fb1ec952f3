// Gene sets given by identifiers turned into rows (R's `which(ID %in% set)`
// for every set), with one look-up per row instead of one per row and set.

import Foundation

enum GeneSetIDs {
    /// For each set, the rows i (ascending) with `ids[i] == id` for some id of
    /// the set, under Swift's `String` equality (canonical equivalence), as
    /// `ids.indices.filter { Set(set.ids).contains(ids[$0]) }` gives them
    /// (`general`). A row id in several sets lands in each; a set id given
    /// twice or matching no row adds nothing.
    ///
    /// Fast path, when every set id is ASCII: the set ids go into an
    /// open-addressing table hashed on their UTF-8 bytes, and each row id
    /// is hashed once. For two ASCII strings `String` equality is byte
    /// equality (ASCII is its own normal form), so an ASCII row id matches
    /// exactly the set ids with its bytes. A non-ASCII row id can still
    /// equal an ASCII set id under canonical equivalence (U+212A KELVIN
    /// SIGN is "K"), so such a row, or one whose bytes are not contiguous,
    /// is looked up by `String` in a dictionary of the set ids. With a
    /// non-ASCII set id everything goes the general way.
    static func rows(ids: [String], sets: [(name: String, ids: [String])]) -> [[Int]] {
        guard let table = ByteTable(sets) else { return general(ids: ids, sets: sets) }
        var out = [[Int]](repeating: [], count: sets.count)
        var fallback: [String: [Int]]? = nil
        for (row, id) in ids.enumerated() {
            let hit = id.utf8.withContiguousStorageIfAvailable { table.lookup($0) } ?? .notASCII
            switch hit {
            case .found(let entry):
                for s in table.sets(entry) { out[s].append(row) }
            case .absent:
                break
            case .notASCII:
                if fallback == nil { fallback = setsByID(sets) }
                for s in fallback?[id] ?? [] { out[s].append(row) }
            }
        }
        return out
    }

    /// The general way: for each set, a `Set` of its ids and a filter over the rows.
    static func general(ids: [String], sets: [(name: String, ids: [String])]) -> [[Int]] {
        sets.map { s in
            let want = Set(s.ids)
            return ids.indices.filter { want.contains(ids[$0]) }
        }
    }

    /// Each distinct set id (by `String` equality) with the sets holding it, ascending.
    static func setsByID(_ sets: [(name: String, ids: [String])]) -> [String: [Int]] {
        var d: [String: [Int]] = [:]
        for (s, set) in sets.enumerated() {
            for id in set.ids where d[id]?.last != s { d[id, default: []].append(s) }
        }
        return d
    }

    enum Hit { case found(Int), absent, notASCII }

    /// The distinct ASCII set ids, their bytes back to back, in a table of
    /// 2^k slots (at least twice the ids) probed linearly from the hash.
    struct ByteTable {
        var bytes: [UInt8] = []
        /// Per distinct id: start in `bytes`, length, hash, and its sets
        /// (`setList[setStart[e] ..< setStart[e + 1]]` once built).
        var start: [Int] = [], length: [Int] = [], hashes: [UInt64] = []
        var setStart: [Int] = []
        var setList: [Int] = []
        /// Slot -> id number + 1 (0: empty).
        var slots: [Int32]
        let mask: Int

        init?(_ sets: [(name: String, ids: [String])]) {
            let total = sets.reduce(0) { $0 + $1.ids.count }
            var cap = 16
            while cap < 2 * total { cap *= 2 }
            slots = [Int32](repeating: 0, count: cap)
            mask = cap - 1
            var pairs: [(entry: Int, set: Int)] = []
            pairs.reserveCapacity(total)
            for (s, set) in sets.enumerated() {
                for id in set.ids {
                    var u = id
                    let e: Int? = u.withUTF8 { b -> Int? in ASCIIBytesHash.hash(b).ascii ? insert(b) : nil }
                    guard let e else { return nil }
                    pairs.append((e, s))
                }
            }
            // Sets per id, ascending and distinct (pairs come in set order).
            var count = [Int](repeating: 0, count: start.count + 1)
            var last = [Int](repeating: -1, count: start.count)
            for (e, s) in pairs where last[e] != s {
                last[e] = s
                count[e + 1] += 1
            }
            for e in 0..<start.count { count[e + 1] += count[e] }
            setStart = count
            setList = [Int](repeating: 0, count: count[start.count])
            var fill = Array(count.dropLast())
            last = [Int](repeating: -1, count: start.count)
            for (e, s) in pairs where last[e] != s {
                last[e] = s
                setList[fill[e]] = s
                fill[e] += 1
            }
        }

        func sets(_ e: Int) -> ArraySlice<Int> { setList[setStart[e]..<setStart[e + 1]] }

        @inline(__always) func equal(_ e: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
            if length[e] != b.count { return false }
            if b.count == 0 { return true }
            return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + start[e], b.baseAddress!, b.count) == 0 }
        }

        /// The id number of the bytes b (an ASCII id), adding it if new.
        mutating func insert(_ b: UnsafeBufferPointer<UInt8>) -> Int {
            let h = ASCIIBytesHash.hash(b).hash
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 {
                let e = Int(slots[slot]) - 1
                if hashes[e] == h && equal(e, b) { return e }
                slot = (slot + 1) & mask
            }
            let e = start.count
            start.append(bytes.count)
            length.append(b.count)
            hashes.append(h)
            bytes.append(contentsOf: b)
            slots[slot] = Int32(e + 1)
            return e
        }

        /// The id with a row id's bytes: found, absent (an ASCII row id no
        /// set holds), or notASCII (the caller decides by `String`).
        @inline(__always) func lookup(_ b: UnsafeBufferPointer<UInt8>) -> Hit {
            let (h, ascii) = ASCIIBytesHash.hash(b)
            if !ascii { return .notASCII }
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 {
                let e = Int(slots[slot]) - 1
                if hashes[e] == h && equal(e, b) { return .found(e) }
                slot = (slot + 1) & mask
            }
            return .absent
        }
    }
}
