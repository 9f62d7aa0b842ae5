import CacheAside
import Foundation

/// What one instance has counted but not yet written to Redis: hits and misses of the hit path,
/// errors, stores refused for memory and events.
///
/// Taken whole by a flush; what a failed flush could not write is merged back, so a Redis outage
/// loses no counts, only delays them.
struct PendingFigures: Sendable {
    struct Counts: Sendable {
        /// Hits, misses, errors and stores refused for memory; the scripts count everything else themselves.
        var counters = CounterValues()
        var entryHits: [String: UInt64] = [:]
        /// When the prefix was last used, on the store's monotonic clock (ns): a flush sends how
        /// long ago that was, so instance clocks never decide when a prefix is idle.
        var lastUsed: Int64 = .min

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
    /// Events for their prefixes' timelines (every event of a prefix, including the ones the ring
    /// does not carry).
    var timeline: [CacheEvent] = []
    /// Counters per route template (entries held are the scripts' to count).
    var routes: [String: RouteFigures] = [:]

    var isEmpty: Bool {
        counts.isEmpty && unattributedErrors == 0 && events.isEmpty && timeline.isEmpty && routes.isEmpty
    }

    /// Counts a hit (of `route`, from the near cache if `near`), a miss, an error or a store refused for memory of `prefix` at
    /// `now` (the store's monotonic clock).
    mutating func count(
        _ prefix: String, at now: Int64, hit route: String? = nil, near: Bool = false, miss: Bool = false,
        error: Bool = false, refusedForMemory: Bool = false
    ) {
        func update(_ counts: inout Counts) {
            if let route { counts.entryHits[route, default: 0] += 1 }
            counts.lastUsed = max(counts.lastUsed, now)
            counts.counters.add(counted)
        }
        var counted = CounterValues()
        if route != nil { counted[.hits] = 1 }
        if near { counted[.nearHits] = 1 }
        if miss { counted[.misses] = 1 }
        if error { counted[.errors] = 1 }
        if refusedForMemory { counted[.setsRefusedForMemory] = 1 }
        update(&counts[prefix, default: Counts()])
        countedHere.add(counted)
    }

    /// Adds counters of `prefix` counted at `now` (verifications).
    mutating func add(_ counted: CounterValues, to prefix: String, at now: Int64) {
        counts[prefix, default: Counts()].counters.add(counted)
        counts[prefix, default: Counts()].lastUsed = max(counts[prefix]?.lastUsed ?? .min, now)
        countedHere.add(counted)
    }

    /// What a flush takes: everything but ``countedHere``.
    mutating func take() -> PendingFigures {
        let taken = self
        self = PendingFigures()
        countedHere = taken.countedHere
        return taken
    }

    /// Batches an event for the ring (if it goes there, and unless `ring` is false: it is there
    /// already) and for its prefix's timeline (unless `timeline` is false); at most
    /// `capacity` of each wait, the oldest go first.
    mutating func emit(_ event: CacheEvent, capacity: Int, ring: Bool = true, timeline timelined: Bool = true) {
        if ring, event.kind.isInRing {
            events.append(event)
            if events.count > capacity { events.removeFirst(events.count - capacity) }
        }
        if timelined, event.prefix != nil {
            timeline.append(event)
            // Trimmed by a quarter at a time: a burst of stores pays for one move, not one each.
            if timeline.count > capacity + capacity / 4 { timeline.removeFirst(timeline.count - capacity) }
        }
    }

    /// Takes the timeline events of `prefix` that wait, oldest first.
    mutating func takeTimeline(of prefix: String) -> [CacheEvent] {
        let taken = timeline.filter { $0.prefix == prefix }
        if !taken.isEmpty { timeline.removeAll { $0.prefix == prefix } }
        return taken
    }

    /// Puts back what a failed flush took, ahead of anything counted since.
    mutating func restore(_ earlier: PendingFigures, capacity: Int) {
        for (prefix, counts) in earlier.counts { self.counts[prefix, default: Counts()].add(counts) }
        unattributedErrors += earlier.unattributedErrors
        events = Array((earlier.events + events).suffix(capacity))
        timeline = Array((earlier.timeline + timeline).suffix(capacity))
        for (route, figures) in earlier.routes { routes[route, default: RouteFigures()].add(figures) }
    }
}
