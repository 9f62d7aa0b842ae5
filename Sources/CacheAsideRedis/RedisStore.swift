import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

/// A cache store in Redis, shared by every instance of an API: one cache, one purge, one set of
/// figures.
///
/// ```swift
/// let store = RedisStore(url: try RedisURL("redis://127.0.0.1:6379/0"))
/// let cache = CacheAside(store: store, configuration: .init(namespace: "api"))
/// // Run `store` as a Service (for example in a Hummingbird application's services): it writes
/// // batched counters and events every second and sweeps expired entries.
/// ```
///
/// It keeps the semantics of ``MemoryStore``: every change to a prefix is one Lua script over the
/// keys of that prefix (see ``RedisKeys``), so writes are fenced by the prefix generation
/// atomically, and a purge moves the generation and unlinks the prefix's entries in one step,
/// without `KEYS` or `SCAN`. A hit is one round trip: hits and misses are counted in the instance
/// and written once per ``Configuration/flushInterval``.
///
/// What it promises under faults (the table in `docs/redis.md` says more):
/// - **Time is Redis's.** Deadlines, ages and generations come from `TIME` inside the scripts, so
///   instances whose clocks disagree still agree on what has expired.
/// - **A full Redis still purges.** Purge, sweep, reclaim and the hit path run when Redis is over
///   `maxmemory`; a store is refused whole, before it changes anything, and counted as
///   `setsRefusedForMemory`.
/// - **A Redis that went back in time serves nothing from before.** Each connection checks the
///   run id of the Redis it reached; a new process (a restart, possibly from an older snapshot, or
///   a promoted replica) moves the store epoch on, and every prefix written in an earlier epoch is
///   reset when next used, with a generation above any handed out before. With replicas, a purge
///   waits for ``Configuration/purgeReplicas`` of them to confirm it.
/// - **Nothing stays for ever.** Deadlines are recorded in the store script itself, and every key
///   carries a Redis expiry past its last deadline, so Redis frees what no instance sweeps.
/// - **The hit path is never queued behind background work:** flushes, sweeps, statistics and
///   admin calls use their own connections (``backgroundPool``).
///
/// Redis has no byte budget here: set `maxmemory` with `noeviction` (a full Redis then refuses
/// stores, which are counted and served around) rather than an eviction policy that would remove
/// index keys behind the store's back.
public final class RedisStore: CacheStore {
    public let configuration: Configuration
    /// The connections of the hit path: lookups and stores (per primary, on a cluster).
    public let pool: RedisClient
    /// The connections of everything else: flushes, sweeps, statistics, keys, events and purges.
    public let backgroundPool: RedisClient
    let clock: CacheClock
    /// With a test's clock: Redis's time when the store was made (learnt at the first connection).
    let testClockAnchor = NIOLockedValueBox<Int64?>(nil)
    /// When the store was made, in real time.
    let createdAt = ContinuousClock.now
    /// The key layout of each kind of server; ``names`` is the one of the server reached.
    let standaloneNames: RedisKeys
    let clusterNames: RedisKeys
    let pending = NIOLockedValueBox(PendingFigures())
    /// The epoch of each partition this instance knows; see ``RedisScripts/epoch``.
    let knownEpochs = NIOLockedValueBox([Int64](repeating: 0, count: RedisKeys.maximumPartitions))
    /// The highest purge count (`seq`) this instance has seen in each partition: lower in Redis
    /// means its data went back in time.
    let purgeHighWater = NIOLockedValueBox([Int64](repeating: 0, count: RedisKeys.maximumPartitions))
    /// The `run_id` of the server each node (address) was last fully checked on, so a new
    /// connection to the same server process only asks `INFO server`.
    let checkedServers = NIOLockedValueBox<[String: String]>([:])
    /// Whether this instance has checked the store's key layout once (see ``ready(_:)``).
    let layoutChecked = NIOLockedValueBox(false)
    /// The highest event number this instance has seen in Redis.
    let eventHighWater = NIOLockedValueBox<Int64>(0)
    /// The last statistics read from Redis and this instance's own counts at that moment. While Redis
    /// is down, statistics answer those figures plus the hits, misses and errors counted here since.
    let lastStatistics = NIOLockedValueBox<(statistics: StoreStatistics, countedHere: CounterValues)?>(nil)
    /// Where the next idle-prefix reclaim continues: a partition, and a rank in its `by:user`.
    let reclaimCursor = NIOLockedValueBox((partition: 0, rank: 0))
    /// Where the last statistics queries found their focused prefixes (see ``FocusHints``).
    let focusHints = NIOLockedValueBox(FocusHints())
    /// Copies of entries read from Redis, kept coherent by Redis's invalidations (see
    /// ``NearCache``); empty and unused when ``Configuration/nearCacheBytes`` is 0.
    let near: NearCache
    let nearTracking = NearTracking()
    /// Runs between a fill's read and its insertion into the near cache: a test's gate.
    let nearFillGate = NIOLockedValueBox<(@Sendable (CacheKey) async -> Void)?>(nil)
    /// The partition the next sweep starts at, so instances spread their sweeps.
    let sweepStart = NIOLockedValueBox(Int.random(in: 0..<RedisKeys.maximumPartitions))

