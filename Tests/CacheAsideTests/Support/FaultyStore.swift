import CacheAside
import Synchronization
import TestSupport

/// A store (a ``MemoryStore`` unless told otherwise) whose operations can be made to fail, to test fail-open and the circuit breaker.
final class FaultyStore: CacheStore {
    struct Outage: Error, CustomStringConvertible {
        var description: String { "connection refused (injected)" }
    }

    let inner: any CacheStore
    private let failing = Atomic<Bool>(false)
    private let calls = Atomic<Int>(0)
    private let lookupGate = Mutex<Gate?>(nil)

    init(_ inner: any CacheStore) { self.inner = inner }

    /// Makes every lookup, store and purge throw (or stop throwing).
    func setFailing(_ value: Bool) { failing.store(value, ordering: .relaxed) }

    /// Makes every lookup wait at `gate` before it answers (or fails); `nil` to stop.
    func holdLookups(at gate: Gate?) { lookupGate.withLock { $0 = gate } }

    /// Lookups, stores and purges attempted, failed or not.
    var attempts: Int { calls.load(ordering: .relaxed) }

    private func attempt() throws {
        calls.add(1, ordering: .relaxed)
        if failing.load(ordering: .relaxed) { throw Outage() }
    }

    var backend: String { "faulty" }

    func lookup(_ key: CacheKey) async throws -> CacheLookup {
        if let gate = lookupGate.withLock({ $0 }) { await gate.wait() }
        try attempt()
        return try await inner.lookup(key)
    }

    func store(_ value: [UInt8], for key: CacheKey, ttl: Duration, generation: UInt64) async throws -> StoreOutcome {
        try attempt()
        return try await inner.store(value, for: key, ttl: ttl, generation: generation)
    }

    func purge(_ prefix: CachePrefix, reason: PurgeReason) async throws -> PurgeResult {
        try attempt()
        return try await inner.purge(prefix, reason: reason)
    }

    func statistics(_ query: StatsQuery) async throws -> StoreStatistics { try await inner.statistics(query) }

    func keys(in prefix: CachePrefix, limit: Int, offset: Int) async throws -> [KeyInfo]? {
        try await inner.keys(in: prefix, limit: limit, offset: offset)
    }

    func events(after: UInt64, limit: Int) async throws -> EventPage {
        try await inner.events(after: after, limit: limit)
    }

    func timeline(of prefix: CachePrefix, limit: Int) async throws -> [CacheEvent]? {
        try await inner.timeline(of: prefix, limit: limit)
    }

    func value(of key: CacheKey) async throws -> [UInt8]? {
        try attempt()
        return try await inner.value(of: key)
    }

    func recordVerification(of prefix: CachePrefix, route: String?, verified: Int, stale: Int, event: CacheEvent?) {
        inner.recordVerification(of: prefix, route: route, verified: verified, stale: stale, event: event)
    }

    func recordComputation(of key: CacheKey, nanoseconds: Int64) {
        inner.recordComputation(of: key, nanoseconds: nanoseconds)
    }

    func routes() async throws -> [RouteStats] { try await inner.routes() }

    func recordStoreError(_ message: String, prefix: CachePrefix?) { inner.recordStoreError(message, prefix: prefix) }

    func recordUncachedRequest(_ prefix: CachePrefix) { inner.recordUncachedRequest(prefix) }
}
