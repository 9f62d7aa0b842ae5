import CacheAside
import CacheAsideHummingbird
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Response-cache middleware")
struct ResponseCacheMiddlewareTests {
    @Test("a miss runs the route and says MISS; the next request is a HIT with the same body, headers and an Age")
    func missThenHit() async throws {
        let fixture = MiddlewareFixture()
        let app = Application(router: fixture.standardRouter())
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/api/users/42/summary", method: .get)
            #expect(first.status == .ok && first.headers[.xCache] == "MISS")
            let second = try await client.execute(uri: "/api/users/42/summary", method: .get)
            #expect(second.status == .ok && second.headers[.xCache] == "HIT")
            #expect(second.text == first.text && second.text.contains(#""run":1"#))
            #expect(second.headers[.contentType] == "application/json" && second.headers[.eTag] == "\"v1\"")
            #expect(second.headers[.age].flatMap { Int($0) }.map { $0 >= 0 } == true, "Age is whole seconds")
        }
        #expect(fixture.runs.count == 1)
    }

    @Test("query order and repeated slashes do not split entries; Vary headers do")
    func routeKeys() async throws {
        let fixture = MiddlewareFixture()
        let app = Application(router: fixture.standardRouter())
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/api/users/7/summary?b=2&a=1", method: .get)
            let reordered = try await client.execute(uri: "/api/users/7/summary?a=1&b=2", method: .get)
            #expect(reordered.headers[.xCache] == "HIT")
            let french = try await client.execute(
                uri: "/api/users/7/summary?a=1&b=2", method: .get, headers: [.acceptLanguage: "fr"])
            #expect(french.headers[.xCache] == "MISS" && french.text.contains(#""lang":"fr""#))
        }
        let keys = try await fixture.cache.keys(user: "7").map(\.key)
        #expect(keys == ["GET /api/users/7/summary?a=1&b=2", "GET /api/users/7/summary?a=1&b=2 accept-language=fr"])
    }

    @Test("only 200 responses without Set-Cookie or Cache-Control private/no-store are stored")
    func uncacheableResponses() async throws {
        let fixture = MiddlewareFixture()
        let router = fixture.router { group, runs in
            group.get("missing") { _, _ -> Response in
                runs.increment()
                return Response(status: .notFound)
            }
            group.get("failing") { _, _ -> Response in
                runs.increment()
                throw HTTPError(.internalServerError)
            }
            group.get("cookie") { _, _ in
                runs.increment()
                return Response(
                    status: .ok, headers: [.setCookie: "session=abc"], body: .init(byteBuffer: .init(string: "x")))
            }
            group.get("private") { _, _ in
                runs.increment()
                return Response(status: .ok, headers: [.cacheControl: "private, max-age=60"], body: .init())
            }
            group.get("nostore") { _, _ in
                runs.increment()
                return Response(status: .ok, headers: [.cacheControl: "no-store"], body: .init())
            }
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            for path in ["missing", "failing", "cookie", "private", "nostore"] {
                for _ in 0..<2 {
                    let response = try await client.execute(uri: "/api/users/1/\(path)", method: .get)
                    #expect(response.headers[.xCache] != "HIT", "\(path) is never served from the cache")
                }
            }
            let cookie = try await client.execute(uri: "/api/users/1/cookie", method: .get)
            #expect(cookie.headers[.setCookie] == "session=abc", "the handler's own response is returned whole")
        }
        #expect(fixture.runs.count == 11)
        #expect(try await fixture.cache.stats().totals.keys == 0)
    }

    @Test("POST passes through uncached, and a purge from a write handler makes the next read a MISS")
    func writesPurge() async throws {
        let fixture = MiddlewareFixture()
        let router = fixture.standardRouter()
        let cache = fixture.cache
        router.post("api/users/:user/orders") { _, context in
            try await cache.purge(user: try context.parameters.require("user"))
            return HTTPResponse.Status.created
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/api/users/5/summary", method: .get)
            #expect(try await client.execute(uri: "/api/users/5/summary", method: .get).headers[.xCache] == "HIT")
            let write = try await client.execute(uri: "/api/users/5/orders", method: .post)
            #expect(write.status == .created && write.headers[.xCache] == nil)
            let after = try await client.execute(uri: "/api/users/5/summary", method: .get)
            #expect(after.headers[.xCache] == "MISS" && after.text.contains(#""run":2"#))
        }
    }

    @Test("HEAD is answered from the GET entry, without a body")
    func head() async throws {
        let fixture = MiddlewareFixture()
        let app = Application(router: fixture.standardRouter())
        try await app.test(.router) { client in
            let get = try await client.execute(uri: "/api/users/3/summary", method: .get)
            let head = try await client.execute(uri: "/api/users/3/summary", method: .head)
            #expect(head.status == .ok && head.headers[.xCache] == "HIT" && head.body.readableBytes == 0)
            #expect(head.headers[.contentLength] == String(get.body.readableBytes))
        }
    }

    @Test("a per-user route whose policy finds no user is never cached")
    func noUserNoCache() async throws {
        let fixture = MiddlewareFixture()
        let policy = CachePolicy<BasicRequestContext>(user: { request, _ in request.headers[.init("X-User")!] })
        let app = Application(router: fixture.standardRouter(policy: policy))
        try await app.test(.router) { client in
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/api/users/9/summary", method: .get)
                #expect(response.headers[.xCache] == nil)
            }
            _ = try await client.execute(
                uri: "/api/users/9/summary", method: .get, headers: [.init("X-User")!: "alice"])
            let alice = try await client.execute(
                uri: "/api/users/9/summary", method: .get, headers: [.init("X-User")!: "alice"])
            #expect(alice.headers[.xCache] == "HIT")
        }
        #expect(try await fixture.cache.keys(user: "alice").count == 1)
    }

    @Test("a public route is cached in the shared prefix, except for requests that carry credentials")
    func publicRoutes() async throws {
        let fixture = MiddlewareFixture()
        let app = Application(router: fixture.standardRouter(policy: .publicRoute(ttl: .seconds(30))))
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/api/users/1/summary", method: .get)
            #expect(try await client.execute(uri: "/api/users/1/summary", method: .get).headers[.xCache] == "HIT")
            let authenticated = try await client.execute(
                uri: "/api/users/1/summary", method: .get, headers: [.authorization: "Bearer x"])
            #expect(authenticated.headers[.xCache] == nil)
            let withCookie = try await client.execute(
                uri: "/api/users/1/summary", method: .get, headers: [.cookie: "s=1"])
            #expect(withCookie.headers[.xCache] == nil)
        }
        #expect(try await fixture.cache.keys(user: nil).count == 1)
    }

    @Test("concurrent misses on one route run the handler once")
    func singleFlight() async throws {
        let fixture = MiddlewareFixture()
        let router = fixture.router { group, runs in
            group.get("slow") { _, _ in
                runs.increment()
                try await Task.sleep(for: .milliseconds(200))
                return "done"
            }
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            let responses = try await withThrowingTaskGroup(of: (String, String?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await client.execute(uri: "/api/users/1/slow", method: .get)
                        return (response.text, response.headers[.xCache])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.count == 20)
            #expect(responses.allSatisfy { $0.0 == "done" })
            // All 20 overlapped the one run: each is a MISS that waited for it, none a later HIT.
            #expect(responses.filter { $0.1 == "MISS" }.count == 20)
        }
        #expect(fixture.runs.count == 1)
    }

    @Test("when the store is down, routes are served uncached and the errors are counted")
    func failOpen() async throws {
        let fixture = MiddlewareFixture(store: DownStore())
        let app = Application(router: fixture.standardRouter())
        try await app.test(.router) { client in
            for run in 1...3 {
                let response = try await client.execute(uri: "/api/users/1/summary", method: .get)
                #expect(response.status == .ok && response.headers[.xCache] == "MISS")
                #expect(response.text.contains(#""run":\#(run)"#))
            }
        }
        let totals = try await fixture.cache.stats().totals
        #expect(totals[.errors] == 3 && totals[.misses] == 3)
    }
}