    /// Creates a store; it connects when first used, so a Redis that is down at start-up is only
    /// a failing store (served around) until it comes up.
    ///
    /// - Parameters:
    ///   - url: `redis://[[user]:password@]host:port/db`, or `rediss://` for TLS.
    ///   - configuration: key names, connections, timeouts, TLS files, flush interval.
    ///   - clock: how long to wait between flushes. Deadlines and ages are Redis's time; with a
    ///     clock that is not real time (a test's), they are Redis's time when the store was made
    ///     plus how far that clock has been moved.
    public convenience init(
        url: RedisURL, configuration: Configuration = .init(), clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.init(url: url, configuration: configuration, clock: CacheClock(clock))
    }

    /// Creates a store with a wrapped clock, whose wall time may be set apart from the real one.
    public init(url: RedisURL, configuration: Configuration = .init(), clock: CacheClock) {
        self.configuration = configuration
        self.clock = clock
        self.near = NearCache(budget: configuration.nearCacheBytes)
        self.standaloneNames = RedisKeys(name: configuration.name, cluster: false)
        self.clusterNames = RedisKeys(
            name: configuration.name, cluster: true, partitions: configuration.clusterPartitions)
        let options = RedisConnection.Options(
            connectTimeout: Self.timeAmount(configuration.connectTimeout),
            commandTimeout: Self.timeAmount(configuration.commandTimeout),
            clientName: configuration.clientName, tls: configuration.tls)
        // Set once the clients exist: the check runs on every new connection, before it is used.
        let checkEpoch = NIOLockedValueBox<RedisClusterClient.NodeConnectHandler?>(nil)
        let onConnect: RedisClusterClient.NodeConnectHandler = { node, connection throws(RedisError) in
            try await checkEpoch.withLockedValue { $0 }?(node, connection)
        }
        self.pool = RedisClient(
            url: url, mode: configuration.mode, maximumConnections: configuration.maximumConnections,
            options: options, onConnect: onConnect)
        self.backgroundPool = RedisClient(
            url: url, mode: configuration.mode, maximumConnections: configuration.backgroundConnections,
            options: options, onConnect: onConnect)
        checkEpoch.withLockedValue { handler in
            handler = { [weak self] node, connection throws(RedisError) in
                guard let self else { return }
                try await self.refreshEpochs(on: node, connection)
            }
        }
    }

    deinit {
        nearTracking.cancel()
    }

    public var backend: String { "redis" }

