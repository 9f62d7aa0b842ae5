import CacheAdminAPI
import CacheAside
import Foundation
import RESP
import TestSupport
import Testing

@testable import CacheAttach

/// A private Redis (or cluster), a client to write keys as an application would, and an
/// ``AttachedCache`` running on it; stopped by `stop()`.
struct AttachFixture {
    static let pattern = "^:1:foobar_(?P<user>.+?)_(?P<key>/.*)$"

    let server: RedisServer?
    let cluster: RedisCluster?
    let client: RedisClient
    let cache: AttachedCache
    let running: Task<Void, Never>

    init(
        cluster useCluster: Bool = false, configure: (inout AttachedCache.Configuration) -> Void = { _ in }
    ) async throws {
        var configuration = AttachedCache.Configuration(scanShare: 1, rescanInterval: .seconds(3600))
        configure(&configuration)
        let url: String
        if useCluster {
            let cluster = try await RedisCluster(replicas: false)
            self.cluster = cluster
            self.server = nil
            url = cluster.url
        } else {
            let server = try await RedisServer()
            self.server = server
            self.cluster = nil
            url = server.url
        }
        client = RedisClient(url: try RedisURL(url))
        cache = AttachedCache(
            url: try RedisURL(url), pattern: try KeyPattern(Self.pattern), configuration: configuration)
        let cache = cache
        running = Task { try? await cache.run() }
    }

    /// Writes a django-redis key of `user` for `path`.
    func store(_ user: String, _ path: String, ttl: Int = 300_000, value: String = "cached body") async throws {
        let key = ":1:foobar_\(user)_\(path)"
        _ = try await client.execute(RESPCommand("SET", key, value, "PX", String(ttl)), key: key)
    }

    /// Every key in Redis that starts with `prefix`, read with SCAN on each primary.
    func redisKeys(startingWith prefix: String) async throws -> Set<String> {
        var found: Set<String> = []
        for nodeURL in try await cache.primaryURLs() {
            let connection = try await RedisConnection.connect(to: nodeURL)
            var cursor = "0"
            repeat {
                let reply = try await connection.execute(RESPCommand("SCAN", cursor, "COUNT", "1000"))
                guard case .array(let parts) = reply, case .array(let names) = parts[1] else { break }
                cursor = parts[0].string ?? "0"
                for name in names { if let key = name.string, key.hasPrefix(prefix) { found.insert(key) } }
            } while cursor != "0"
            await connection.close()
        }
        return found
    }

    /// The stats of every user, keyed by user, once `condition` holds of the snapshot (10 s at most).
    func stats(until condition: (StatsSnapshot) -> Bool) async throws -> StatsSnapshot {
        var last = try await cache.stats(StatsQuery(limit: 1000))
        for _ in 0..<200 where !condition(last) {
            try await Task.sleep(for: .milliseconds(50))
            last = try await cache.stats(StatsQuery(limit: 1000))
        }
        return last
    }

    func stop() async {
        running.cancel()
        _ = await running.value
        await client.close()
        await server?.kill()
        await cluster?.stop()
    }
}

extension StatsSnapshot {
    /// Keys per user, as listed.
    var keysByUser: [String: Int] {
        Dictionary(uniqueKeysWithValues: prefixes.compactMap { stats in stats.user.map { ($0, stats.keys) } })
    }
}

@Suite("Attached to a real Redis: users, purges, notifications, hit ratio", .serialized, .timeLimit(.minutes(2)))
struct AttachedCacheTests {
    /// Users whose names a glob or the recipe's `_` would confuse with `4`.
    static let neighbours = ["4", "40", "41", "4_b", "4*"]

    func fill(_ fixture: AttachFixture, keysEach: Int = 5) async throws {
        for user in Self.neighbours {
            for item in 0..<keysEach { try await fixture.store(user, "/api/users/\(user)/item/\(item)") }
        }
    }

