import CacheAside
import CacheAsideHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The requests schemathesis (`make conformance`) found answered against docs/openapi.yaml, each
/// pinned here: the largest documented `after`/`offset`, prefixes that name nothing, the empty
/// purge prefix, and 405 with `Allow` for a method an admin path does not serve.
@Suite("Admin API agrees with docs/openapi.yaml")
struct AdminConformanceTests {
    let admin = AdminRoutesTests()
    let auth = AdminRoutesTests.auth

    /// Each admin path (the keys path with a real prefix) and its `Allow` value.
    static let adminPaths: [(path: String, allow: String)] = [
        ("/_cache/stats", "GET, HEAD"),
        ("/_cache/prefixes/api%3A%7Bu%3A1%7D/keys", "GET, HEAD"),
        ("/_cache/prefixes/0/keys", "GET, HEAD"),
        ("/_cache/events", "GET, HEAD"),
        ("/_cache/instances", "GET, HEAD"),
        ("/_cache/purge", "POST"),
        ("/metrics", "GET, HEAD"),
    ]

    /// Methods no admin path serves, as schemathesis sends them (QUERY is the new safe method).
    static let unservedMethods: [HTTPRequest.Method] =
        [.trace, .put, .delete, .patch, .options, .connect] + [HTTPRequest.Method("QUERY")].compactMap { $0 }