    public func lookup(_ key: CacheKey) async throws -> CacheLookup {
        let prefix = key.prefix.rawValue
        let now = clock.now()
        if near.isEnabled, let value = near.hit(prefix, route: key.route, now: now) {
            pending.withLockedValue { pending in
                pending.count(prefix, at: now, hit: key.route, near: true)
                pending.routes[key.template, default: RouteFigures()].hits += 1
            }
            return .hit(value)
        }
        try await ready(.hit)
        startNearTracking()
        // Taken before the read is sent: an invalidation of the prefix after it voids the copy.
        let ticket = near.ticket(prefix)
        let sentAt = clock.now()
        let keys = names.scriptKeys(prefix)
        var answer = try await evaluate(
            RedisScripts.lookup, keys: keys, arguments: prefixArguments(prefix) + [ByteBuffer(string: key.route)],
            lane: .hit)
        if case .array(let parts) = answer, parts.first?.int == 3 {
            // Another instance moved the partition's epoch on first: learn it and look again.
            try await refreshEpochs(of: [names.partition(of: prefix)], lane: .hit)
            answer = try await evaluate(
                RedisScripts.lookup, keys: keys, arguments: prefixArguments(prefix) + [ByteBuffer(string: key.route)],
                lane: .hit)
        }
        guard case .array(let parts) = answer, parts.count >= 2, let kind = parts[0].int, kind != 3 else {
            throw RedisError.protocolError("lookup answered \(answer)")
        }
        if kind == 1, case .bulkString(let buffer) = parts[1] {
            let value = Array(buffer: buffer)
            if let ticket, parts.count > 2, let left = parts[2].int, left > 0 {
                if let gate = nearFillGate.withLockedValue({ $0 }) { await gate(key) }
                // Never past the entry's deadline in Redis: counted from before the read was sent.
                near.insert(prefix, route: key.route, value: value, deadline: sentAt + left * 1_000_000, ticket: ticket)
            }
            // `{1, value, ms left, generation}`: nobody had counted a hit of the entry yet.
            let firstHit = parts.count > 3 ? parts[3].string.flatMap(UInt64.init) : nil
            pending.withLockedValue { pending in
                let counted = pending.counts[prefix]?.entryHits[key.route] != nil
                pending.count(prefix, at: clock.now(), hit: key.route)
                pending.routes[key.template, default: RouteFigures()].hits += 1
                if let firstHit, !counted {
                    pending.emit(
                        event(.firstHit, prefix: key.prefix, key: key.route, generation: firstHit),
                        capacity: configuration.eventCapacity)
                }
            }
            return .hit(value)
        }
        guard let generation = parts[1].string.flatMap(UInt64.init) else {
            throw RedisError.protocolError("lookup answered \(answer)")
        }
        let expired = kind == 2 ? event(.expired, prefix: key.prefix, key: key.route) : nil
        pending.withLockedValue { pending in
            pending.count(prefix, at: clock.now(), miss: true)
            pending.routes[key.template, default: RouteFigures()].misses += 1
            if let expired { pending.emit(expired, capacity: configuration.eventCapacity) }
        }
        return .miss(generation: generation)
    }

