import AsyncHTTPClient
import CacheAdminAPI
import Foundation
import NIOCore
import NIOHTTP1
import RESP
import TestSupport
import Testing

/// `cachemon attach` on the cache of a real Django app (Tests/Fixtures/django-app: django-redis and
/// the classic `foobar_{user}_{url}` recipe, served by gunicorn), driven over HTTP.
@Suite("cachemon attach on a real Django app", .serialized, .timeLimit(.minutes(5)))
struct DjangoAttachTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let pattern = "^:1:foobar_(?P<user>.+?)_(?P<key>/.*)$"
    /// Users whose names the recipe's own purge (`delete_pattern`) would confuse with `4`.
    static let users = ["4", "40", "41", "42", "49", "4_b", "4*", "7", "a b"]

    /// The Django app on a free port, caching in `redis`; stopped by its own pid.
    struct DjangoApp {
        let process: SpawnedProcess
        let url: String

        init(redis: RedisServer) async throws {
            let venv = try await SpawnedProcess.run(
                ["bash", root.appendingPathComponent("scripts/django-venv.sh").path], timeLimit: .seconds(300))
            guard venv.status == 0 else { throw Failure("scripts/django-venv.sh failed:\n\(venv.output)") }
            process = try SpawnedProcess(
                ["bash", root.appendingPathComponent("scripts/django-serve.sh").path, "0"],
                environment: ["CACHEMON_DJANGO_REDIS_URL": redis.url + "/0"])
            var url: String?
            let deadline = ContinuousClock.now + .seconds(60)
            while url == nil, ContinuousClock.now < deadline, process.exitStatus() == nil {
                url = process.output.firstMatch(of: /Listening at: (http:\/\/127\.0\.0\.1:\d+)/).map { String($0.1) }
                if url == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            guard let url else {
                process.signal(SIGKILL)
                throw Failure("gunicorn did not start; it wrote:\n\(process.output)")
            }
            self.url = url
            for _ in 0..<200 {
                if (try? await DjangoAttachTests.request(url + "/healthz").status) == 200 { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw Failure("the Django app did not answer /healthz; it wrote:\n\(process.output)")
        }

        func stop() async {
            process.signal(SIGTERM)
            if (try? await process.wait(timeLimit: .seconds(10))) == nil { process.signal(SIGKILL) }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// `cachemon attach` on `redis`, with the admin API on a free port.
    struct Attach {
        let process: SpawnedProcess
        let url: String
        let token = "django-test"

        init(redis: RedisServer, extra: [String] = []) async throws {
            process = try SpawnedProcess(
                [
                    try ServeProcess.binary().path, "attach", redis.url + "/0", "--key-pattern",
                    DjangoAttachTests.pattern,
                    "--token", token, "--port", "0", "--rescan", "1", "--scan-share", "0.5",
                ] + extra)
            var url: String?
            let deadline = ContinuousClock.now + .seconds(30)
            while url == nil, ContinuousClock.now < deadline, process.exitStatus() == nil {
                url = process.output.firstMatch(of: #/serving (http://[^ ]+) /#).map { String($0.1) }
                if url == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            guard let url else {
                process.signal(SIGKILL)
                throw Failure("cachemon attach did not start; it wrote:\n\(process.output)")
            }
            self.url = url
        }

        func stats(filter: String? = nil) async throws -> StatsSnapshot {
            let query = "limit=1000" + (filter.map { "&filter=\($0)" } ?? "")
            let answer = try await DjangoAttachTests.request(
                "\(url)/_cache/stats?\(query)", headers: ["Authorization": "Bearer \(token)"])
            return try WireFormat.decoder().decode(StatsSnapshot.self, from: Data(answer.body.utf8))
        }

        func events() async throws -> EventPage {
            let answer = try await DjangoAttachTests.request(
                "\(url)/_cache/events?limit=1000", headers: ["Authorization": "Bearer \(token)"])
            return try WireFormat.decoder().decode(EventPage.self, from: Data(answer.body.utf8))
        }

        func stop() async {
            process.signal(SIGTERM)
            if (try? await process.wait(timeLimit: .seconds(10))) == nil { process.signal(SIGKILL) }
        }
    }

    static func request(
        _ url: String, method: HTTPMethod = .GET, headers: [String: String] = [:]
    ) async throws -> (status: Int, cache: String?, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 * 1024 * 1024)
        return (Int(response.status.code), response.headers.first(name: "X-Cache"), String(buffer: body))
    }

    /// The users of every django-redis key in Redis and how many each has, read with SCAN.
    static func djangoKeys(_ redis: RedisServer) async throws -> (byUser: [String: Int], keys: Set<String>) {
        let connection = try await RedisConnection.connect(to: RedisURL(redis.url))
        defer { Task { await connection.close() } }
        var keys: Set<String> = []
        var cursor = "0"
        repeat {
            let reply = try await connection.execute(RESPCommand("SCAN", cursor, "COUNT", "1000"))
            guard case .array(let parts) = reply, case .array(let names) = parts[1] else { break }
            cursor = parts[0].string ?? "0"
            for name in names { if let key = name.string { keys.insert(key) } }
        } while cursor != "0"
        var byUser: [String: Int] = [:]
        let pattern = try Regex(pattern)
        for key in keys {
            if let match = try pattern.wholeMatch(in: key), let user = match.output["user"]?.substring {
                byUser[String(user), default: 0] += 1
            }
        }
        return (byUser, keys)
    }

    /// Percent-encodes a user for a URL path segment.
    static func segment(_ user: String) -> String {
        user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? user
    }

    /// Runs `body` with a private Redis and the Django app caching in it, then stops both by their
    /// pids, also when `body` throws (a `defer` could only start a task, which the end of the test
    /// process would not wait for: gunicorn was once left running).
    static func withDjango(_ body: (RedisServer, DjangoApp) async throws -> Void) async throws {
        let redis = try await RedisServer()
        let app: DjangoApp
        do {
            app = try await DjangoApp(redis: redis)
        } catch {
            await redis.kill()
            throw error
        }
        do {
            try await body(redis, app)
        } catch {
            await app.stop()
            await redis.kill()
            throw error
        }
        await app.stop()
        await redis.kill()
    }

    @Test("users and key counts match what Django stored; purging 4 removes exactly 4's keys; expirations show")
    func djangoCache() async throws {
        try await Self.withDjango { redis, app in
            let attach = try await Attach(redis: redis, extra: ["--allow-purge", "--enable-notifications"])
            do {
                try await check(redis: redis, app: app, attach: attach)
            } catch {
                await attach.stop()
                throw error
            }
            await attach.stop()
        }
    }

    func check(redis: RedisServer, app: DjangoApp, attach: Attach) async throws {
        // Traffic: every user's summary and orders, twice (the second time from the cache).
        for _ in 0..<2 {
            for user in Self.users {
                for page in ["summary", "orders"] {
                    let answer = try await Self.request("\(app.url)/api/users/\(Self.segment(user))/\(page)")
                    #expect(answer.status == 200)
                }
            }
        }
        let second = try await Self.request("\(app.url)/api/users/40/summary")
        #expect(second.cache == "HIT")
        let stored = try await Self.djangoKeys(redis)
        #expect(stored.byUser.count == Self.users.count)

        // What attach shows equals what Django stored, user by user.
        func keysByUser(_ snapshot: StatsSnapshot) -> [String: Int] {
            Dictionary(snapshot.prefixes.compactMap { stats in stats.user.map { ($0, stats.keys) } }) { $1 }
        }
        var snapshot = try await attach.stats()
        // The index follows the notifications; the hits, `INFO stats` every second.
        for _ in 0..<200 where keysByUser(snapshot) != stored.byUser || snapshot.totals[.hits] == 0 {
            try await Task.sleep(for: .milliseconds(50))
            snapshot = try await attach.stats()
        }
        let shown = keysByUser(snapshot)
        #expect(shown == stored.byUser)
        #expect(snapshot.namespace == "attach")
        #expect(snapshot.attach?.notifications?.contains("E") == true)
        #expect(snapshot.totals[.hits] > 0, "the second round was served from Redis")

        // The CLI, unchanged: purge user 4 and nobody else.
        let purge = try await ServeProcess.run(["purge", attach.url, "--token", attach.token, "--user", "4", "--yes"])
        #expect(purge.status == 0, "\(purge.output)")
        #expect(purge.output.contains("purged attach:{u:4}: 2 keys"), "\(purge.output)")
        let after = try await Self.djangoKeys(redis)
        #expect(stored.keys.subtracting(after.keys).allSatisfy { $0.hasPrefix(":1:foobar_4_/api/users/4/") })
        #expect(stored.keys.count - after.keys.count == 2)
        for user in Self.users where user != "4" { #expect(after.byUser[user] == 2, "user \(user)") }
        let fresh = try await Self.request("\(app.url)/api/users/4/summary")
        #expect(fresh.cache == "MISS", "Django computes user 4's page again")

        // Expirations: a page cached for one second.
        _ = try await Self.request("\(app.url)/api/users/7/summary?ttl=1")
        var expired = false
        for _ in 0..<100 where !expired {
            try await Task.sleep(for: .milliseconds(100))
            expired = try await attach.events().events.contains { $0.kind == .expired && $0.user == "7" }
        }
        #expect(expired, "the expiry of user 7's page is an event")
    }
}

/// In the terminal suite, which runs on its own: the monitor on a Django app's cache.
extension MonitorEndToEndTests {
    @Test("the monitor, in a terminal, shows the Django app's users and purges one with d y")
    func djangoAttach() async throws {
        try await DjangoAttachTests.withDjango { redis, app in try await monitorDjango(redis: redis, app: app) }
    }

    func monitorDjango(redis: RedisServer, app: DjangoAttachTests.DjangoApp) async throws {
        for user in DjangoAttachTests.users {
            _ = try await DjangoAttachTests.request("\(app.url)/api/users/\(DjangoAttachTests.segment(user))/summary")
        }
        let binary = try ServeProcess.binary().path
        let tmux = try await TmuxSession(
            command:
                "\(binary) attach \(redis.url)/0 --key-pattern '\(DjangoAttachTests.pattern)' --watch --allow-purge --rescan 1"
        )
        do {
            try await purgeInMonitor(tmux, redis: redis)
        } catch {
            await tmux.close()
            throw error
        }
        await tmux.close()
    }

    func purgeInMonitor(_ tmux: TmuxSession, redis: RedisServer) async throws {
        try await tmux.waitFor("the Django users") { screen in
            screen.contains("4_b") && screen.contains("a b") && screen.contains("4*") && screen.contains("scans")
        }
        try await tmux.send("/")
        try await tmux.send("4", "_", "b", "Enter")
        try await tmux.waitFor("the filter") { $0.contains("filter 4_b") || !$0.contains("a b") }
        try await tmux.send("d")
        try await tmux.waitFor("the confirmation") { $0.contains("Purge") && $0.contains("1 key") }
        try await tmux.send("y")
        try await tmux.waitFor("the purge") { $0.contains("purged") }
        let left = try await DjangoAttachTests.djangoKeys(redis)
        #expect(left.byUser["4_b"] == nil)
        #expect(left.byUser["4"] == 1 && left.byUser["40"] == 1)
        try await tmux.send("q")
        #expect(try await tmux.waitForExit() == 0)
        #expect(try await !tmux.alternateScreenOn())
    }
}
