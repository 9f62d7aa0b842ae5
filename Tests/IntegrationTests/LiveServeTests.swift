import AsyncHTTPClient
import CacheAdminAPI
import CacheAdminClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// `cachemon serve` as a real process on a free loopback port, driven over HTTP.
@Suite("cachemon serve, live", .serialized, .timeLimit(.minutes(2)))
struct LiveServeTests {
    func get(_ url: String) async throws -> (status: Int, cache: String?, body: String) {
        try await ServeProcess.fetch(url)
    }

    @Test("serve answers the demo API, and stats, keys, purge and events follow what happened")
    func endToEnd() async throws {
        let server = try await ServeProcess()
        let client = try AdminClient(url: server.url, token: server.token)

        let first = try await get(server.url + "/api/users/42/dashboard/summary")
        let second = try await get(server.url + "/api/users/42/dashboard/summary")
        #expect(first.status == 200 && first.cache == "MISS" && second.cache == "HIT" && first.body == second.body)
        let alerts = try await get(server.url + "/api/users/7/alerts")
        #expect(alerts.status == 200 && alerts.body == "[]")
        #expect(try await get(server.url + "/api/users/7/alerts").cache == "HIT", "an empty list is a hit")
        for page in 1...3 { _ = try await get(server.url + "/api/users/42/orders?page=\(page)") }
        let health = try await get(server.url + "/healthz")
        #expect(health.status == 200 && health.cache == nil)

        let snapshot = try await client.stats(StatsQuery(sort: .keys, limit: 10))
        #expect(snapshot.totals[.hits] == 2 && snapshot.totals.keys == 5 && snapshot.namespace == "api")
        #expect(snapshot.prefixes.first?.user == "42" && snapshot.prefixes.first?.keys == 4)
        let keys = try await client.keys(prefix: "api:{u:42}")
        #expect(keys.map(\.key).contains("GET /api/users/42/dashboard/summary"))

        let purge = try await client.purge(user: "42")
        #expect(purge.removedKeys == 4 && purge.prefix == "api:{u:42}")
        #expect(try await client.keys(prefix: "api:{u:42}").isEmpty)
        #expect(try await client.stats().totals.keys == 1, "user 7's entry is still there")
        let events = try await client.events(after: 0)
        #expect(events.events.contains { $0.kind == .purged && $0.user == "42" && $0.count == 4 })
        #expect(try await get(server.url + "/api/users/42/dashboard/summary").cache == "MISS")

        let write = try await HTTPClient.shared.execute(
            { () -> HTTPClientRequest in
                var request = HTTPClientRequest(url: server.url + "/api/users/7/orders")
                request.method = .POST
                request.body = .bytes(ByteBuffer(string: #"{"amount": 10}"#))
                return request
            }(), timeout: .seconds(10))
        _ = try await write.body.collect(upTo: 1024 * 1024)
        #expect(write.status.code == 201)
        #expect(try await client.keys(prefix: "api:{u:7}").isEmpty, "a write purges the user's entries")

        #expect(await server.stop() == 0, "SIGTERM shuts the server down cleanly")
    }

    @Test("cachemon verify exits 1 on a stale entry, 0 once purged; purge --reason names the CLI and the user")
    func verifyAndReason() async throws {
        let server = try await ServeProcess()
        let summary = server.url + "/api/users/9/dashboard/summary"
        _ = try await get(summary)
        let fresh = try await ServeProcess.run(["verify", server.url, "--token", server.token, "--user", "9"])
        #expect(fresh.status == 0, "\(fresh.output)")
        #expect(fresh.output.contains("1 fresh, 0 stale"))

        var rename = HTTPClientRequest(url: server.url + "/api/users/9/profile")
        rename.method = .PATCH
        let renamed = try await HTTPClient.shared.execute(rename, timeout: .seconds(10))
        _ = try await renamed.body.collect(upTo: 1 << 20)
        let stale = try await ServeProcess.run(["verify", server.url, "--token", server.token, "--user", "9"])
        #expect(stale.status == 1)
        #expect(stale.output.contains("STALE") && stale.output.contains("GET /api/users/9/dashboard/summary"))
        let json = try await ServeProcess.run(["verify", server.url, "--token", server.token, "--user", "9", "--json"])
        let report = try WireFormat.decoder().decode(VerifyReport.self, from: Data(json.output.utf8))
        #expect(report.results.map(\.state) == [.stale])

        let purged = try await ServeProcess.run(
            ["purge", server.url, "--token", server.token, "--user", "9", "--yes", "--reason", "profile renamed"],
            environment: ["USER": "alice"])
        #expect(purged.status == 0)
        let timeline = try await AdminClient(url: server.url, token: server.token).timeline(prefix: "api:{u:9}")
        let event = try #require(timeline.events.first { $0.kind == .purged })
        #expect(event.reason == "profile renamed")
        #expect(event.origin == "cli (alice)")
        let refused = try await ServeProcess.run(
            ["purge", server.url, "--token", server.token, "--user", "9", "--yes", "--reason", "two\nlines"])
        #expect(refused.status == 64 && refused.output.contains("control characters"))
        let bad = try await ServeProcess.run([
            "verify", server.url, "--token", server.token, "--user", "9", "--limit", "0",
        ])
        #expect(bad.status == 64)
        await server.stop()
    }

    @Test("the demo routes keep different times to live: alerts 30 s, orders 2 min, summary 5 min")
    func demoTimesToLive() async throws {
        let server = try await ServeProcess()
        let client = try AdminClient(url: server.url, token: server.token)
        for path in ["alerts", "orders?page=1", "dashboard/summary"] {
            _ = try await get(server.url + "/api/users/42/" + path)
        }
        let keys = try await client.keys(prefix: "api:{u:42}")
        func timeLeft(_ route: String) -> Double? {
            keys.first { $0.key == "GET /api/users/42/" + route }?.ttlLeftSeconds
        }
        // Each within the cache's ±10% jitter of its route's time to live.
        #expect((26...33).contains(try #require(timeLeft("alerts"))))
        #expect((106...132).contains(try #require(timeLeft("orders?page=1"))))
        #expect((268...330).contains(try #require(timeLeft("dashboard/summary"))))
        // What a newcomer sees in the first minute: the alerts entry is already expiring soon.
        let snapshot = try await client.stats(StatsQuery(filter: "42", focus: "api:{u:42}"))
        #expect(snapshot.prefixes.first { $0.user == "42" }?.expiringSoon == 1)
        await server.stop()
    }

    @Test("the summary says to the millisecond when its data was read, so a body from before a purge shows")
    func summaryComputedAtMilliseconds() async throws {
        let server = try await ServeProcess()
        let client = try AdminClient(url: server.url, token: server.token)
        let url = server.url + "/api/users/42/dashboard/summary"
        let requested = Self.milliseconds(Date())
        let first = try Self.computedAt(try await get(url).body)
        let purgeSent = Self.milliseconds(Date())
        _ = try await client.purge(user: "42")
        let afterPurge = try Self.computedAt(try await get(url).body)
        #expect(first >= requested, "computed after it was asked for, not rounded down to the second")
        #expect(afterPurge >= purgeSent, "the read after a purge is computed after the purge was sent")
        #expect(afterPurge > first, "two computations a few milliseconds apart carry different times")
        await server.stop()
    }

    /// `computedAt` of a summary body in Unix milliseconds; throws if it has no fractional seconds.
    static func computedAt(_ body: String) throws -> Int64 {
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let text = try #require(object?["computedAt"] as? String)
        try #require(text.firstMatch(of: /\.[0-9]{3}Z$/) != nil, "computedAt \(text) has milliseconds")
        let date = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
        // A whole number of milliseconds, give or take the binary fraction.
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    @Test("serve --traffic drives its own load over loopback")
    func traffic() async throws {
        let server = try await ServeProcess(extraArguments: ["--traffic", "200", "--users", "50"])
        let client = try AdminClient(url: server.url, token: server.token)
        var lookups: UInt64 = 0
        for _ in 0..<100 where lookups < 100 {
            try await Task.sleep(for: .milliseconds(100))
            let totals = try await client.stats().totals
            lookups = totals[.hits] + totals[.misses]
        }
        let snapshot = try await client.stats()
        #expect(lookups >= 100 && snapshot.totals[.hits] > 0 && snapshot.prefixCount > 1)
        await server.stop()
    }

    @Test("stats (also --instances), keys and purge commands print results and use the documented exit codes")
    func commands() async throws {
        let server = try await ServeProcess()
        _ = try await get(server.url + "/api/users/42/dashboard/summary")
        _ = try await get(server.url + "/api/users/4*/dashboard/summary")

        let stats = try await ServeProcess.run(["stats", server.url, "--token", server.token])
        #expect(stats.status == 0 && stats.output.contains("hit ratio") && stats.output.contains("42"))
        let json = try await ServeProcess.run(["stats", server.url, "--token", server.token, "--json"])
        let snapshot = try WireFormat.decoder().decode(StatsSnapshot.self, from: Data(json.output.utf8))
        #expect(json.status == 0 && snapshot.totals.keys == 2)
        let fleet = try await ServeProcess.run(["stats", server.url, "--token", server.token, "--instances"])
        #expect(fleet.status == 0)
        #expect(fleet.output.contains("1 instance, 1 alive"), "the memory store lists the one instance")
        let fleetJSON = try await ServeProcess.run(
            ["stats", server.url, "--token", server.token, "--instances", "--json"])
        let list = try WireFormat.decoder().decode(InstanceList.self, from: Data(fleetJSON.output.utf8))
        #expect(list.instances.map(\.id) == [snapshot.instance])
        #expect(list.instances.first?.url == server.url, "serve advertises the URL it listens on")

        let keys = try await ServeProcess.run(["keys", server.url, "--token", server.token, "--user", "4*"])
        #expect(keys.status == 0 && keys.output.contains("GET /api/users/4*/dashboard/summary"))
        #expect(keys.output.contains("api:{u:4%2A}: 1 entry\n"), "one entry, not \"1 entries\"")
        #expect(stats.output.contains("purges 0 (0 keys)"))

        let declined = try await ServeProcess.run(
            ["purge", server.url, "--token", server.token, "--user", "42"], input: "n\n")
        #expect(declined.status == 0 && declined.output.contains("Not purged"))
        #expect(declined.output.contains("It holds 1 key. [y/N]"), "one key, not \"1 keys\"")
        let purged = try await ServeProcess.run(["purge", server.url, "--token", server.token, "--user", "4*", "--yes"])
        #expect(purged.status == 0)
        #expect(purged.output.contains("purged api:{u:4%2A}: 1 key, "), "one key, not \"1 keys\"")
        #expect(try await AdminClient(url: server.url, token: server.token).stats().totals.keys == 1)

        let wrongToken = try await ServeProcess.run(["stats", server.url, "--token", "wrong"])
        #expect(wrongToken.status == 1 && wrongToken.output.contains("401"))
        let usage = try await ServeProcess.run(["stats", "not a url"])
        #expect(usage.status == 64)
        let bothTargets = try await ServeProcess.run(["purge", server.url, "--user", "1", "--prefix", "api:{u:1}"])
        #expect(bothTargets.status == 64)
        await server.stop()
        let down = try await ServeProcess.run(["stats", server.url, "--token", server.token, "--timeout", "2"])
        #expect(down.status == 2 && down.output.contains("cannot connect"))
    }

    @Test("serve --redis with no Redis there warns, serves uncached, and caches once Redis starts")
    func serveBeforeRedis() async throws {
        let port = try RedisServer.freePort()
        let server = try await ServeProcess(extraArguments: ["--redis", "redis://127.0.0.1:\(port)/0"], token: "b")
        #expect(server.process.output.contains("warning: cannot reach Redis at 127.0.0.1:\(port): Connection refused"))
        let page = "\(server.url)/api/users/7/alerts"
        #expect(try await ServeProcess.fetch(page).status == 200)
        #expect(try await ServeProcess.fetch(page).cache == "MISS", "nothing is cached without Redis")

        let redis = try await RedisServer(port: port)
        var cached = false
        for _ in 0..<100 where !cached {  // the circuit breaker retries after its cool-down (5 s)
            try await Task.sleep(for: .milliseconds(100))
            _ = try await ServeProcess.fetch(page)
            cached = try await ServeProcess.fetch(page).cache == "HIT"
        }
        #expect(cached, "caching starts by itself once Redis answers")
        #expect(await server.stop() == 0)
        _ = redis
    }
}