    public func store(_ value: [UInt8], for key: CacheKey, ttl: Duration, generation: UInt64) async throws
        -> StoreOutcome
    {
        try await ready(.hit)
        guard value.count <= configuration.maximumValueBytes else { return .tooLarge }
        let ttlMilliseconds = ttl > .zero ? (CacheClock.nanoseconds(ttl) + 999_999) / 1_000_000 : 0
        let prefix = key.prefix.rawValue
        let answer: RESPValue
        do {
            answer = try await evaluate(
                RedisScripts.store, keys: names.scriptKeys(prefix),
                arguments: prefixArguments(prefix) + [
                    ByteBuffer(string: key.route), ByteBuffer(bytes: value),
                    Self.argument(min(ttlMilliseconds, Self.longestTTL)), ByteBuffer(string: String(generation)),
                    Self.argument(Self.milliseconds(configuration.idlePrefixRetention)),
                    Self.argument(Self.milliseconds(configuration.expiryBackstop)),
                    Self.argument(Self.milliseconds(configuration.expiringSoonHorizon)),
                    ByteBuffer(string: key.template),
                ], lane: .hit)
        } catch {
            guard case .server(let message) = error, message.hasPrefix("OOM") else { throw error }
            // Refused whole before it ran: nothing changed. Counted, not an error: a full cache is
            // a steady state, and the circuit breaker must not open for it.
            pending.withLockedValue { $0.count(prefix, at: clock.now(), refusedForMemory: true) }
            return .refusedForMemory
        }
        // The script lists the prefix in its partition's indexes itself.
        switch answer.int {
        case 1, 2:
            // A live entry replaced: its near copy here goes now; other instances are told by Redis.
            if answer.int == 2 { near.invalidate(prefix: prefix) }
            let stored = event(.stored, prefix: key.prefix, key: key.route, generation: generation)
            pending.withLockedValue { $0.emit(stored, capacity: configuration.eventCapacity) }
            return .stored
        case 0:
            let rejected = event(.staleSetRejected, prefix: key.prefix, key: key.route)
            pending.withLockedValue { $0.emit(rejected, capacity: configuration.eventCapacity) }
            return .rejectedStale
        case 3:
            // Computed under an epoch that has ended: never stored.
            try await refreshEpochs(of: [names.partition(of: prefix)], lane: .hit)
            return .rejectedStale
        default:
            throw RedisError.protocolError("store answered \(answer)")
        }
    }

    public func keys(in prefix: CachePrefix, limit: Int, offset: Int) async throws -> [KeyInfo]? {
        try await ready()
        let answer = try await evaluate(
            RedisScripts.keys, keys: names.scriptKeys(prefix.rawValue),
            arguments: prefixArguments(prefix.rawValue) + [Self.argument(Int64(offset)), Self.argument(Int64(limit))])
        if answer == .null { return nil }
        guard case .array(let parts) = answer, parts.count % 5 == 2,
            let generation = parts[0].string.flatMap(UInt64.init), let now = parts[1].int
        else { throw RedisError.protocolError("keys answered \(answer)") }
        return stride(from: 2, to: parts.count, by: 5).map { index in
            let deadline = parts[index + 1].int ?? now
            let storedAt = parts[index + 2].int ?? now
            return KeyInfo(
                key: parts[index].string ?? "", size: Int(parts[index + 4].int ?? 0),
                ageSeconds: Double(now - storedAt) / 1000, ttlLeftSeconds: Double(deadline - now) / 1000,
                hits: UInt64(clamping: parts[index + 3].int ?? 0), generation: generation)
        }
    }

