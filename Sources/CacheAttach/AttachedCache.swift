import CacheAdminAPI
import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP
import ServiceLifecycle

/// A Redis cache written by another application (Django with django-redis, for example), seen
/// through the admin API: figures per user from a paced `SCAN` and keyspace notifications, the
/// global hit ratio from `INFO stats`, and purges of exactly one user's keys.
///
/// ```swift
/// let cache = try AttachedCache(
///     url: RedisURL("redis://127.0.0.1:6379/0"),
///     pattern: KeyPattern("^:1:foobar_(?P<user>[^_]+)_(?P<key>.*)$"))
/// CacheAdminRoutes(source: cache, token: token).register(on: router)
/// try await ServiceGroup(services: [cache, application], logger: logger).run()
/// ```
///
/// It never sends `KEYS` or `FLUSH*`, never writes a key, and deletes only when purging is
/// allowed; on a Redis Cluster it scans each primary.
public final class AttachedCache: CacheAdministration, Service {
    /// How the cache is watched.
    public struct Configuration: Sendable {
        /// The namespace of the prefixes it answers with (`attach:{u:42}`).
        public var namespace: String
        /// Whether purges are allowed; read-only by default.
        public var allowPurge: Bool
        /// The largest share of Redis's time the background scan may take, 0 to 1: after each
        /// batch it waits so that the batch's round trip is at most this share of the elapsed time.
        public var scanShare: Double
        /// `SCAN … COUNT`: how many slots of the keyspace each batch looks at.
        public var scanCount: Int
        /// How long after a finished scan the next one starts.
        public var rescanInterval: Duration
        /// The most keys measured with `MEMORY USAGE` in one scan; the others' sizes are estimated
        /// from the measured keys of the same user.
        public var measuredKeysPerPass: Int
        /// Whether to turn on the keyspace notifications it needs (a server setting; they stay on).
        public var enableNotifications: Bool
        /// Per-user hits estimated from `MONITOR` for `duration` every `interval`; `nil` for none.
        public var sampleReads: (duration: Duration, interval: Duration)?
        /// Entries whose time to live ends within this are "expiring soon".
        public var expiringHorizon: Duration
        /// How the instance names itself in events and in `CLIENT LIST` (`-attach` is appended).
        public var instance: String
        /// Timeouts, TLS and how to talk to the server.
        public var connection: RedisConnection.Options
        /// Standalone, cluster, or decided by the server.
        public var mode: RedisClient.Mode

        public init(
            namespace: String = "attach", allowPurge: Bool = false, scanShare: Double = 0.1, scanCount: Int = 1000,
            rescanInterval: Duration = .seconds(60), measuredKeysPerPass: Int = 100_000,
            enableNotifications: Bool = false, sampleReads: (duration: Duration, interval: Duration)? = nil,
            expiringHorizon: Duration = .seconds(60), instance: String = "cachemon-attach",
            connection: RedisConnection.Options = .init(), mode: RedisClient.Mode = .automatic
        ) {
            self.namespace = namespace
            self.allowPurge = allowPurge
            self.scanShare = scanShare
            self.scanCount = scanCount
            self.rescanInterval = rescanInterval
            self.measuredKeysPerPass = measuredKeysPerPass
            self.enableNotifications = enableNotifications
            self.sampleReads = sampleReads
            self.expiringHorizon = expiringHorizon
            self.instance = instance
            self.connection = connection
            self.mode = mode
        }
    }

    public let url: RedisURL
    public let pattern: KeyPattern
    public let configuration: Configuration
    public var namespace: String { configuration.namespace }
    let client: RedisClient
    let started: Date
    let state: NIOLockedValueBox<State>
    let nodes: NodeConnections

