import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

/// A cache store in Redis, shared by every instance of an API: one cache, one purge, one set of
/// figures.
///
/// ```swift
/// let store = try RedisStore(url: RedisURL("redis://127.0.0.1:6379/0"))
/// let cache = CacheAside(store: store, configuration: .init(namespace: "api"))
/// // Run `store` as a Service (for example in a Hummingbird application's services): it writes
/// // batched counters and events every second and sweeps expired entries.
/// ```
///
/// It keeps the semantics of ``MemoryStore``: every change to a prefix is one Lua script over the
/// keys of that prefix (see ``RedisKeys``), so writes are fenced by the prefix generation
/// atomically, and a purge moves the generation and unlinks the prefix's entries in one step,
/// without `KEYS` or `SCAN`. A hit is one round trip: hits and misses are counted in the instance
/// and written once per ``Configuration/flushInterval``. Expired entries are never served; the
/// sweeper finds them through each prefix's deadline index and counts each expiration once, whichever
/// instance sweeps. Times are the instances' wall clocks, which should agree (NTP) to well within
/// the shortest time to live.
///
/// Redis has no byte budget here: set `maxmemory` with `noeviction` (a full Redis then fails
/// writes, which are counted and served around) rather than an eviction policy that would remove
/// index keys behind the store's back.
public final class RedisStore: CacheStore {
    public let configuration: Configuration
    /// The connections to Redis.
    public let pool: RedisConnectionPool
    let clock: CacheClock
    let names: RedisKeys
    let pending = NIOLockedValueBox(PendingFigures())
    /// The last statistics read from Redis and this instance's own counts at that moment. While Redis
    /// is down, statistics answer those figures plus the hits, misses and errors counted here since.
    let lastStatistics = NIOLockedValueBox<(statistics: StoreStatistics, countedHere: CounterValues)?>(nil)
    /// Where the next idle-prefix reclaim continues in `{name}:prefixes` (an `SSCAN` cursor).
    let reclaimCursor = NIOLockedValueBox("0")

    /// Creates a store; it connects when first used, so a Redis that is down at start-up is only
    /// a failing store (served around) until it comes up.
    ///
    /// - Parameters:
    ///   - url: `redis://[:password@]host:port/db`.
    ///   - configuration: key names, connections, timeouts, flush interval.
    ///   - clock: where time comes from; tests pass a clock they move by hand.
    public init(
        url: RedisURL, configuration: Configuration = .init(), clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.configuration = configuration
        self.pool = RedisConnectionPool(
            url: url, maximumConnections: configuration.maximumConnections,
            connectTimeout: Self.timeAmount(configuration.connectTimeout),
            commandTimeout: Self.timeAmount(configuration.commandTimeout))
        self.clock = CacheClock(clock)
        self.names = RedisKeys(name: configuration.name)
    }

    public var backend: String { "redis" }

    public func lookup(_ key: CacheKey) async throws -> CacheLookup {
        let now = unixMilliseconds()
        let prefix = key.prefix.rawValue
        let answer = try await pool.connection().evaluate(
            RedisScripts.lookup, keys: RedisKeys.prefixKeys(prefix),
            arguments: [ByteBuffer(string: key.route), Self.argument(now), Self.argument(now * 1000)])
        guard case .array(let parts) = answer, parts.count == 2, let kind = parts[0].int else {
            throw RedisError.protocolError("lookup answered \(answer)")
        }
        if kind == 1, case .bulkString(let value) = parts[1] {
            pending.withLockedValue { pending in
                pending.count(prefix, at: now, hit: key.route)
            }
            return .hit(Array(buffer: value))
        }
        guard let generation = parts[1].string.flatMap(UInt64.init) else {
            throw RedisError.protocolError("lookup answered \(answer)")
        }
        let expired = kind == 2 ? event(.expired, prefix: key.prefix, key: key.route) : nil
        pending.withLockedValue { pending in
            pending.count(prefix, at: now, miss: true)
            if let expired { pending.emit(expired, capacity: configuration.eventCapacity) }
        }
        return .miss(generation: generation)
    }