    public func events(after: UInt64, limit: Int) async throws -> EventPage {
        let answer = try await evaluate(
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
        noteEvent(newest)
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
        pending.withLockedValue { pending in
            if let prefix {
                pending.count(prefix.rawValue, at: clock.now(), error: true)
            } else {
                pending.unattributedErrors += 1
                pending.countedHere[.errors] += 1
            }
            pending.emit(failure, capacity: configuration.eventCapacity)
        }
    }

    public func recordUncachedRequest(_ prefix: CachePrefix) {
        pending.withLockedValue { $0.count(prefix.rawValue, at: clock.now(), miss: true) }
    }

    /// Closes the connections; a later use opens new ones.
    public func close() async {
        await nearTracking.stop()
        near.dropAll(live: false)
        nearTracking.reopen()
        await pool.close()
        await backgroundPool.close()
    }

    /// What the near cache holds now and served since the store started; `nil` without one.
    public var nearCacheFigures: NearCacheFigures? {
        near.isEnabled ? near.figures(hits: nearHitsCounted) : nil
    }

    /// How long a purge waits for Redis's invalidation of its prefix to reach this instance.
    static let nearEchoWait = Duration.milliseconds(10)

    /// How many hits this instance served from its near cache since it started.
    public var nearHitsCounted: UInt64 { pending.withLockedValue { $0.countedHere[.nearHits] } }

    /// Makes every fill of the near cache wait in `gate` between its read from Redis and its
    /// insertion (`nil` removes it): for tests of the race with a purge.
    public func setNearFillGate(_ gate: (@Sendable (CacheKey) async -> Void)?) {
        nearFillGate.withLockedValue { $0 = gate }
    }

    // MARK: Helpers

    /// The first two arguments of every prefix script: the time and the known epoch of the
    /// prefix's partition.
    func prefixArguments(_ prefix: String) -> [ByteBuffer] {
        let partition = names.partition(of: prefix)
        return [timeArgument(), Self.argument(knownEpochs.withLockedValue { $0[partition] })]
    }

    /// The time a script should use: empty, meaning Redis's own (`TIME`), unless the store runs
    /// on a test's clock (see ``testClockMilliseconds()``).
    func timeArgument() -> ByteBuffer {
        testClockMilliseconds().map(Self.argument) ?? ByteBuffer()
    }

    /// With a clock that is not real time (a test's, moved by hand): Redis's time when the store
    /// was made plus how far that clock has moved since. `nil` with a real clock.
    func testClockMilliseconds() -> Int64? {
        guard !clock.isRealTime, let anchor = testClockAnchor.withLockedValue({ $0 }) else { return nil }
        return anchor + clock.now() / 1_000_000
    }

    /// How long a prefix's meta hash lives after its last use if no instance reclaims it.
    var metaLifetime: Int64 {
        Self.milliseconds(configuration.idlePrefixRetention) + Self.milliseconds(configuration.expiryBackstop)
    }

    /// A time to live beyond any a cache needs (about 30 years), so deadlines never overflow.
    static let longestTTL: Int64 = 1_000_000_000_000

    static func milliseconds(_ duration: Duration) -> Int64 { CacheClock.nanoseconds(duration) / 1_000_000 }

    /// The instance's wall time in Unix milliseconds: for event times only; deadlines are Redis's.
    func unixMilliseconds() -> Int64 {
        Int64((clock.date(at: clock.now()).timeIntervalSince1970 * 1000).rounded(.down))
    }

    func event(
        _ kind: CacheEvent.Kind, prefix: CachePrefix?, key: String? = nil, count: Int? = nil,
        duration: Double? = nil, message: String? = nil, generation: UInt64? = nil, reason: PurgeReason? = nil
    ) -> CacheEvent {
        CacheEvent(
            seq: 0, time: clock.date(at: clock.now()), kind: kind, prefix: prefix?.rawValue, user: prefix?.user,
            key: key, count: count, durationSeconds: duration, message: message, generation: generation,
            reason: reason)
    }

    static func argument(_ value: Int64) -> ByteBuffer { ByteBuffer(string: String(value)) }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(CacheClock.nanoseconds(duration))
    }
}

extension RedisStore {
    /// Why Redis cannot be used now (for a start-up check), or `nil` if it answers `PING`.
    public func unreachable() async -> String? { await startProblem()?.reason }

    /// Why Redis cannot be used now, or `nil` if it answers `PING`; `lasting` when waiting cannot
    /// help, as the URL is one Redis never accepts (a database other than 0 on a cluster node),
    /// so a server had better refuse to start than serve uncached for ever.
    public func startProblem() async -> (reason: String, lasting: Bool)? {
        do {
            let answer = try await pool.execute(RESPCommand("PING"), key: nil)
            return answer == .simpleString("PONG")
                ? nil : ("Redis at \(pool.url.host):\(pool.url.port) answered PING with \(answer)", false)
        } catch .cannotConnect(let host, let port, let reason) {
            return ("cannot reach Redis at \(host):\(port): \(reason)", false)
        } catch .databaseInCluster(let host, let port, let database) {
            return ("\(RedisError.databaseInCluster(host: host, port: port, database: database))", true)
        } catch {
            return ("cannot use Redis at \(pool.url.host):\(pool.url.port): \(error)", false)
        }
    }
}