    /// Everything learnt so far, behind one lock.
    struct State {
        let namespace: String
        var index: AttachIndex
        var timelines = PrefixTimelines(perPrefix: 100, total: 100_000)
        var ring = EventRing(capacity: 10_000)
        var status: AttachStatus
        /// `INFO stats` hits and misses when first read, and now, summed over the primaries.
        var redisBaseline: (hits: UInt64, misses: UInt64)?
        var redisNow: (hits: UInt64, misses: UInt64) = (0, 0)
        /// The server's hits and misses that were attach's own `PTTL`s since the baseline: taken
        /// off, so the hit ratio is the application's; `ownAtPoll` as they were at the last `INFO`.
        var own: (hits: UInt64, misses: UInt64) = (0, 0)
        var ownAtPoll: (hits: UInt64, misses: UInt64) = (0, 0)
        /// The application's hits and misses last reported: totals never go down.
        var reported: (hits: UInt64, misses: UInt64) = (0, 0)
        /// Keys whose own `PTTL` found nothing, by hash: the `keymiss` event each causes is not the
        /// application's miss.
        var ownMisses: [UInt64: Int] = [:]
        var pass: UInt32 = 1
        /// Whether key misses are heard from notifications (then misses per user are exact).
        var hearsMisses = false
        var storeErrors: UInt64 = 0
        /// Keys the scan under way returned that the pattern does not match: the other keys known
        /// before the first scan ends (after it, `DBSIZE` less the keys indexed).
        var unmatched = 0
        var expiring: (at: Date, counts: [Int])?
        /// Recently listed keys per user, so a keys view polled every second does not scan each time.
        var listed: [String: (at: Date, keys: [String])] = [:]
    }

    /// Creates the cache; it reads nothing until it runs (``run()``) or is asked.
    ///
    /// - Precondition: `configuration.namespace` holds only `A–Z a–z 0–9 _ . -`.
    public init(url: RedisURL, pattern: KeyPattern, configuration: Configuration = .init()) {
        precondition(
            CacheAside.Configuration.isValidNamespace(configuration.namespace),
            "the namespace must be non-empty and hold only A-Z a-z 0-9 _ . -")
        let started = Date()
        self.started = started
        self.url = url
        self.pattern = pattern
        var configuration = configuration
        // A scan a millisecond long, again and again, would still take 13 years to wrap the count.
        configuration.rescanInterval = max(configuration.rescanInterval, .milliseconds(100))
        self.configuration = configuration
        var options = configuration.connection
        options.clientName = options.clientName ?? "\(configuration.instance)-attach"
        self.client = RedisClient(url: url, mode: configuration.mode, maximumConnections: 2, options: options)
        self.nodes = NodeConnections(url: url, options: options)
        var described = "\(url.host):\(url.port)"
        if url.database != 0 { described += " db \(url.database)" }
        self.state = NIOLockedValueBox(
            State(
                namespace: configuration.namespace, index: AttachIndex(origin: started),
                status: AttachStatus(
                    redis: described, pattern: pattern.source, purgeAllowed: configuration.allowPurge)))
    }