    @Test("a scan finds every user's keys and counts keys the pattern does not match as other")
    func scan() async throws {
        let fixture = try await AttachFixture()
        defer { Task { await fixture.stop() } }
        try await fill(fixture)
        try await fixture.store("7", "/short", ttl: 20_000)
        for name in ["unrelated", ":2:foobar_4_/old-version", ":1:foobar_4_no-slash"] {
            _ = try await fixture.client.execute(RESPCommand("SET", name, "x"), key: name)
        }
        try await fixture.cache.scanOnce()
        let snapshot = try await fixture.stats { $0.attach?.passes ?? 0 >= 1 }
        var expected = Dictionary(uniqueKeysWithValues: Self.neighbours.map { ($0, 5) })
        expected["7"] = 1
        #expect(snapshot.keysByUser == expected)
        #expect(snapshot.attach?.otherKeys == 3)
        #expect(snapshot.attach?.redisKeys == 29)
        #expect(snapshot.totals.keys == 26)
        #expect(snapshot.totals.bytes > 26 * 10, "sizes come from MEMORY USAGE")
        #expect(snapshot.prefixes.first { $0.user == "7" }?.expiringSoon == 1)
        #expect(snapshot.prefixes.first { $0.user == "4" }?.prefix == "attach:{u:4}")
        // Keys of one user: never its neighbours'.
        let keys = try await fixture.cache.keys(in: fixture.cache.prefix(of: "4"), limit: 100, offset: 0)
        #expect(keys?.count == 5)
        #expect(keys?.allSatisfy { $0.key.hasPrefix(":1:foobar_4_/") && $0.ttlLeftSeconds > 200 } == true)
        #expect(try await fixture.cache.keys(in: fixture.cache.prefix(of: "nobody"), limit: 10, offset: 0) == nil)
    }

    @Test("a purge removes exactly one user's keys: 4 never touches 40, 41, 4_b or 4*, and 4* only 4*")
    func exactPurge() async throws {
        let fixture = try await AttachFixture { $0.allowPurge = true }
        defer { Task { await fixture.stop() } }
        try await fill(fixture, keysEach: 20)
        try await fixture.cache.scanOnce()
        let before = try await fixture.redisKeys(startingWith: ":1:foobar_")
        let result = try await fixture.cache.purge(user: "4", reason: "order created", origin: "test")
        #expect(result.removedKeys == 20)
        #expect(result.removedBytes > 0)
        var after = try await fixture.redisKeys(startingWith: ":1:foobar_")
        #expect(before.subtracting(after) == Set((0..<20).map { ":1:foobar_4_/api/users/4/item/\($0)" }))
        let star = try await fixture.cache.purge(user: "4*", reason: nil, origin: nil)
        #expect(star.removedKeys == 20)
        after = try await fixture.redisKeys(startingWith: ":1:foobar_")
        #expect(Set(after.map { fixture.cache.pattern.match($0)!.user }) == ["40", "41", "4_b"])
        let snapshot = try await fixture.stats { _ in true }
        #expect(snapshot.keysByUser["4"] == 0 || snapshot.keysByUser["4"] == nil)
        #expect(snapshot.keysByUser["40"] == 20)
        let four = snapshot.prefixes.first { $0.user == "4" }
        #expect(four?[.purges] == 1 && four?[.purgedKeys] == 20 && four?.lastPurgeAt != nil)
        let timeline = try await fixture.cache.timeline(of: fixture.cache.prefix(of: "4"), limit: 10)
        #expect(timeline?.first?.kind == .purged)
        #expect(timeline?.first?.reason == "order created" && timeline?.first?.origin == "test")
        #expect(timeline?.first?.count == 20)
    }

