import AsyncHTTPClient
import CacheAdminAPI
import CacheAdminClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// The monitor in a real terminal (tmux, 120x40), driven by keystrokes as a person would.
@Suite("cachemon in a terminal", .serialized, .timeLimit(.minutes(2)))
struct MonitorEndToEndTests {
    func binary() throws -> String { try ServeProcess.binary().path }

    /// The user ids in the prefix table of a captured screen.
    static func tableRows(_ screen: String) -> [String] {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("  USER") }) else { return [] }
        return lines[(header + 1)...].prefix { !$0.hasPrefix("─") }.compactMap { line in
            line.dropFirst(2).split(separator: " ").first.map(String.init)
        }
    }

    func url(in screen: String) throws -> String {
        guard let match = screen.firstMatch(of: /http:\/\/127\.0\.0\.1:\d+/) else {
            throw TmuxSession.Failure(description: "no URL in the header:\n\(screen)")
        }
        return String(match.0)
    }

    @Test("demo: find user 42, look at its keys, purge it, see the result; q restores the terminal")
    func demoPurge() async throws {
        let session = try await TmuxSession(command: "\(try binary()) demo --token e2e --traffic 50")
        let live = try await session.waitFor("the live header") { $0.contains("● live") && $0.contains("req/s") }
        let base = try url(in: live)
        let client = try AdminClient(url: base, token: "e2e")
        // Make sure user 42 has something cached, whatever the random traffic did.
        for path in ["dashboard/summary", "orders?page=1", "alerts"] {
            _ = try await ServeProcess.fetch("\(base)/api/users/42/\(path)")
        }

        try await session.send("/", "4", "2", "Enter")
        // Every row on screen, once the filtered page has arrived, is a user whose id contains 42.
        try await session.waitFor("only users containing 42") { screen in
            let rows = Self.tableRows(screen)
            return screen.contains("filter \"42\"") && !rows.isEmpty && rows.allSatisfy { $0.contains("42") }
        }

        try await session.send("g", "4", "2", "Enter")
        try await session.waitFor("user 42 selected") { $0.contains("▶ 42 ") }
        try await session.send("Enter")
        try await session.waitFor("the keys view") {
            $0.contains("user 42 · api:{u:42}") && $0.contains("GET /api/users/42/")
        }
        try await session.send("Escape")
        try await session.waitFor("the table again") { $0.contains("USER") && $0.contains("▶ 42 ") }

        try await session.send("d")
        try await session.waitFor("the confirmation") {
            $0.contains("Purge user 42?") && $0.contains("will be removed")
        }
        try await session.send("y")
        let done = try await session.waitFor("the purge result") { $0.contains("purged user 42:") }
        let removed = done.firstMatch(of: /purged user 42: (\d+) keys in/).flatMap { Int($0.1) } ?? 0
        #expect(removed >= 3)

        // Over the admin API: nothing from before the purge is left.
        let snapshot = try await client.stats(StatsQuery(filter: "42", focus: "api:{u:42}"))
        let prefix = try #require(snapshot.prefixes.first { $0.user == "42" })
        #expect(prefix[.purges] >= 1 && prefix.lastPurgeAt != nil)
        let keys = try await client.keys(prefix: "api:{u:42}")
        #expect(keys.allSatisfy { $0.generation == prefix.generation }, "every entry was written after the purge")

        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        #expect(try await session.alternateScreenOn() == false, "q gave the terminal back: the alternate screen is off")
        await session.close()
    }

    @Test(
        "diagnosis: stale hits are found, the user's keys say STALE, the timeline shows no purge after the write, a purge fixes it"
    )
    func diagnoseStaleData() async throws {
        // User 5000 is outside the traffic's users (1…1000): only this test touches it.
        let session = try await TmuxSession(
            command: "\(try binary()) demo --token e2e --traffic 20 --verify-sample 1")
        let live = try await session.waitFor("the live header") { $0.contains("● live") && $0.contains("req/s") }
        let base = try url(in: live)
        let summary = "\(base)/api/users/5000/dashboard/summary"
        _ = try await ServeProcess.fetch(summary)
        // The demo's bug: a rename that forgets to purge.
        var rename = HTTPClientRequest(url: "\(base)/api/users/5000/profile")
        rename.method = .PATCH
        rename.body = .bytes(ByteBuffer(string: #"{"displayName":"Renamed in the test"}"#))
        let renamed = try await HTTPClient.shared.execute(rename, timeout: .seconds(10))
        _ = try await renamed.body.collect(upTo: 1 << 20)
        #expect(renamed.status.code == 200)
        let served = try await ServeProcess.fetch(summary)
        #expect(served.cache == "HIT")
        #expect(!served.body.contains("Renamed in the test"), "the cache serves the name from before")

        // The sampler finds it: the header counts stale hits.
        try await session.waitFor("stale hits in the header") { $0.contains(" stale)") }
        // The user, its keys and timeline: stored, then no purge.
        try await session.send("g", "5", "0", "0", "0", "Enter")
        try await session.waitFor("user 5000 selected") { $0.contains("▶ 5000 ") }
        try await session.send("Enter")
        let keys = try await session.waitFor("the keys view with its timeline") {
            $0.contains("user 5000 · api:{u:5000}") && $0.contains("timeline, newest first") && $0.contains("stored")
        }
        #expect(!keys.contains("purged "), "no purge followed the write")
        try await session.send("v")
        let stale = try await session.waitFor("the verification") { $0.contains("verified user 5000:") }
        #expect(stale.contains("0 fresh, 1 stale"))
        #expect(
            stale.split(separator: "\n").contains {
                $0.contains("/api/users/5000/dashboard/summary") && $0.hasSuffix("STALE")
            })

        try await session.send("d")
        try await session.waitFor("the confirmation") { $0.contains("Purge user 5000?") }
        try await session.send("y")
        try await session.waitFor("the purge result") { $0.contains("purged user 5000:") }
        let fresh = try await ServeProcess.fetch(summary)
        #expect(fresh.body.contains("Renamed in the test"), "computed again after the purge")
        try await session.send("Enter")
        try await session.waitFor("the keys view again") {
            $0.contains("user 5000 · api:{u:5000}") && $0.contains("/api/users/5000/dashboard/summary")
        }
        try await session.send("v")
        let after = try await session.waitFor("the verification after the purge") {
            $0.contains("verified user 5000: 1 fresh, 0 stale")
        }
        #expect(
            after.split(separator: "\n").contains {
                $0.contains("/api/users/5000/dashboard/summary") && $0.hasSuffix("fresh")
            })
        #expect(after.contains("purged "), "the timeline shows the purge now")
        #expect(after.contains("by monitor ("), "with the monitor and its operator as the origin")

        try await session.send("Escape")
        try await session.waitFor("the table again") { $0.contains("USER") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        await session.close()
    }

    @Test("watch: a dead endpoint keeps the last data, says disconnected, and recovers by itself")
    func disconnectAndRecover() async throws {
        let server = try await ServeProcess(token: "w")
        let port = try #require(server.url.split(separator: ":").last.flatMap { Int($0) })
        let session = try await TmuxSession(command: "\(try binary()) watch \(server.url) --token w --interval 500ms")
        _ = try await ServeProcess.fetch("\(server.url)/api/users/7/alerts")
        try await session.waitFor("user 7") { $0.contains("● live") && $0.contains("▶ 7 ") }
        await server.stop()
        let down = try await session.waitFor("disconnected") { $0.contains("disconnected, retrying in") }
        #expect(down.contains("▶ 7 "), "the last data stays on screen")

        let again = try await ServeProcess(port: port, token: "w")
        try await session.waitFor("live again", seconds: 40) { $0.contains("● live") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        await session.close()
        await again.stop()
    }

    @Test("watch --interval 1: a killed server shows as disconnected within the interval and a second")
    func killedServerShowsPromptly() async throws {
        let server = try await ServeProcess(token: "k")
        let session = try await TmuxSession(command: "\(try binary()) watch \(server.url) --token k --interval 1")
        _ = try await ServeProcess.fetch("\(server.url)/api/users/7/alerts")
        try await session.waitFor("user 7, live") { $0.contains("● live") && $0.contains("▶ 7 ") }

        server.process.signal(SIGKILL)
        let killedAt = ContinuousClock.now
        var screen = ""
        var shownAfter: Duration?
        // Bounded: at most 10 s, so a slow monitor fails with the time it took instead of hanging.
        while shownAfter == nil, ContinuousClock.now - killedAt < .seconds(10) {
            screen = try await session.capture()
            if screen.contains("● disconnected") { shownAfter = ContinuousClock.now - killedAt }
            try await Task.sleep(for: .milliseconds(50))
        }
        let elapsed = try #require(shownAfter, "never said disconnected; the screen was:\n\(screen)")
        #expect(elapsed <= .seconds(2), "disconnected shown \(elapsed) after the kill; the interval is 1 s")
        #expect(!screen.contains("● live"))
        #expect(screen.contains("▶ 7 "), "the last data stays on screen")
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        await session.close()
        _ = try? await server.process.wait(timeLimit: .seconds(5))
    }

    @Test("the ▶ follows its user through re-sorts, d names that user, the rows hold still, y purges only them")
    func selectionFollowsUserToPurge() async throws {
        let server = try await ServeProcess(token: "s")
        let client = try AdminClient(url: server.url, token: "s")
        /// `count` cached reads of one user's summary: the first a miss, the rest hits.
        func read(_ user: String, _ count: Int) async throws {
            for _ in 0..<count { _ = try await ServeProcess.fetch("\(server.url)/api/users/\(user)/dashboard/summary") }
        }
        for (user, reads) in [("11", 40), ("12", 30), ("13", 20), ("14", 10)] { try await read(user, reads) }
        let session = try await TmuxSession(
            command: "\(try binary()) watch \(server.url) --token s --interval 500ms")
        try await session.waitFor("the users by hits, ▶ on the first") {
            Self.tableRows($0) == ["11", "12", "13", "14"] && $0.contains("▶ 11 ")
        }
        try await session.send("j", "j")
        try await session.waitFor("▶ on 13") { $0.contains("▶ 13 ") }

        // Traffic re-sorts the table: 13 leads now, and the ▶ went with it.
        try await read("13", 60)
        let resorted = try await session.waitFor("13 first, ▶ still on 13") {
            Self.tableRows($0).first == "13" && $0.contains("▶ 13 ")
        }
        #expect(Self.tableRows(resorted) == ["13", "11", "12", "14"])

        try await session.send("d")
        try await session.waitFor("the dialog for 13") { $0.contains("Purge user 13?") && $0.contains("▶ 13 ") }
        // More traffic while the dialog is open: the rows must not move under it.
        try await read("14", 150)
        let before = try await AdminClient(url: server.url, token: "s").stats(StatsQuery(limit: 4))
        #expect(before.prefixes.first?.user == "14", "the server's order changed under the dialog")
        try await Task.sleep(for: .milliseconds(1500))  // three refreshes at 500 ms
        let held = try await session.capture()
        #expect(held.contains("Purge user 13?"))
        #expect(held.contains("▶ 13 "))
        #expect(Self.tableRows(held).first == "13", "the rows hold their order under the dialog")

        try await session.send("y")
        try await session.waitFor("the purge result") { $0.contains("purged user 13: 1 key in") }
        // Over the admin API: 13 was purged, and nobody else.
        let after = try await client.stats(StatsQuery(sort: .user, order: .ascending, limit: 10))
        #expect(after.totals[.purges] == 1)
        for prefix in after.prefixes {
            let purged = prefix.user == "13"
            #expect((prefix[.purges] == 1) == purged, "user \(prefix.user ?? "-") purges \(prefix[.purges])")
            #expect(prefix.keys == (purged ? 0 : 1), "user \(prefix.user ?? "-") keys \(prefix.keys)")
        }
        #expect(Set(after.prefixes.compactMap(\.user)) == ["11", "12", "13", "14"])
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        #expect(try await session.alternateScreenOn() == false, "q gave the terminal back: the alternate screen is off")
        await session.close()
        await server.stop()
    }

    @Test("a tiny terminal shows a message, resizing back redraws, Ctrl-C quits cleanly; a wrong token is explained")
    func resizeAndInterrupt() async throws {
        let server = try await ServeProcess(token: "r")
        let session = try await TmuxSession(command: "\(try binary()) watch \(server.url) --token r")
        try await session.waitFor("live") { $0.contains("● live") }
        try await session.resize(columns: 20, rows: 5)
        try await session.waitFor("too small") { $0.contains("terminal too small") }
        try await session.resize(columns: 120, rows: 40)
        try await session.waitFor("the header again") { $0.contains("● live") && $0.contains("USER") }
        try await session.send("C-c")
        #expect(try await session.waitForExit() == 0)
        #expect(
            try await session.alternateScreenOn() == false, "Ctrl-C gave the terminal back: the alternate screen is off"
        )
        await session.close()

        let wrong = try await TmuxSession(command: "\(try binary()) watch \(server.url) --token nope")
        try await wrong.waitFor("the token message") {
            $0.contains("the token is wrong") && $0.contains("disconnected")
        }
        try await wrong.send("q")
        #expect(try await wrong.waitForExit() == 0)
        await wrong.close()
        await server.stop()
    }

    @Test("demo and serve on a port that is taken say so and exit 1 instead of hanging")
    func portTaken() async throws {
        let server = try await ServeProcess(token: "p")
        let port = try #require(server.url.split(separator: ":").last.map(String.init))
        let session = try await TmuxSession(command: "\(try binary()) demo --port \(port)")
        let screen = try await session.waitFor("the error") { $0.contains("could not start") }
        #expect(screen.contains("in use"))
        #expect(try await session.waitForExit() == 1)
        await session.close()
        let serve = try await ServeProcess.run(["serve", "--port", port])
        #expect(serve.status == 1 && serve.output.contains("cannot serve on 127.0.0.1:\(port)"))
        await server.stop()
    }

    @Test(
        "demo-fleet: two instances on a private Redis, the monitor on one; i lists both alive; a purge works; q stops everything"
    )
    func fleet() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/demo-fleet.sh").path
        let session = try await TmuxSession(command: "CACHEMON_TOKEN=fleet bash \(script) \(try binary())")
        let live = try await session.waitFor("the live header of a Redis-backed instance") {
            $0.contains("redis ·") && $0.contains("● live") && !Self.tableRows($0).isEmpty
        }
        let base = try url(in: live)
        try await session.send("i")
        try await session.waitFor("both instances in the instances view") {
            $0.contains("instances 2 · 2 alive") && $0.contains("INSTANCE")
        }
        try await session.send("Escape")
        try await session.waitFor("the table again") { !Self.tableRows($0).isEmpty }
        try await session.send("d")
        try await session.waitFor("the confirmation") { $0.contains("will be removed") }
        try await session.send("y")
        try await session.waitFor("the purge result") { $0.contains("purged user") }
        // A long timeout: two instances with traffic and the monitor share two cores (slower still
        // under ThreadSanitizer); this is about what the answer says, not how fast it comes.
        let snapshot = try await AdminClient(url: base, token: "fleet", timeout: .seconds(30)).stats(StatsQuery())
        #expect(snapshot.backend == "redis" && snapshot.totals[.purges] >= 1)

        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        await session.close()
        await #expect(throws: (any Error).self, "the instances stopped with the monitor") {
            _ = try await AdminClient(url: base, token: "fleet").stats(StatsQuery())
        }
    }

    @Test(
        "watch a Redis-backed API: Redis killed shows store errors and the open circuit, the API keeps answering, and it recovers"
    )
    func redisOutage() async throws {
        let redis = try await RedisServer()
        let port = redis.port
        let server = try await ServeProcess(extraArguments: ["--redis", redis.url, "--traffic", "50"], token: "r")
        let session = try await TmuxSession(command: "\(try binary()) watch \(server.url) --token r")
        try await session.waitFor("the live header of the Redis-backed instance") {
            $0.contains("redis ·") && $0.contains("● live") && $0.contains("store errors 0")
        }

        await redis.kill()
        let down = try await session.waitFor("store errors and the open circuit") {
            $0.contains("CIRCUIT OPEN") && $0.contains("● live") && !$0.contains("store errors 0 ")
        }
        #expect(down.contains("redis ·"))
        let page = try await ServeProcess.fetch("\(server.url)/api/users/42/alerts")
        #expect(page.status == 200 && page.cache == "MISS", "served uncached while Redis is down")

        let again = try await RedisServer(port: port)
        try await session.waitFor("the circuit closed again", seconds: 30) {
            $0.contains("● live") && !$0.contains("CIRCUIT OPEN")
        }
        _ = try await ServeProcess.fetch("\(server.url)/api/users/42/alerts")
        #expect(try await ServeProcess.fetch("\(server.url)/api/users/42/alerts").cache == "HIT", "caching resumed")

        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        await session.close()
        #expect(await server.stop() == 0)
        _ = again
    }

    @Test("demo --redis keeps the demo's cache in Redis; with no Redis there it says so and exits 1")
    func demoOnRedis() async throws {
        let redis = try await RedisServer()
        let session = try await TmuxSession(command: "\(try binary()) demo --redis \(redis.url) --token d --traffic 50")
        let live = try await session.waitFor("the live header with the redis backend and traffic") {
            $0.contains("redis ·") && $0.contains("● live") && $0.contains("▶ ")
        }
        // Rows appear as soon as entries are stored; the misses reach Redis with the next flush
        // (every second): wait for them, bounded.
        let client = try AdminClient(url: try url(in: live), token: "d")
        var snapshot = try await client.stats(StatsQuery())
        for _ in 0..<50 where snapshot.totals[.misses] == 0 {
            try await Task.sleep(for: .milliseconds(200))
            snapshot = try await client.stats(StatsQuery())
        }
        #expect(snapshot.backend == "redis" && snapshot.totals[.misses] > 0)
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        await session.close()

        await redis.kill()
        let refused = try await TmuxSession(command: "\(try binary()) demo --redis \(redis.url)")
        let screen = try await refused.waitFor("the refusal") { $0.contains("[exited ") }
        #expect(
            screen.contains("cannot reach Redis at 127.0.0.1:\(redis.port): Connection refused")
                && screen.contains("[exited 1]"), "\(screen)")
        await refused.close()
    }

    @Test("a session a failed test drops without closing is killed with what runs in it")
    func droppedSessionIsKilled() async throws {
        var session: TmuxSession? = try await TmuxSession(command: "sleep 300")
        let name = try #require(session?.name)
        #expect(try await TmuxSession.tmux(["has-session", "-t", name]).isEmpty)
        session = nil
        var gone = false
        for _ in 0..<50 where !gone {
            try await Task.sleep(for: .milliseconds(100))
            gone = (try? await TmuxSession.tmux(["has-session", "-t", name])) == nil
        }
        #expect(gone, "the session \(name) is gone")
    }
}
