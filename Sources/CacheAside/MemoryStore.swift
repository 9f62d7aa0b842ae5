import NIOConcurrencyHelpers

/// The embedded cache store: a byte-bounded, least-recently-used map in this process.
///
/// ```swift
/// let store = MemoryStore(configuration: .init(maxBytes: 256 * 1024 * 1024))
/// let cache = CacheAside(store: store, configuration: .init(namespace: "api"))
/// ```
///
/// Run it as a `Service` (for example in a Hummingbird application's services) so its sweeper
/// removes expired entries and counts them; without the sweeper, expired entries are still never
/// served, they are just removed when next looked up.
public final class MemoryStore: CacheStore {
    /// Bytes counted for each entry on top of its key and value: slot, index, recency links and
    /// expiry items. `make bench` measures about 135 resident bytes at a million entries; the
    /// budget counts a little more so a store never exceeds it.
    public static let entryOverhead = 160

    public let configuration: Configuration
    let clock: CacheClock
    let state: NIOLockedValueBox<MemoryStorage>
    /// The heartbeats of the instances using this store (see ``instances()``).
    let instanceRegistry = InstanceRegistry()

    /// Creates an empty store.
    ///
    /// - Parameters:
    ///   - configuration: the byte budget, expiry horizon, sweep interval and event ring size.
    ///   - clock: where time comes from; tests pass a clock they move by hand.
    public init(configuration: Configuration = .init(), clock: some Clock<Duration> = ContinuousClock()) {
        self.configuration = configuration
        self.clock = CacheClock(clock)
        self.state = NIOLockedValueBox(MemoryStorage(configuration: configuration))
    }

    public var backend: String { "memory" }

    public func lookup(_ key: CacheKey) -> CacheLookup {
        let now = clock.now()
        return state.withLockedValue { $0.lookup(key, now: now, clock: clock) }
    }

    public func store(_ value: [UInt8], for key: CacheKey, ttl: Duration, generation: UInt64) -> StoreOutcome {
        let now = clock.now()
        let nanoseconds = CacheClock.nanoseconds(ttl)
        return state.withLockedValue {
            $0.store(value, for: key, ttl: nanoseconds, generation: generation, now: now, clock: clock)
        }
    }

    public func purge(_ prefix: CachePrefix, reason: PurgeReason) -> PurgeResult {
        let now = clock.now()
        return state.withLockedValue { $0.purge(prefix, reason: reason, now: now, clock: clock) }
    }

    public func statistics(_ query: StatsQuery) -> StoreStatistics {
        let now = clock.now()
        return state.withLockedValue { $0.statistics(query, now: now, clock: clock) }
    }

    public func keys(in prefix: CachePrefix, limit: Int, offset: Int) -> [KeyInfo]? {
        let now = clock.now()
        return state.withLockedValue { $0.keys(in: prefix, limit: limit, offset: offset, now: now) }
    }

    public func events(after: UInt64, limit: Int) -> EventPage {
        state.withLockedValue { $0.events.page(after: after, limit: limit) }
    }

    public func timeline(of prefix: CachePrefix, limit: Int) -> [CacheEvent]? {
        state.withLockedValue { storage in
            storage.timelines.events(of: prefix.rawValue, limit: limit)
                ?? (storage.prefixIndex[prefix.rawValue] == nil ? nil : [])
        }
    }

    public func value(of key: CacheKey) -> [UInt8]? {
        let now = clock.now()
        return state.withLockedValue { storage in
            guard let record = storage.prefixIndex[key.prefix.rawValue],
                let slot = storage.records[Int(record)].entries[key.route], storage.slots[Int(slot)].expiresAt > now
            else { return nil }
            return storage.slots[Int(slot)].value
        }
    }

    public func recordVerification(
        of prefix: CachePrefix, route: String?, verified: Int, stale: Int, event: CacheEvent?
    ) {
        let now = clock.now()
        state.withLockedValue {
            $0.recordVerification(of: prefix, route: route, verified: verified, stale: stale, event: event, now: now)
        }
    }

    public func recordComputation(of key: CacheKey, nanoseconds: Int64) {
        state.withLockedValue {
            $0.routeFigures[key.template, default: RouteFigures()].countComputation(nanoseconds: nanoseconds)
        }
    }

    public func routes() -> [RouteStats] {
        state.withLockedValue { storage in storage.routeFigures.map { $0.value.stats(route: $0.key) } }
    }

    public func recordStoreError(_ message: String, prefix: CachePrefix?) {
        let now = clock.now()
        state.withLockedValue { $0.recordStoreError(message, prefix: prefix, now: now, clock: clock) }
    }

    public func recordUncachedRequest(_ prefix: CachePrefix) {
        let now = clock.now()
        state.withLockedValue { $0.recordUncachedRequest(prefix, now: now) }
    }

    /// Removes expired entries, counts entries entering the expiring-soon horizon, forgets
    /// prefixes that hold nothing and have been idle for ``Configuration/idlePrefixRetention``, and
    /// brings the sorted views of the statistics up to date.
    ///
    /// The sweeper calls it every ``Configuration/sweepInterval``; it works in batches of
    /// ``Configuration/sweepBatchSize`` and releases the lock between them.
    public func sweep() {
        let now = clock.now()
        let batch = configuration.sweepBatchSize
        var more = true
        while more {
            more = state.withLockedValue { $0.sweep(now: now, budget: batch, clock: clock) }
        }
        state.withLockedValue { $0.reclaimIdlePrefixes(now: now, budget: batch) }
        state.withLockedValue { $0.maintainIndexes(now: now) }
    }
}
