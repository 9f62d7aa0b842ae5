import CacheAside
import CacheAsideHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

/// `POST /_cache/prefixes/{prefix}/verify` replays each entry's request through the application's
/// router, without the cache, and compares the fresh body with the stored one.
@Suite("Verify route")
struct VerifyRouteTests {
    static let token = "s3cret-token"
    static let auth: HTTPFields = [.authorization: "Bearer \(token)"]

    /// Names per user, changed by a write that forgets to purge; a summary that carries its own
    /// computation time; a slow route; and the admin API.
    final class Backend: Sendable {
        let names = NIOLockedValueBox<[String: String]>([:])
        let runs = NIOLockedValueBox(0)
        let slow = NIOLockedValueBox(false)
        /// A slow summary waits until this ends (after the test's verification answered).
        let (held, release) = AsyncStream<Void>.makeStream()
        let cache: CacheAside

        init(sample: Double = 0) {
            cache = CacheAside(
                store: MemoryStore(),
                configuration: .init(
                    namespace: "api", defaultTTL: .seconds(300), ttlJitter: 0, verifySample: sample,
                    verifySampleRate: 1000))
        }

        func application() -> some ApplicationProtocol {
            let router = Router(options: .autoGenerateHeadEndpoints)
            let users = router.group("api/users/:user").add(
                middleware: ResponseCacheMiddleware(
                    cache: cache,
                    policy: .init(
                        ttl: .seconds(60), user: { _, context in context.parameters.get("user") },
                        vary: ["Accept-Language"], comparison: .json(ignoring: ["computedAt"]))))
            users.get("summary") { request, context in
                let user = try context.parameters.require("user")
                let run = self.runs.withLockedValue {
                    $0 += 1
                    return $0
                }
                if self.slow.withLockedValue({ $0 }) {
                    for await _ in self.held {}
                }
                let name = self.names.withLockedValue { $0[user] } ?? "User \(user)"
                let language = request.headers[.acceptLanguage] ?? "en"
                let body = #"{"name":"\#(name)","lang":"\#(language)","computedAt":\#(run)}"#
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
            }
            CacheAdminRoutes(cache: cache, token: VerifyRouteTests.token).register(on: router)
            return Application(router: router)
        }
    }

    func verify(_ client: some TestClientProtocol, _ prefix: String, query: String = "") async throws -> VerifyReport {
        let response = try await client.execute(
            uri: "/_cache/prefixes/\(prefix)/verify\(query)", method: .post, headers: Self.auth)
        #expect(response.status == .ok)
        return try WireFormat.decoder().decode(VerifyReport.self, from: Data(response.body.readableBytesView))
    }