    public func store(_ value: [UInt8], for key: CacheKey, ttl: Duration, generation: UInt64) async throws
        -> StoreOutcome
    {
        guard value.count <= configuration.maximumValueBytes else { return .tooLarge }
        let now = unixMilliseconds()
        let ttlMilliseconds = (CacheClock.nanoseconds(ttl) + 999_999) / 1_000_000
        let deadline = now.addingReportingOverflow(ttlMilliseconds).overflow ? Int64.max / 2 : now + ttlMilliseconds
        let prefix = key.prefix.rawValue
        let answer = try await pool.connection().evaluate(
            RedisScripts.store, keys: RedisKeys.prefixKeys(prefix),
            arguments: [
                ByteBuffer(string: key.route), ByteBuffer(bytes: value), Self.argument(deadline), Self.argument(now),
                ByteBuffer(string: String(generation)),
            ])
        // Listed again in case it was forgotten as idle since the lookup: its counters must show.
        switch answer.int {
        case 1:
            pending.withLockedValue { pending in
                pending.seenPrefixes.insert(prefix)
                if ttl > .zero { pending.deadline(deadline, for: prefix) }
            }
            return .stored
        case 0:
            let rejected = event(.staleSetRejected, prefix: key.prefix, key: key.route)
            pending.withLockedValue { pending in
                pending.seenPrefixes.insert(prefix)
                pending.emit(rejected, capacity: configuration.eventCapacity)
            }
            return .rejectedStale
        default:
            throw RedisError.protocolError("store answered \(answer)")
        }
    }

    public func purge(_ prefix: CachePrefix) async throws -> PurgeResult {
        let started = ContinuousClock.now
        let now = unixMilliseconds()
        let answer = try await pool.connection().evaluate(
            RedisScripts.purge, keys: RedisKeys.prefixKeys(prefix.rawValue),
            arguments: [Self.argument(now), Self.argument(now * 1000)])
        guard case .array(let parts) = answer, parts.count == 3, let keys = parts[0].int, let bytes = parts[1].int,
            let generation = parts[2].int
        else { throw RedisError.protocolError("purge answered \(answer)") }
        let elapsed = started.duration(to: .now)
        let seconds = Double(CacheClock.nanoseconds(elapsed)) / 1e9
        register(prefix.rawValue)
        // The purge is done; its event is written now, or with the next flush if that fails.
        let purged = event(.purged, prefix: prefix, count: Int(keys), duration: seconds)
        do {
            _ = try await appendEvents([purged])
        } catch {
            pending.withLockedValue { $0.emit(purged, capacity: configuration.eventCapacity) }
        }
        return PurgeResult(
            prefix: prefix.rawValue, user: prefix.user, removedKeys: Int(keys), removedBytes: Int(bytes),
            generation: UInt64(clamping: generation), durationSeconds: seconds)
    }

    public func keys(in prefix: CachePrefix, limit: Int, offset: Int) async throws -> [KeyInfo]? {
        let now = unixMilliseconds()
        let raw = prefix.rawValue
        let answer = try await pool.connection().evaluate(
            RedisScripts.keys, keys: RedisKeys.prefixKeys(raw),
            arguments: [Self.argument(now), Self.argument(Int64(offset)), Self.argument(Int64(limit))])
        if answer == .null { return nil }
        guard case .array(let parts) = answer, let generation = parts.first?.string.flatMap(UInt64.init),
            parts.count % 5 == 1
        else { throw RedisError.protocolError("keys answered \(answer)") }
        return stride(from: 1, to: parts.count, by: 5).map { index in
            let deadline = parts[index + 1].int ?? now
            let storedAt = parts[index + 2].int ?? now
            return KeyInfo(
                key: parts[index].string ?? "", size: Int(parts[index + 4].int ?? 0),
                ageSeconds: Double(now - storedAt) / 1000, ttlLeftSeconds: Double(deadline - now) / 1000,
                hits: UInt64(clamping: parts[index + 3].int ?? 0), generation: generation)
        }
    }