    /// Runs until cancelled: the scans, the notifications, `INFO` every second, the sweep of
    /// expired keys and, if asked, the sampling of reads.
    ///
    /// As a `Service`, a graceful shutdown cancels them.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.scanForever() }
                group.addTask { await self.listenForever() }
                group.addTask { await self.pollForever() }
                if let sampling = self.configuration.sampleReads {
                    group.addTask {
                        await self.sampleForever(duration: sampling.duration, interval: sampling.interval)
                    }
                }
                await group.waitForAll()
            }
        }
        await nodes.closeAll()
        await client.close()
    }

    /// Why the server cannot be used, in words for people and without its password; `nil` when
    /// every primary answers `PING`.
    public func unreachable() async -> String? {
        do {
            for nodeURL in try await primaryURLs() {
                let answer = try await nodes.connection(to: nodeURL).send(RESPCommand("PING"))
                if let refusal = answer.errorMessage {
                    return "Redis at \(nodeURL.host):\(nodeURL.port) refused PING: \(refusal)"
                }
            }
            return nil
        } catch {
            return "cannot reach Redis at \(url.host):\(url.port): \(error)"
        }
    }

    /// The prefix the admin API names `user` by.
    public func prefix(of user: String) -> CachePrefix { CachePrefix(namespace: namespace, user: user) }

    /// The primaries' URLs: the attached URL itself, or each primary of a cluster.
    func primaryURLs() async throws(RedisError) -> [RedisURL] {
        let cluster = try await client.clusterMode()
        guard cluster else { return [url] }
        return try await client.primaries().map { node in
            var nodeURL = url
            nodeURL.host = node.host
            nodeURL.port = node.port
            nodeURL.database = 0
            return nodeURL
        }
    }

    /// Records a Redis failure: counted, and shown as a `storeError` event.
    func failed(_ error: any Error, doing what: String) {
        state.withLockedValue { state in
            state.storeErrors += 1
            state.ring.append { seq in
                CacheEvent(seq: seq, time: Date(), kind: .storeError, message: "\(what): \(error)")
            }
        }
    }

    /// Counts `count` own `PTTL`s as hits before they are sent: an `INFO` read meanwhile (on the
    /// same connection, after them) already counts them, so counting after the answers would show
    /// them, for a moment, as the application's; a moment too early only hides a few real hits.
    func expectOwn(_ count: Int) {
        state.withLockedValue { state in
            if state.redisBaseline != nil { state.own.hits += UInt64(count) }
        }
    }

    /// Corrects ``expectOwn(_:)`` with the answers: a `PTTL` that found nothing (-2) was a miss for
    /// the server, and raised a `keymiss` event that is not the application's miss; one that was
    /// refused was no lookup at all.
    static func countOwn(pttl answers: some Sequence<(hash: UInt64, answer: Int64?)>, in state: inout State) {
        for (hash, answer) in answers where answer == nil || answer == -2 {
            if state.own.hits > 0 { state.own.hits -= 1 }
            guard answer == -2 else { continue }
            state.ownMisses[hash, default: 0] += 1
            if state.redisBaseline != nil { state.own.misses += 1 }
        }
        // Events that never came (notifications off): forget them rather than grow.
        if state.ownMisses.count > 100_000 { state.ownMisses.removeAll() }
    }

    /// The application's hits and misses since attach started: the server's, less attach's own as
    /// they were when the server was asked; never less than reported before.
    static func applicationLookups(_ state: inout State) -> (hits: UInt64, misses: UInt64) {
        guard let base = state.redisBaseline else { return (0, 0) }
        let hits = state.redisNow.hits - base.hits
        let misses = state.redisNow.misses - base.misses
        let own = state.ownAtPoll
        state.reported.hits = max(state.reported.hits, hits > own.hits ? hits - own.hits : 0)
        state.reported.misses = max(state.reported.misses, misses > own.misses ? misses - own.misses : 0)
        return state.reported
    }

    /// One `SCAN … MATCH … COUNT` step on `connection`: the next cursor ("0" at the end) and the
    /// names returned that are UTF-8.
    static func scanStep(
        _ connection: RedisConnection, cursor: String, match: String, count: Int
    ) async throws -> (cursor: String, keys: [String]) {
        let reply = try await connection.execute(RESPCommand("SCAN", cursor, "MATCH", match, "COUNT", String(count)))
        guard case .array(let parts) = reply, parts.count == 2, let next = parts[0].string,
            case .array(let names) = parts[1]
        else { throw RedisError.protocolError("SCAN answered \(reply)") }
        return (next, names.compactMap(keyName))
    }

    /// Those of `keys` that are `user`'s: the pattern reads exactly that user, byte for byte (`4`
    /// is not `40`, and `é` is not `e` + U+0301).
    func keys(_ keys: [String], of user: String) -> [String] {
        keys.filter { pattern.match($0)?.user.utf8.elementsEqual(user.utf8) == true }
    }

    /// A key's name, `nil` when it is not UTF-8 (such keys are other, never a user's).
    static func keyName(_ value: RESPValue) -> String? {
        guard case .bulkString(let buffer) = value else { return value.string }
        return String(validating: buffer.readableBytesView, as: UTF8.self)
    }

    /// Adds an event to its prefix's timeline and, unless it is of a kind the ring leaves out
    /// (`stored`), to the ring.
    static func record(_ event: (UInt64) -> CacheEvent, in state: inout State) {
        let probe = event(0)
        guard probe.kind.isInRing else {
            state.timelines.append(probe)
            return
        }
        var made = probe
        state.ring.append { seq in
            made = event(seq)
            return made
        }
        state.timelines.append(made)
    }
}