    @Test("an unchanged summary verifies fresh although its computedAt differs; a renamed user's is stale until purged")
    func freshStaleFresh() async throws {
        let backend = Backend()
        try await backend.application().test(.router) { client in
            _ = try await client.execute(uri: "/api/users/42/summary", method: .get)
            _ = try await client.execute(
                uri: "/api/users/42/summary", method: .get, headers: [.acceptLanguage: "fr"])
            let prefix = "api%3A%7Bu%3A42%7D"
            let before = try await backend.cache.stats().totals
            let fresh = try await verify(client, prefix)
            #expect(fresh.results.map(\.state) == [.fresh, .fresh], "\(fresh.results)")
            #expect(
                fresh.results.map(\.key) == [
                    "GET /api/users/42/summary", "GET /api/users/42/summary accept-language=fr",
                ])
            let after = try await backend.cache.stats().totals
            #expect(after[.hits] == before[.hits] && after[.misses] == before[.misses], "replays skip the cache")
            #expect(backend.runs.withLockedValue { $0 } == 4, "each entry was computed again")

            backend.names.withLockedValue { $0["42"] = "Renamed" }
            let stale = try await verify(client, prefix)
            #expect(stale.results.map(\.state) == [.stale, .stale])
            let hit = try await client.execute(uri: "/api/users/42/summary", method: .get)
            #expect(hit.headers[.xCache] == "HIT", "verify changed no entry")
            #expect(String(buffer: hit.body).contains("User 42"))

            try await backend.cache.purge(user: "42", reason: "profile renamed")
            _ = try await client.execute(uri: "/api/users/42/summary", method: .get)
            let again = try await verify(client, prefix)
            #expect(again.results.map(\.state) == [.fresh])
        }
    }

    @Test(
        "sampled hits are verified after they are served: a stale one is counted, per route too, and leaves a staleHit event"
    )
    func sampling() async throws {
        let backend = Backend(sample: 1)
        try await backend.application().test(.router) { client in
            _ = try await client.execute(uri: "/api/users/42/summary", method: .get)
            let fresh = try await client.execute(uri: "/api/users/42/summary", method: .get)
            #expect(fresh.headers[.xCache] == "HIT")
            try await waitFor { try await backend.cache.stats().totals[.verifications] == 1 }
            #expect(try await backend.cache.stats().totals[.staleVerifications] == 0)

            backend.names.withLockedValue { $0["42"] = "Renamed" }
            let stale = try await client.execute(uri: "/api/users/42/summary", method: .get)
            #expect(String(buffer: stale.body).contains("User 42"), "the hit is served as it was, at once")
            try await waitFor { try await backend.cache.stats().totals[.staleVerifications] == 1 }
            let route = try await backend.cache.routes().routes.first { $0.route == "GET /api/users/{user}/summary" }
            #expect(route?.staleVerifications == 1)
            #expect(route?.verifications == 2)
            let events = try await backend.cache.events().events
            #expect(
                events.contains { $0.kind == .staleHit && $0.user == "42" && $0.key == "GET /api/users/42/summary" })
            #expect(try await backend.cache.timeline(user: "42").first?.kind == .staleHit)
        }
    }

    /// Polls `condition` every 20 ms, for at most 10 s.
    func waitFor(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<500 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the condition did not hold within 10 s")
    }

    @Test("a verify that runs past its timeout answers without waiting, the entry as an error")
    func timeout() async throws {
        let backend = Backend()
        try await backend.application().test(.router) { client in
            _ = try await client.execute(uri: "/api/users/9/summary", method: .get)
            backend.slow.withLockedValue { $0 = true }
            // It answers at all: the replay is still held, so the verification did not wait for it.
            let report = try await verify(client, "api%3A%7Bu%3A9%7D", query: "?timeout=0.2")
            backend.release.finish()
            #expect(report.timedOut)
            #expect(report.results.map(\.state) == [.error])
        }
    }

    @Test("an entry not stored by the middleware is unverifiable unless a recompute closure knows it")
    func unverifiable() async throws {
        let backend = Backend()
        _ = try await backend.cache.cachedBytes(key: "/report", user: "5") { Array("v1".utf8) }
        try await backend.application().test(.router) { client in
            let before = try await verify(client, "api%3A%7Bu%3A5%7D")
            #expect(before.results.map(\.state) == [.unverifiable])
            backend.cache.registerRecompute { key, _ in key == "/report" ? Array("v2".utf8) : nil }
            let after = try await verify(client, "api%3A%7Bu%3A5%7D")
            #expect(after.results.map(\.state) == [.stale])
        }
    }

    @Test("verify of an unknown or foreign prefix is 404; an empty one has no results; bad parameters are 400")
    func badInput() async throws {
        let backend = Backend()
        try await backend.application().test(.router) { client in
            _ = try await client.execute(uri: "/api/users/3/summary", method: .get)
            try await backend.cache.purge(user: "3")
            let empty = try await verify(client, "api%3A%7Bu%3A3%7D")
            #expect(empty.results.isEmpty)
            for prefix in ["api%3A%7Bu%3A99%7D", "other%3A%7Bu%3A3%7D"] {
                let response = try await client.execute(
                    uri: "/_cache/prefixes/\(prefix)/verify", method: .post, headers: Self.auth)
                #expect(response.status == .notFound)
            }
            for query in ["limit=0", "limit=5000", "concurrency=0", "timeout=0", "timeout=61", "timeout=x"] {
                let response = try await client.execute(
                    uri: "/_cache/prefixes/api%3A%7Bu%3A3%7D/verify?\(query)", method: .post, headers: Self.auth)
                #expect(response.status == .badRequest, "\(query)")
            }
            let unauthorized = try await client.execute(
                uri: "/_cache/prefixes/api%3A%7Bu%3A3%7D/verify", method: .post)
            #expect(unauthorized.status == .unauthorized)
        }
    }
}