    public func events(after: UInt64, limit: Int) async throws -> EventPage {
        let answer = try await pool.connection().evaluate(
            RedisScripts.readEvents, keys: [names.seq, names.events],
            arguments: [ByteBuffer(string: String(after)), Self.argument(Int64(limit))])
        guard case .array(let parts) = answer, parts.count >= 2, let newest = parts[0].int, let oldest = parts[1].int
        else { throw RedisError.protocolError("events answered \(answer)") }
        let lastSeq = UInt64(max(0, newest))
        guard after < lastSeq else {
            return EventPage(events: [], dropped: 0, lastSeq: min(after, lastSeq), newestSeq: lastSeq)
        }
        let oldestSeq = UInt64(max(1, oldest))
        let firstWanted = max(after + 1, oldestSeq)
        let dropped = after + 1 < oldestSeq ? oldestSeq - (after + 1) : 0
        let decoder = WireFormat.decoder()
        let events = try parts.dropFirst(2).enumerated().map { offset, part in
            guard case .bulkString(let buffer) = part else { throw RedisError.protocolError("event \(part)") }
            var event = try decoder.decode(CacheEvent.self, from: Data(buffer.readableBytesView))
            event.seq = firstWanted + UInt64(offset)
            return event
        }
        return EventPage(
            events: events, dropped: dropped, lastSeq: events.last?.seq ?? min(after, lastSeq), newestSeq: lastSeq)
    }

    public func recordStoreError(_ message: String, prefix: CachePrefix?) {
        let failure = event(.storeError, prefix: prefix, message: message)
        let now = unixMilliseconds()
        pending.withLockedValue { pending in
            if let prefix {
                pending.count(prefix.rawValue, at: now, error: true)
            } else {
                pending.unattributedErrors += 1
                pending.countedHere[.errors] += 1
            }
            pending.emit(failure, capacity: configuration.eventCapacity)
        }
    }

    public func recordUncachedRequest(_ prefix: CachePrefix) {
        let now = unixMilliseconds()
        pending.withLockedValue { $0.count(prefix.rawValue, at: now, miss: true) }
    }

    /// Closes the connections; a later use opens new ones.
    public func close() async { await pool.close() }

    // MARK: Helpers

    func unixMilliseconds() -> Int64 {
        Int64((clock.date(at: clock.now()).timeIntervalSince1970 * 1000).rounded(.down))
    }

    func event(
        _ kind: CacheEvent.Kind, prefix: CachePrefix?, key: String? = nil, count: Int? = nil,
        duration: Double? = nil, message: String? = nil
    ) -> CacheEvent {
        CacheEvent(
            seq: 0, time: clock.date(at: clock.now()), kind: kind, prefix: prefix?.rawValue, user: prefix?.user,
            key: key, count: count, durationSeconds: duration, message: message)
    }

    /// Notes a prefix for `{name}:prefixes`; every flush adds the prefixes it saw again, so a
    /// Redis that restarted empty relearns them.
    func register(_ prefix: String) {
        pending.withLockedValue { _ = $0.seenPrefixes.insert(prefix) }
    }

    static func argument(_ value: Int64) -> ByteBuffer { ByteBuffer(string: String(value)) }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(CacheClock.nanoseconds(duration))
    }
}

extension RedisStore {
    /// Why Redis cannot be used now (for a start-up check), or `nil` if it answers `PING`.
    public func unreachable() async -> String? {
        do {
            let answer = try await pool.execute(RESPCommand("PING"))
            return answer == .simpleString("PONG")
                ? nil : "Redis at \(pool.url.host):\(pool.url.port) answered PING with \(answer)"
        } catch .cannotConnect(let host, let port, let reason) {
            return "cannot reach Redis at \(host):\(port): \(reason)"
        } catch {
            return "cannot use Redis at \(pool.url.host):\(pool.url.port): \(error)"
        }
    }
}