    @Test("events after UInt64.max, the largest sequence number documented, is an empty page")
    func largestAfter() async throws {
        let (cache, app) = try await admin.populated()
        try await cache.purge(user: "1")
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/events?after=18446744073709551615", method: .get, headers: auth)
            #expect(response.status == .ok)
            let page = try admin.decode(EventPage.self, response)
            #expect(page.events.isEmpty)
            #expect(page.newestSeq == 1)
        }
    }

    @Test(
        "events after a number past UInt64.max, negative or not a number is a 400",
        arguments: ["18446744073709551616", "11557801940708821963545350504448", "-1", "1e3"])
    func afterOutOfRange(after: String) async throws {
        let (_, app) = try await admin.populated()
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/_cache/events?after=\(after)", method: .get, headers: auth)
            try admin.expectError(response, .badRequest, code: "bad_request")
        }
    }

    @Test("stats at offset Int64.max, the largest documented, is an empty page that still counts every prefix")
    func largestStatsOffset() async throws {
        let (_, app) = try await admin.populated()
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/stats?offset=9223372036854775807&limit=1000", method: .get, headers: auth)
            #expect(response.status == .ok)
            let snapshot = try admin.decode(StatsSnapshot.self, response)
            #expect(snapshot.prefixes.isEmpty)
            #expect(snapshot.prefixCount == 6)
            #expect(snapshot.query.offset == Int.max)
        }
    }

    @Test(
        "an offset past Int64.max is a 400, on stats and keys",
        arguments: [
            "/_cache/stats?offset=9223372036854775808", "/_cache/stats?offset=13266394888467147390976",
            "/_cache/prefixes/api%3A%7Bu%3A3%7D/keys?offset=9223372036854775808",
        ])
    func offsetOutOfRange(uri: String) async throws {
        let (_, app) = try await admin.populated()
        try await app.test(.router) { client in
            try admin.expectError(
                try await client.execute(uri: uri, method: .get, headers: auth), .badRequest, code: "bad_request")
        }
    }

    @Test("keys at offset Int64.max is an empty list")
    func largestKeysOffset() async throws {
        let (_, app) = try await admin.populated()
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/prefixes/api%3A%7Bu%3A3%7D/keys?offset=9223372036854775807", method: .get, headers: auth)
            #expect(response.status == .ok)
            #expect(try admin.decode([KeyInfo].self, response).isEmpty)
        }
    }

    @Test(
        "keys of text that is no prefix of this cache is a 404 that says why",
        arguments: ["0", "other%3A%7Bu%3A1%7D", "api%3A%7Bu%3A4*%7D", "api%3A%7Bu%3A", "%20"])
    func keysOfNoPrefix(prefix: String) async throws {
        let (_, app) = try await admin.populated()
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/prefixes/\(prefix)/keys", method: .get, headers: auth)
            try admin.expectError(response, .notFound, code: "not_a_prefix")
            #expect(try admin.decode(APIError.self, response).error.message.contains("no prefix"))
        }
    }

    @Test("purge of an empty prefix is a 400 and purges nothing")
    func emptyPrefixPurge() async throws {
        let (cache, app) = try await admin.populated()
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/purge", method: .post, headers: auth, body: ByteBuffer(string: #"{"prefix":""}"#))
            try admin.expectError(response, .badRequest, code: "bad_request")
            #expect(try admin.decode(APIError.self, response).error.message.contains("must not be empty"))
        }
        let totals = try await cache.stats().totals
        #expect(totals[.purges] == 0)
        #expect(totals.keys == 16)
        #expect(try await cache.events(after: 0).events.isEmpty, "no purge event")
    }

    @Test(
        "purge of a prefix that is not one of this cache's is a 404 and purges nothing",
        arguments: ["0", "other:{u:1}", "api:{u:*}", "api:{u:4*}", "api:{u:1", "api:{u:%31}"])
    func purgeOfNoPrefix(prefix: String) async throws {
        let (cache, app) = try await admin.populated()
        try await app.test(.router) { client in
            let body = try JSONEncoder().encode(["prefix": prefix])
            let response = try await client.execute(
                uri: "/_cache/purge", method: .post, headers: auth, body: ByteBuffer(bytes: body))
            try admin.expectError(response, .notFound, code: "not_a_prefix")
        }
        let totals = try await cache.stats().totals
        #expect(totals[.purges] == 0)
        #expect(totals.keys == 16)
    }

    @Test("every admin path and /metrics answers 405 with Allow to a method it does not serve, token or not")
    func methodNotAllowed() async throws {
        let (cache, app) = try await admin.populated()
        try await app.test(.router) { client in
            for (path, allow) in Self.adminPaths {
                let otherServed: HTTPRequest.Method = allow == "POST" ? .get : .post
                for method in Self.unservedMethods + [otherServed] {
                    for headers in [auth, [:]] {
                        let response = try await client.execute(
                            uri: path, method: method, headers: headers, body: ByteBuffer(string: #"{"user":"1"}"#))
                        #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                        #expect(response.headers[.allow] == allow, "\(method) \(path)")
                        #expect(try admin.decode(APIError.self, response).error.code == "method_not_allowed")
                    }
                }
            }
        }
        #expect(try await cache.stats().totals[.purges] == 0)
    }

    @Test("HEAD is served wherever GET is, behind the same token")
    func head() async throws {
        let (_, app) = try await admin.populated()
        try await app.test(.router) { client in
            for (path, allow) in Self.adminPaths where allow.hasPrefix("GET") && path != "/_cache/prefixes/0/keys" {
                let response = try await client.execute(uri: path, method: .head, headers: auth)
                #expect(response.status == .ok, "HEAD \(path)")
            }
            let anonymous = try await client.execute(uri: "/_cache/stats", method: .head)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test(
        "a path that is not an admin path stays 404 whatever the method",
        arguments: [
            "/_cache", "/_cache/", "/_cache/nope", "/_cache/stats/extra", "/_cache/prefixes/api%3A%7Bu%3A1%7D",
            "/_cache/prefixes/a/b/keys", "/_cache/prefixes//keys", "/metrics/x", "/nothing", "/",
        ])
    func unknownPath(path: String) async throws {
        let (_, app) = try await admin.populated()
        try await app.test(.router) { client in
            for method: HTTPRequest.Method in [.get, .post, .trace, .delete] {
                let response = try await client.execute(uri: path, method: method, headers: auth)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.headers[.allow] == nil, "\(method) \(path)")
            }
        }
    }

    @Test("without metrics, /metrics is no admin path: 404 for every method")
    func noMetrics() async throws {
        let router = Router()
        let cache = CacheAside(store: MemoryStore(), configuration: .init(namespace: "api", ttlJitter: 0))
        CacheAdminRoutes(cache: cache, token: AdminRoutesTests.token).register(on: router)
        try await Application(router: router).test(.router) { client in
            for method: HTTPRequest.Method in [.get, .trace] {
                let response = try await client.execute(uri: "/metrics", method: method)
                #expect(response.status == .notFound, "\(method) /metrics")
            }
        }
    }
}
