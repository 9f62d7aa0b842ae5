import CacheAside
import CacheAsideHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Admin API")
struct AdminRoutesTests {
    static let token = "s3cret-token"
    static let auth: HTTPFields = [.authorization: "Bearer \(token)"]

    /// Every route that needs the token, written out here rather than read from the code under
    /// test, so a route that lost its protection fails the test instead of leaving the loop.
    static let protectedRoutes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/_cache/stats"), (.head, "/_cache/stats"),
        (.get, "/_cache/prefixes/api%3A%7Bu%3A1%7D/keys"), (.head, "/_cache/prefixes/api%3A%7Bu%3A1%7D/keys"),
        (.get, "/_cache/prefixes/api%3A%7Bu%3A1%7D/events"), (.head, "/_cache/prefixes/api%3A%7Bu%3A1%7D/events"),
        (.get, "/_cache/events"), (.head, "/_cache/events"),
        (.get, "/_cache/instances"), (.head, "/_cache/instances"),
        (.post, "/_cache/purge"),
    ]

    /// A cache holding users 1…5 (user n has n keys), and its router with the admin API.
    func populated() async throws -> (CacheAside, Application<RouterResponder<BasicRequestContext>>) {
        let cache = CacheAside(store: MemoryStore(), configuration: .init(namespace: "api", ttlJitter: 0))
        for user in 1...5 {
            for key in 0..<user { _ = try await cache.cachedBytes(key: "/k\(key)", user: "\(user)") { [1, 2, 3] } }
        }
        _ = try await cache.cachedBytes(key: "/k", user: "4*") { [9] }
        let router = Router()
        CacheAdminRoutes(cache: cache, token: Self.token, metrics: CacheMetrics(cache: cache)).register(on: router)
        return (cache, Application(router: router))
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try WireFormat.decoder().decode(T.self, from: Data(response.body.readableBytesView))
    }

    func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, code: String) throws {
        #expect(response.status == status)
        let error = try decode(APIError.self, response)
        #expect(error.error.code == code && !error.error.message.isEmpty)
    }

    @Test("every /_cache route answers 401 without the token or with a wrong one, and purges nothing")
    func unauthorized() async throws {
        let (cache, app) = try await populated()
        try await app.test(.router) { client in
            for (method, path) in Self.protectedRoutes {
                for headers: HTTPFields in [
                    [:], [.authorization: "Bearer wrong"], [.authorization: "s3cret-token"],
                    [.authorization: "Bearer s3cret-token-and-more"],
                ] {
                    let response = try await client.execute(
                        uri: path, method: method, headers: headers, body: ByteBuffer(string: #"{"user":"1"}"#))
                    try expectError(response, .unauthorized, code: "unauthorized")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
            }
        }
        #expect(try await cache.stats().totals[.purges] == 0)
    }

    @Test("stats returns a snapshot, sorted, filtered and paged as asked")
    func stats() async throws {
        let (_, app) = try await populated()
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/stats?sort=keys&order=desc&limit=2&offset=1", method: .get, headers: Self.auth)
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("application/json") == true)
            let snapshot = try decode(StatsSnapshot.self, response)
            #expect(snapshot.prefixes.map(\.user) == ["4", "3"] && snapshot.prefixCount == 6)
            #expect(snapshot.totals.keys == 16 && snapshot.backend == "memory")
            let filtered = try decode(
                StatsSnapshot.self,
                try await client.execute(uri: "/_cache/stats?filter=4%2A", method: .get, headers: Self.auth))
            #expect(filtered.prefixes.map(\.user) == ["4*"])
        }
    }

    @Test(
        "bad stats parameters get a 400 with the JSON error",
        arguments: ["limit=0", "limit=1001", "limit=abc", "offset=-1", "sort=bogus", "order=up"])
    func badStatsQueries(query: String) async throws {
        let (_, app) = try await populated()
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/_cache/stats?\(query)", method: .get, headers: Self.auth)
            try expectError(response, .badRequest, code: "bad_request")
        }
    }

    @Test("keys lists a prefix's entries; an unknown, foreign or glob prefix is 404; a bad limit is 400")
    func keys() async throws {
        let (_, app) = try await populated()
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/prefixes/api%3A%7Bu%3A3%7D/keys?limit=2", method: .get, headers: Self.auth)
            #expect(response.status == .ok)
            #expect(try decode([KeyInfo].self, response).map(\.key) == ["/k0", "/k1"])
            let glob = try await client.execute(
                uri: "/_cache/prefixes/api%3A%7Bu%3A4%252A%7D/keys", method: .get, headers: Self.auth)
            #expect(try decode([KeyInfo].self, glob).count == 1, "user 4* is reached through its escaped prefix")
            try expectError(
                try await client.execute(
                    uri: "/_cache/prefixes/api%3A%7Bu%3A99%7D/keys", method: .get, headers: Self.auth),
                .notFound, code: "not_found")
            try expectError(
                try await client.execute(
                    uri: "/_cache/prefixes/other%3A%7Bu%3A1%7D/keys", method: .get, headers: Self.auth),
                .notFound, code: "not_a_prefix")
            try expectError(
                try await client.execute(
                    uri: "/_cache/prefixes/api%3A%7Bu%3A4*%7D/keys", method: .get, headers: Self.auth),
                .notFound, code: "not_a_prefix")
            try expectError(
                try await client.execute(
                    uri: "/_cache/prefixes/api%3A%7Bu%3A3%7D/keys?limit=5000", method: .get, headers: Self.auth),
                .badRequest, code: "bad_request")
        }
    }

    @Test("events page after a sequence number; bad parameters are 400")
    func events() async throws {
        let (cache, app) = try await populated()
        try await cache.purge(user: "1")
        try await cache.purge(user: "2")
        try await app.test(.router) { client in
            let page = try decode(
                EventPage.self,
                try await client.execute(uri: "/_cache/events?after=1", method: .get, headers: Self.auth))
            #expect(page.events.map(\.seq) == [2] && page.events.first?.kind == .purged && page.lastSeq == 2)
            for query in ["after=-1", "after=x", "limit=0"] {
                try expectError(
                    try await client.execute(uri: "/_cache/events?\(query)", method: .get, headers: Self.auth),
                    .badRequest, code: "bad_request")
            }
        }
    }

    @Test("purge by user or by prefix removes exactly that prefix")
    func purge() async throws {
        let (cache, app) = try await populated()
        try await app.test(.router) { client in
            let byUser = try await client.execute(
                uri: "/_cache/purge", method: .post, headers: Self.auth, body: ByteBuffer(string: #"{"user":"4*"}"#))
            #expect(byUser.status == .ok)
            let result = try decode(PurgeResult.self, byUser)
            #expect(result.removedKeys == 1 && result.prefix == "api:{u:4%2A}" && result.user == "4*")
            let byPrefix = try await client.execute(
                uri: "/_cache/purge", method: .post, headers: Self.auth,
                body: ByteBuffer(string: #"{"prefix":"api:{u:3}"}"#))
            #expect(try decode(PurgeResult.self, byPrefix).removedKeys == 3)
        }
        #expect(try await cache.keys(user: "4").count == 4, "user 4 is not touched by a purge of 4*")
        #expect(try await cache.stats().totals.keys == 12)
    }

    @Test(
        "bad purge bodies get a 400 and purge nothing",
        arguments: [
            "not json", "[]", #"{}"#, #"{"user":"1","prefix":"api:{u:1}"}"#, #"{"user":1}"#,
            #"{"user":"1","force":true}"#, #"{"prefix":""}"#, #"{"user":null}"#,
            #"{"user":"1","reason":7}"#, #"{"user":"1","reason":"two\nlines"}"#,
            #"{"user":"1","origin":"\u001b[2J"}"#,
            #"{"user":"1","reason":""# + String(repeating: "r", count: 201) + #""}"#,
        ])
    func badPurges(body: String) async throws {
        let (cache, app) = try await populated()
        try await app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/purge", method: .post, headers: Self.auth, body: ByteBuffer(string: body))
            try expectError(response, .badRequest, code: "bad_request")
        }
        let totals = try await cache.stats().totals
        #expect(totals[.purges] == 0 && totals.keys == 16)
    }

    @Test("a purge's reason and origin show in the prefix's timeline, newest first; the origin defaults to admin API")
    func purgeReasonInTimeline() async throws {
        let (cache, app) = try await populated()
        try await app.test(.router) { client in
            let body = #"{"user":"2","reason":"order created","origin":"billing job"}"#
            let first = try await client.execute(
                uri: "/_cache/purge", method: .post, headers: Self.auth, body: ByteBuffer(string: body))
            #expect(first.status == .ok)
            let second = try await client.execute(
                uri: "/_cache/purge", method: .post, headers: Self.auth,
                body: ByteBuffer(string: #"{"prefix":"api:{u:2}","reason":"profile renamed"}"#))
            let generation = try decode(PurgeResult.self, second).generation
            let response = try await client.execute(
                uri: "/_cache/prefixes/api%3A%7Bu%3A2%7D/events?limit=3", method: .get, headers: Self.auth)
            #expect(response.status == .ok)
            let timeline = try decode(PrefixTimeline.self, response)
            #expect(timeline.prefix == "api:{u:2}")
            #expect(timeline.user == "2")
            #expect(timeline.events.map(\.kind) == [.purged, .purged, .stored])
            #expect(timeline.events.map(\.reason) == ["profile renamed", "order created", nil])
            #expect(timeline.events.map(\.origin) == ["admin API", "billing job", nil])
            #expect(timeline.events.first?.instance == cache.instance)
            #expect(timeline.events.first?.generation == generation)
        }
    }

    @Test("the timeline of an unknown or foreign prefix is 404; a bad limit is 400")
    func badTimelines() async throws {
        let (_, app) = try await populated()
        try await app.test(.router) { client in
            try expectError(
                try await client.execute(
                    uri: "/_cache/prefixes/api%3A%7Bu%3A99%7D/events", method: .get, headers: Self.auth),
                .notFound, code: "not_found")
            try expectError(
                try await client.execute(
                    uri: "/_cache/prefixes/other%3A%7Bu%3A1%7D/events", method: .get, headers: Self.auth),
                .notFound, code: "not_a_prefix")
            for query in ["limit=0", "limit=1001", "limit=x"] {
                try expectError(
                    try await client.execute(
                        uri: "/_cache/prefixes/api%3A%7Bu%3A1%7D/events?\(query)", method: .get, headers: Self.auth),
                    .badRequest, code: "bad_request")
            }
        }
    }

    @Test("a purge body over 64 KiB is refused with 413")
    func oversizedPurge() async throws {
        let (cache, app) = try await populated()
        try await app.test(.router) { client in
            let body = #"{"user":""# + String(repeating: "x", count: 70_000) + #""}"#
            let response = try await client.execute(
                uri: "/_cache/purge", method: .post, headers: Self.auth, body: ByteBuffer(string: body))
            try expectError(response, .contentTooLarge, code: "payload_too_large")
        }
        #expect(try await cache.stats().totals[.purges] == 0)
    }

    @Test("/metrics exports the global counters in Prometheus text, with no per-user series")
    func metrics() async throws {
        let (cache, app) = try await populated()
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            let text = response.text
            #expect(text.contains("cachemon_cache_misses_total 16") && text.contains("cachemon_cache_keys 16"))
            #expect(text.contains("cachemon_cache_consistency_ratio 1"), "nothing verified yet")
            #expect(!text.contains("u:"), "no per-user labels")
            // Four entries of user 4 verified, one of them stale: the consistency is three quarters.
            cache.registerRecompute { key, _ in key == "/k0" ? [0] : [1, 2, 3] }
            _ = try await cache.verify(user: "4")
            let after = try await client.execute(uri: "/metrics", method: .get).text
            #expect(after.contains("cachemon_cache_verifications_total 4"), "\(after)")
            #expect(after.contains("cachemon_cache_stale_verifications_total 1"))
            #expect(after.contains("cachemon_cache_consistency_ratio 0.75"))
        }
    }
}
