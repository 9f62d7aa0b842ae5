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
        let cache = CacheAside(
            store: MemoryStore(), configuration: .init(namespace: "api", defaultTTL: .seconds(300), ttlJitter: 0))

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
                if self.slow.withLockedValue({ $0 }) { try await Task.sleep(for: .seconds(3)) }
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
            #expect(fresh.results.map(\.key) == [
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

    @Test("a verify that runs past its timeout answers at the deadline with the entry as an error")
    func timeout() async throws {
        let backend = Backend()
        try await backend.application().test(.router) { client in
            _ = try await client.execute(uri: "/api/users/9/summary", method: .get)
            backend.slow.withLockedValue { $0 = true }
            let started = ContinuousClock.now
            let report = try await verify(client, "api%3A%7Bu%3A9%7D", query: "?timeout=0.2")
            #expect(started.duration(to: .now) < .seconds(2))
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