    @Test("read-only, a bad reason or the public prefix purge nothing and say why")
    func refusedPurges() async throws {
        let readOnly = try await AttachFixture()
        defer { Task { await readOnly.stop() } }
        try await fill(readOnly)
        let before = try await readOnly.redisKeys(startingWith: ":1:")
        await #expect(
            throws: CacheAsideError.notAllowed(
                "purging is disabled: cachemon attach is read-only unless started with --allow-purge")
        ) {
            try await readOnly.cache.purge(user: "4", reason: nil, origin: nil)
        }
        let allowed = AttachedCache(
            url: readOnly.cache.url, pattern: readOnly.cache.pattern, configuration: .init(allowPurge: true))
        await #expect(throws: CacheAsideError.self) {
            try await allowed.purge(user: "4", reason: "bad\u{7}reason", origin: nil)
        }
        await #expect(throws: CacheAsideError.self) {
            try await allowed.purge(user: nil, reason: nil, origin: nil)
        }
        #expect(try await readOnly.redisKeys(startingWith: ":1:") == before)
    }

    @Test("with notifications on, writes, deletes, expirations and key misses show without a new scan")
    func notifications() async throws {
        let fixture = try await AttachFixture { $0.enableNotifications = true }
        defer { Task { await fixture.stop() } }
        try await fill(fixture)
        try await fixture.cache.scanOnce()
        _ = try await fixture.stats { $0.attach?.notifications?.contains("E") == true }
        let flags = try await fixture.client.execute(RESPCommand("CONFIG", "GET", "notify-keyspace-events"), key: nil)
        guard case .array(let parts) = flags, parts.count == 2, let value = parts[1].string else {
            Issue.record("CONFIG GET answered \(flags)")
            return
        }
        #expect(value.contains("m") && value.contains("E"), "key misses are asked for: \(value)")

        try await fixture.store("8", "/api/users/8/summary")
        try await fixture.store("8", "/api/users/8/orders", ttl: 300)
        let key = ":1:foobar_40_/api/users/40/item/0"
        _ = try await fixture.client.execute(RESPCommand("DEL", key), key: key)
        let missing = ":1:foobar_8_/api/users/8/nothing"
        _ = try await fixture.client.execute(RESPCommand("GET", missing), key: missing)
        let snapshot = try await fixture.stats { snapshot in
            let eight = snapshot.prefixes.first { $0.user == "8" }
            return eight?[.expirations] == 1 && eight?[.misses] == 1 && snapshot.keysByUser["40"] == 4
        }
        let eight = snapshot.prefixes.first { $0.user == "8" }
        #expect(eight?.keys == 1)
        #expect(eight?[.sets] == 2)
        #expect(eight?[.expirations] == 1)
        #expect(eight?[.misses] == 1)
        #expect(snapshot.keysByUser["40"] == 4)
        let forty = try await fixture.cache.timeline(of: fixture.cache.prefix(of: "40"), limit: 10)
        #expect(
            forty?.first?.kind == .purged && forty?.first?.origin == "outside cachemon", "\(String(describing: forty))")
        let events = try await fixture.cache.events(after: 0, limit: 100).events
        #expect(events.contains { $0.kind == .expired && $0.user == "8" })
    }

    @Test("without notifications, a key deleted from outside goes at the next scan, and expired keys at their deadline")
    func withoutNotifications() async throws {
        let fixture = try await AttachFixture { $0.rescanInterval = .milliseconds(100) }
        defer { Task { await fixture.stop() } }
        try await fill(fixture)
        // Long enough to be indexed by a scan on a loaded machine, short enough to wait for.
        try await fixture.store("9", "/soon", ttl: 4000)
        try await fixture.cache.scanOnce()
        var snapshot = try await fixture.stats { $0.keysByUser["9"] == 1 && $0.keysByUser["41"] == 5 }
        try #require(snapshot.keysByUser["9"] == 1, "indexed before it expires")
        #expect(snapshot.attach?.notifications == nil)
        let key = ":1:foobar_41_/api/users/41/item/3"
        _ = try await fixture.client.execute(RESPCommand("DEL", key), key: key)
        snapshot = try await fixture.stats { snapshot in
            snapshot.keysByUser["41"] == 4 && snapshot.prefixes.first { $0.user == "9" }?[.expirations] == 1
        }
        #expect(snapshot.keysByUser["41"] == 4)
        #expect(snapshot.prefixes.first { $0.user == "9" }?[.expirations] == 1)
        let timeline = try await fixture.cache.timeline(of: fixture.cache.prefix(of: "41"), limit: 10)
        #expect(timeline?.first?.reason == "gone between two scans (deleted or evicted)")
    }

    @Test("the hit ratio is the server's hits and misses, without attach's own lookups")
    func hitRatio() async throws {
        let fixture = try await AttachFixture()
        defer { Task { await fixture.stop() } }
        try await fill(fixture)
        try await fixture.cache.scanOnce()
        // Let the INFO poll see the scan's lookups, then take the base.
        try await Task.sleep(for: .milliseconds(1200))
        let base = try await fixture.cache.stats(StatsQuery(limit: 1)).totals
        for item in 0..<10 {
            let key = ":1:foobar_40_/api/users/40/item/\(item % 5)"
            _ = try await fixture.client.execute(RESPCommand("GET", key), key: key)
        }
        for item in 0..<5 {
            let key = ":1:foobar_40_/nothing/\(item)"
            _ = try await fixture.client.execute(RESPCommand("GET", key), key: key)
        }
        let snapshot = try await fixture.stats {
            $0.totals[.hits] >= base[.hits] + 10 && $0.totals[.misses] >= base[.misses] + 5
        }
        #expect(snapshot.totals[.hits] - base[.hits] == 10)
        #expect(snapshot.totals[.misses] - base[.misses] == 5)
    }

    @Test("sampled reads give estimated hits per user, and say they are estimates")
    func sampledReads() async throws {
        let fixture = try await AttachFixture { $0.sampleReads = (.milliseconds(300), .milliseconds(600)) }
        defer { Task { await fixture.stop() } }
        try await fill(fixture)
        try await fixture.cache.scanOnce()
        var snapshot = try await fixture.stats { _ in true }
        #expect(snapshot.attach?.estimates.first?.hasPrefix("hits per user: estimated from 0.3 s of MONITOR") == true)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let key = ":1:foobar_41_/api/users/41/item/1"
            _ = try await fixture.client.execute(RESPCommand("GET", key), key: key)
            snapshot = try await fixture.cache.stats(StatsQuery(limit: 100))
            if (snapshot.prefixes.first { $0.user == "41" }?[.hits] ?? 0) > 0 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect((snapshot.prefixes.first { $0.user == "41" }?[.hits] ?? 0) > 0)
        #expect((snapshot.prefixes.first { $0.user == "40" }?[.hits] ?? 0) == 0)
    }

    @Test("on a Redis Cluster every primary is scanned, and a purge reaches the keys on each")
    func cluster() async throws {
        let fixture = try await AttachFixture(cluster: true) { $0.allowPurge = true }
        defer { Task { await fixture.stop() } }
        // Many users, so their keys land on every primary.
        let users = (0..<30).map { "u\($0)" } + Self.neighbours
        for user in users {
            for item in 0..<3 { try await fixture.store(user, "/api/users/\(user)/item/\(item)") }
        }
        try await fixture.cache.scanOnce()
        let snapshot = try await fixture.stats { _ in true }
        #expect(try await fixture.cache.primaryURLs().count == 3)
        #expect(snapshot.keysByUser == Dictionary(uniqueKeysWithValues: users.map { ($0, 3) }))
        #expect(snapshot.attach?.redisKeys == users.count * 3)
        let result = try await fixture.cache.purge(user: "4", reason: nil, origin: nil)
        #expect(result.removedKeys == 3)
        let left = try await fixture.redisKeys(startingWith: ":1:foobar_")
        #expect(left.count == users.count * 3 - 3)
        #expect(!left.contains { fixture.cache.pattern.match($0)?.user == "4" })
    }

    /// The smallest ACL rule attach needs, as docs/attach.md gives it, with `+unlink` for purges.
    static let aclRule =
        "on >s3cret resetkeys ~:1:foobar_* resetchannels &__keyevent@0__:* -@all +ping +select +client|setname +info "
        + "+dbsize +scan +pttl +memory|usage +cluster|shards +cluster|slots +psubscribe +config|get +unlink"

    @Test("over TLS, an ACL user with the documented rule scans, hears notifications and purges")
    func aclUserOverTLS() async throws {
        let certificates = try await TestCertificates.make()
        let port = try RedisServer.freePort()
        let server = try await RedisServer(
            port: 0,
            arguments: [
                "--tls-port", String(port), "--tls-cert-file", certificates.serverCertificate, "--tls-key-file",
                certificates.serverKey, "--tls-ca-cert-file", certificates.caFile, "--tls-auth-clients", "optional",
            ], readyPort: port)
        let tls = RedisTLS(caFile: certificates.caFile)
        let admin = try await RedisConnection.connect(
            to: RedisURL("rediss://127.0.0.1:\(port)"), options: .init(tls: tls))
        _ = try await admin.execute(
            RESPCommand(
                strings: ["ACL", "SETUSER", "cachemon-attach"] + Self.aclRule.split(separator: " ").map(String.init)))
        // The operator turns notifications on: the limited user may not.
        _ = try await admin.execute(RESPCommand("CONFIG", "SET", "notify-keyspace-events", "Eg$xem"))
        for user in Self.neighbours {
            _ = try await admin.execute(RESPCommand("SET", ":1:foobar_\(user)_/summary", "v", "PX", "300000"))
        }
        let cache = AttachedCache(
            url: try RedisURL("rediss://cachemon-attach:s3cret@127.0.0.1:\(port)"),
            pattern: try KeyPattern(AttachFixture.pattern),
            configuration: .init(
                allowPurge: true, scanShare: 1, rescanInterval: .seconds(3600), connection: .init(tls: tls)))
        let running = Task { try? await cache.run() }
        defer {
            running.cancel()
            Task {
                await admin.close()
                await server.kill()
            }
        }
        try await cache.scanOnce()
        var snapshot = try await cache.stats(StatsQuery(limit: 100))
        #expect(snapshot.keysByUser == Dictionary(uniqueKeysWithValues: Self.neighbours.map { ($0, 1) }))
        for _ in 0..<200 where snapshot.attach?.notifications == nil {
            try await Task.sleep(for: .milliseconds(50))
            snapshot = try await cache.stats(StatsQuery(limit: 100))
        }
        #expect(Set(snapshot.attach?.notifications ?? "") == Set("Eg$xem"))
        _ = try await admin.execute(RESPCommand("SET", ":1:foobar_4_/orders", "v", "PX", "300000"))
        for _ in 0..<200 where snapshot.keysByUser["4"] != 2 {
            try await Task.sleep(for: .milliseconds(50))
            snapshot = try await cache.stats(StatsQuery(limit: 100))
        }
        #expect(snapshot.keysByUser["4"] == 2, "the write was heard")
        #expect(try await cache.purge(user: "4", reason: nil, origin: nil).removedKeys == 2)
        #expect(try await admin.execute(RESPCommand("EXISTS", ":1:foobar_40_/summary")).int == 1)
        #expect(snapshot.totals[.errors] == 0)
    }

    @Test("a user without CONFIG GET is still heard; without UNLINK a purge fails and says why")
    func narrowerUser() async throws {
        let server = try await RedisServer()
        let admin = try await RedisConnection.connect(to: RedisURL(server.url))
        let rule = Self.aclRule.replacingOccurrences(of: " +config|get", with: "")
            .replacingOccurrences(of: " +unlink", with: "")
        _ = try await admin.execute(
            RESPCommand(strings: ["ACL", "SETUSER", "narrow"] + rule.split(separator: " ").map(String.init)))
        _ = try await admin.execute(RESPCommand("CONFIG", "SET", "notify-keyspace-events", "Eg$xe"))
        _ = try await admin.execute(RESPCommand("SET", ":1:foobar_4_/summary", "v"))
        let cache = AttachedCache(
            url: try RedisURL("redis://narrow:s3cret@127.0.0.1:\(server.port)"),
            pattern: try KeyPattern(AttachFixture.pattern),
            configuration: .init(allowPurge: true, scanShare: 1, rescanInterval: .seconds(3600)))
        let running = Task { try? await cache.run() }
        defer {
            running.cancel()
            Task {
                await admin.close()
                await server.kill()
            }
        }
        try await cache.scanOnce()
        var snapshot = try await cache.stats(StatsQuery(limit: 100))
        for _ in 0..<200 where snapshot.attach?.notifications == nil {
            try await Task.sleep(for: .milliseconds(50))
            snapshot = try await cache.stats(StatsQuery(limit: 100))
        }
        #expect(snapshot.attach?.notifications?.hasPrefix("unknown (CONFIG GET refused") == true)
        _ = try await admin.execute(RESPCommand("SET", ":1:foobar_4_/orders", "v"))
        for _ in 0..<200 where snapshot.keysByUser["4"] != 2 {
            try await Task.sleep(for: .milliseconds(50))
            snapshot = try await cache.stats(StatsQuery(limit: 100))
        }
        #expect(snapshot.keysByUser["4"] == 2, "subscribed although the flags are unknown")
        do {
            _ = try await cache.purge(user: "4", reason: nil, origin: nil)
            Issue.record("a purge without UNLINK rights succeeded")
        } catch {
            #expect(error.description.contains("NOPERM") && error.description.contains("after removing 0 keys"))
        }
        #expect(try await admin.execute(RESPCommand("EXISTS", ":1:foobar_4_/summary")).int == 1)
    }
}
