import CacheAside
import CacheAsideRedis
import Foundation
import NIOCore
import RESP
import TestSupport
import Testing

/// A cache over a ``RedisStore`` on a given server, with a raw connection to look behind it.
struct RedisFixture: Sendable {
    let server: RedisServer
    let store: RedisStore
    let cache: CacheAside

    /// A store with generous timeouts (these tests are about what is served, not speed).
    init(
        _ server: RedisServer, url: String? = nil, configuration: RedisStore.Configuration = Self.configuration(),
        clock: CacheClock = CacheClock(ContinuousClock())
    ) throws {
        self.server = server
        store = RedisStore(url: try RedisURL(url ?? server.url), configuration: configuration, clock: clock)
        cache = CacheAside(
            store: store, configuration: .init(namespace: "api", defaultTTL: .seconds(300), ttlJitter: 0),
            clock: ContinuousClock())
    }

    /// The key of a prefix's values on a standalone Redis, which has one partition: every key
    /// starts with the hash tag of slot 0.
    static func valuesKey(_ prefix: String) -> String {
        "{" + HashSlot.tag(forSlot: 0) + "}" + prefix + "#v"
    }

    static func configuration(
        purgeReplicas: Int = 1, purgeReplicationTimeout: Duration = .seconds(1)
    ) -> RedisStore.Configuration {
        .init(
            connectTimeout: .seconds(10), commandTimeout: .seconds(10), purgeReplicas: purgeReplicas,
            purgeReplicationTimeout: purgeReplicationTimeout)
    }

    /// Reads `key` of `user`; the computation returns `value`. Returns the bytes and whether they
    /// were computed (a miss) rather than served from the cache.
    func read(_ key: String, user: String, value: String, ttl: Duration? = nil) async throws -> (
        value: String, computed: Bool
    ) {
        var computed = false
        let bytes = try await cache.cachedBytes(key: key, user: user, ttl: ttl) {
            computed = true
            return Array(value.utf8)
        }
        return (String(decoding: bytes, as: UTF8.self), computed)
    }

    /// Waits until the store answers again (after a restart), bounded.
    func waitUntilReachable() async throws {
        for _ in 0..<200 {
            if await store.unreachable() == nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RedisServer.Failure(description: "Redis did not answer again within 10 s")
    }

    func totals() async throws -> CacheTotals {
        try await store.flush()
        return try await cache.stats(StatsQuery()).totals
    }
}

/// A plain connection to a test's Redis, for setting it up and looking at what the store left.
struct RawRedis: Sendable {
    let connection: RedisConnection

    init(_ server: RedisServer, password: String? = nil) async throws {
        let url = password.map { "redis://:\($0)@127.0.0.1:\(server.port)" } ?? server.url
        connection = try await RedisConnection.connect(to: RedisURL(url), commandTimeout: .seconds(30))
    }

    @discardableResult
    func run(_ arguments: String...) async throws -> RESPValue {
        try await connection.send(RESPCommand(strings: arguments))
    }

    /// Every key in the database (tests' databases are small).
    func allKeys() async throws -> [String] {
        guard case .array(let keys) = try await run("KEYS", "*") else { return [] }
        return keys.compactMap(\.string)
    }

    /// Writes filler until Redis refuses a write for memory (bounded), then lowers `maxmemory` to
    /// half of what is used, so Redis stays over its limit whatever small writes follow: a full cache.
    func fill() async throws {
        let filler = String(repeating: "x", count: 8 * 1024)
        for index in 0..<10_000 {
            let answer = try await run("SET", "filler:\(index)", filler)
            guard answer.errorMessage?.hasPrefix("OOM") == true else { continue }
            let used = try #require(try await info("memory", "used_memory").flatMap { Int($0) })
            _ = try await run("CONFIG", "SET", "maxmemory", String(used / 2))
            return
        }
        throw RedisServer.Failure(description: "Redis never became full")
    }

    /// How many keys the database holds.
    func keyCount() async throws -> Int { Int(try await run("DBSIZE").int ?? -1) }

    /// The `INFO` field `name` of `section`.
    func info(_ section: String, _ name: String) async throws -> String? {
        let text = try await run("INFO", section).string ?? ""
        return text.split(whereSeparator: \.isNewline).first { $0.hasPrefix(name + ":") }.map {
            String($0.dropFirst(name.count + 1))
        }
    }

    func close() async { await connection.close() }
}
