import CacheAside
import Foundation

/// What one instance has counted but not yet written to Redis: hits and misses of the hit path,
/// errors, events, the deadlines the sweeper must learn, and prefixes to register.
///
/// Taken whole by a flush; what a failed flush could not write is merged back, so a Redis outage
/// loses no counts, only delays them.
struct PendingFigures: Sendable {
    struct Counts: Sendable {
        /// Hits, misses and errors of the hit path; the scripts count everything else themselves.
        var counters = CounterValues()
        var entryHits: [String: UInt64] = [:]
        /// When the prefix was last used (Unix ms), for idle-prefix reclaim.
        var lastUsed: Int64 = 0

        mutating func add(_ other: Counts) {
            counters.add(other.counters)
            entryHits.merge(other.entryHits, uniquingKeysWith: +)
            lastUsed = max(lastUsed, other.lastUsed)
        }
    }

    var counts: [String: Counts] = [:]
    var unattributedErrors: UInt64 = 0
    /// Hits, misses and errors this instance ever counted, flushed or not; only ever grows. While
    /// Redis is down, the last statistics plus what this grew by since they were read is what the
    /// instance saw. A flush does not take it.
    var countedHere = CounterValues()
    /// Events without their sequence numbers, which the shared ring gives them.
    var events: [CacheEvent] = []
    /// The earliest new deadline of each prefix.
    var deadlines: [String: Int64] = [:]
    /// Prefixes to add to the store-wide list (those with counts are added anyway).
    var seenPrefixes: Set<String> = []

    var isEmpty: Bool {
        counts.isEmpty && unattributedErrors == 0 && events.isEmpty && deadlines.isEmpty && seenPrefixes.isEmpty
    }

    /// Counts a hit (of `route`), a miss or an error of `prefix` at `now`.
    mutating func count(
        _ prefix: String, at now: Int64, hit route: String? = nil, miss: Bool = false, error: Bool = false
    ) {
        func update(_ counts: inout Counts) {
            if let route { counts.entryHits[route, default: 0] += 1 }
            counts.counters.add(counted)
            counts.lastUsed = max(counts.lastUsed, now)
        }
        var counted = CounterValues()
        if route != nil { counted[.hits] = 1 }
        if miss { counted[.misses] = 1 }
        if error { counted[.errors] = 1 }
        update(&counts[prefix, default: Counts()])
        countedHere.add(counted)
    }

    /// What a flush takes: everything but ``countedHere``.
    mutating func take() -> PendingFigures {
        let taken = self
        self = PendingFigures()
        countedHere = taken.countedHere
        return taken
    }

    mutating func emit(_ event: CacheEvent, capacity: Int) {
        events.append(event)
        if events.count > capacity { events.removeFirst(events.count - capacity) }
    }

    mutating func deadline(_ deadline: Int64, for prefix: String) {
        deadlines[prefix] = min(deadlines[prefix] ?? .max, deadline)
    }

    /// Puts back what a failed flush took, ahead of anything counted since.
    mutating func restore(_ earlier: PendingFigures, capacity: Int) {
        for (prefix, counts) in earlier.counts { self.counts[prefix, default: Counts()].add(counts) }
        unattributedErrors += earlier.unattributedErrors
        events = Array((earlier.events + events).suffix(capacity))
        for (prefix, deadline) in earlier.deadlines { self.deadline(deadline, for: prefix) }
        seenPrefixes.formUnion(earlier.seenPrefixes)
    }
}
