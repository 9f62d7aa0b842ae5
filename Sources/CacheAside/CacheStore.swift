/// Where cached values live. ``MemoryStore`` is the embedded default; a Redis store shares one cache
/// between many instances.
///
/// Every store keeps the semantics of the design: a hit returns the stored bytes unchanged (an empty
/// value is a hit like any other), writes are fenced by the prefix generation, a purge is
/// proportional to the prefix's entries, expired entries are never served, and every operation is
/// counted per prefix and in total. ``CacheAside`` adds single-flight, time-to-live jitter and
/// fail-open on top.
public protocol CacheStore: Sendable {
    /// A short name shown by the monitor, such as `memory` or `redis`.
    var backend: String { get }

    /// Looks a key up, counting a hit or a miss; a miss carries the generation a computation must
    /// present when it stores its result.
    func lookup(_ key: CacheKey) async throws -> CacheLookup

    /// Stores `value` under `key` for `ttl` if the key's prefix is still in `generation`;
    /// otherwise drops it and counts a rejected stale write.
    func store(_ value: [UInt8], for key: CacheKey, ttl: Duration, generation: UInt64) async throws -> StoreOutcome

    /// Moves the prefix to a new generation and removes its entries; its `purged` event carries
    /// `reason`.
    func purge(_ prefix: CachePrefix, reason: PurgeReason) async throws -> PurgeResult

    /// Totals and one page of prefixes, sorted, filtered and paged by the store.
    func statistics(_ query: StatsQuery) async throws -> StoreStatistics

    /// The live entries of a prefix, ordered by route key; `nil` if the store has never seen the prefix.
    func keys(in prefix: CachePrefix, limit: Int, offset: Int) async throws -> [KeyInfo]?

    /// Events after sequence number `after`, oldest first.
    func events(after: UInt64, limit: Int) async throws -> EventPage

    /// Up to `limit` of the latest events of `prefix` (stored, first hit, purged with its reason,
    /// expired, evicted, rejected stale writes, errors), newest first; `nil` if the store knows
    /// nothing of the prefix.
    func timeline(of prefix: CachePrefix, limit: Int) async throws -> [CacheEvent]?

    /// The stored value of `key`, without counting a lookup (for verification); `nil` if there is
    /// no live entry.
    func value(of key: CacheKey) async throws -> [UInt8]?

    /// Counts `verified` entries of `prefix` (of the route template `route`, if known) compared
    /// with a fresh computation, `stale` of them found stale, and records `event` (a `verified` or
    /// `staleHit` event) if given; it must not fail itself.
    func recordVerification(of prefix: CachePrefix, route: String?, verified: Int, stale: Int, event: CacheEvent?)

    /// Counts one computation of `key` (a miss that ran its route) that took `nanoseconds`, under
    /// its template; it must not fail itself.
    func recordComputation(of key: CacheKey, nanoseconds: Int64)

    /// The figures of every route template counted (hits, misses, computations, entries held,
    /// verifications), in no particular order.
    func routes() async throws -> [RouteStats]

    /// Counts a failed store operation and records a `storeError` event; it must not fail itself.
    func recordStoreError(_ message: String, prefix: CachePrefix?)

    /// Counts a request served uncached, without touching the store, because the store is failing.
    func recordUncachedRequest(_ prefix: CachePrefix)

    /// Records an instance's heartbeat, so ``instances()`` lists it as alive for the heartbeat's time
    /// to live. A store shared by a fleet (Redis) lists every instance; the default keeps nothing.
    func publishHeartbeat(_ heartbeat: InstanceHeartbeat) async throws

    /// The instances whose heartbeats the store holds, ordered by id: alive while their last
    /// heartbeat is within its time to live, then dead (with their last figures) until ten times that.
    func instances() async throws -> [InstanceInfo]

    /// What this instance's near cache holds, if the store keeps one (none by default).
    var nearCacheFigures: NearCacheFigures? { get }
}
