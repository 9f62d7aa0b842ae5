import CacheAdminAPI
import Foundation

/// What `cachemon attach` knows of the attached keys: every user's key by a 64-bit hash of its
/// name (24 bytes a key, so a million keys take tens of MB, not the names' hundreds), and figures
/// per user.
///
/// Keys are learnt from scans and keyspace notifications and forgotten when they expire, are
/// deleted, or a whole scan no longer finds them.
struct AttachIndex {
    /// One key: whose, how big, until when, and in which scan it was last seen.
    struct Entry {
        var user: UInt32
        var bytes: UInt32
        /// Tenths of a second since ``origin``; 0 for a key without a time to live.
        var expiresAt: UInt32
        var pass: UInt32
    }

    /// The figures of one user.
    struct UserFigures {
        var keys = 0
        var bytes = 0
        var counters = CounterValues()
        var lastPurgeAt: Date?
        var purges: UInt64 = 0
        /// Bytes and count of the keys whose size was measured (`MEMORY USAGE`), for estimating the rest.
        var measuredBytes = 0
        var measured = 0
    }

    /// Time zero of ``Entry/expiresAt``.
    let origin: Date
    private(set) var entries: [UInt64: Entry] = [:]
    private(set) var users: [String] = []
    private var ids: [String: UInt32] = [:]
    private(set) var figures: [UserFigures] = []
    private var measuredBytes = 0
    private var measured = 0

    init(origin: Date) {
        self.origin = origin
    }

    /// The hash a key is held by, of its bytes (`String`'s own hash treats canonically equivalent
    /// texts, `é` and `e` + U+0301, as one; Redis does not).
    static func hash(_ key: String) -> UInt64 {
        var hasher = Hasher()
        for byte in key.utf8 { hasher.combine(byte) }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// The number of `user`, given on first sight.
    mutating func id(of user: String) -> UInt32 {
        if let id = ids[user] { return id }
        let id = UInt32(users.count)
        users.append(user)
        ids[user] = id
        figures.append(UserFigures())
        return id
    }

    /// The number of `user` if it was ever seen.
    func existingID(of user: String) -> UInt32? { ids[user] }

    /// The time `now` in tenths of a second since ``origin`` (at least 1: 0 means "no time to live").
    func tick(_ now: Date) -> UInt32 {
        UInt32(clamping: max(1, Int((now.timeIntervalSince(origin) * 10).rounded(.down))))
    }

    /// Records `key` of `user`, seen now by scan `pass`.
    ///
    /// - Parameters:
    ///   - bytes: its measured size; `nil` estimates it from the user's measured keys (else all).
    ///   - ttlMilliseconds: its time to live left; `nil` or negative for none (`PTTL` says -1).
    /// - Returns: whether the key is new to the index.
    @discardableResult
    mutating func observe(
        _ hash: UInt64, user: String, bytes: Int?, ttlMilliseconds: Int64?, pass: UInt32, now: Date
    ) -> Bool {
        let id = id(of: user)
        let size: Int
        if let bytes {
            size = bytes
            figures[Int(id)].measuredBytes += bytes
            figures[Int(id)].measured += 1
            measuredBytes += bytes
            measured += 1
        } else if let known = entries[hash], known.user == id {
            size = Int(known.bytes)
        } else {
            size = estimatedBytes(of: id)
        }
        var expiresAt: UInt32 = 0
        if let ttl = ttlMilliseconds, ttl >= 0 {
            expiresAt = UInt32(clamping: Int(tick(now)) + Int((Double(ttl) / 100).rounded(.up)))
        }
        let entry = Entry(user: id, bytes: UInt32(clamping: size), expiresAt: expiresAt, pass: pass)
        let previous = entries.updateValue(entry, forKey: hash)
        if let previous { account(previous, sign: -1) }
        account(entry, sign: 1)
        return previous == nil
    }

    /// A key's size when it was not measured: the mean of the user's measured keys, else of all.
    func estimatedBytes(of id: UInt32) -> Int {
        let user = figures[Int(id)]
        if user.measured > 0 { return user.measuredBytes / user.measured }
        return measured > 0 ? measuredBytes / measured : 0
    }

    /// Forgets a key; its entry if it was held.
    @discardableResult
    mutating func remove(_ hash: UInt64) -> Entry? {
        guard let entry = entries.removeValue(forKey: hash) else { return nil }
        account(entry, sign: -1)
        return entry
    }

    /// Forgets every key not seen since scan `pass` began, and says whose they were and whether
    /// their time to live had run out (else they were deleted or evicted).
    mutating func endPass(_ pass: UInt32, now: Date) -> [(user: UInt32, count: Int, expired: Bool)] {
        let stale = entries.filter { $0.value.pass < pass }
        return forget(stale, now: now)
    }

    /// Forgets every key whose time to live has run out by `now`, counting them per user.
    mutating func sweepExpired(now: Date) -> [(user: UInt32, count: Int, expired: Bool)] {
        let tick = tick(now)
        let due = entries.filter { $0.value.expiresAt != 0 && $0.value.expiresAt <= tick }
        return forget(due, now: now)
    }

    private mutating func forget(
        _ gone: [UInt64: Entry], now: Date
    ) -> [(user: UInt32, count: Int, expired: Bool)] {
        // A key gone within a second of its deadline expired (Redis's clock and ours differ a little).
        let tick = tick(now) &+ 10
        var counts: [Int: Int] = [:]
        for (hash, entry) in gone {
            remove(hash)
            let expired = entry.expiresAt != 0 && entry.expiresAt <= tick
            counts[Int(entry.user) * 2 + (expired ? 1 : 0), default: 0] += 1
        }
        return counts.map { (UInt32($0.key / 2), $0.value, $0.key % 2 == 1) }.sorted { $0.user < $1.user }
    }

    /// Adds `amount` to a counter of `user`.
    mutating func count(_ counter: CacheCounter, of id: UInt32, by amount: UInt64 = 1) {
        figures[Int(id)].counters[counter] += amount
    }

    /// Records a purge of `user`.
    mutating func purged(_ id: UInt32, keys: Int, at time: Date) {
        figures[Int(id)].purges += 1
        figures[Int(id)].lastPurgeAt = time
        figures[Int(id)].counters[.purges] += 1
        figures[Int(id)].counters[.purgedKeys] += UInt64(keys)
    }

    /// How many keys of each user expire within `horizon` of `now`, indexed by user number.
    func expiringSoon(now: Date, horizon: TimeInterval) -> [Int] {
        var counts = [Int](repeating: 0, count: users.count)
        let limit = tick(now) &+ UInt32(clamping: Int(horizon * 10))
        for entry in entries.values where entry.expiresAt != 0 && entry.expiresAt <= limit {
            counts[Int(entry.user)] += 1
        }
        return counts
    }

    private mutating func account(_ entry: Entry, sign: Int) {
        figures[Int(entry.user)].keys += sign
        figures[Int(entry.user)].bytes += sign * Int(entry.bytes)
    }
}
