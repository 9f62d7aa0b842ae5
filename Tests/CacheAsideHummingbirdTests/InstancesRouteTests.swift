import CacheAside
import CacheAsideHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Admin API: instances")
struct InstancesRouteTests {
    let admin = AdminRoutesTests()

    func application(cache: CacheAside) -> Application<RouterResponder<BasicRequestContext>> {
        let router = Router()
        CacheAdminRoutes(cache: cache, token: AdminRoutesTests.token).register(on: router)
        return Application(router: router)
    }

    @Test("GET /_cache/instances lists every instance sharing the store, the one answering first by id")
    func listed() async throws {
        let store = MemoryStore()
        let cache = CacheAside(
            store: store,
            configuration: .init(
                namespace: "api", ttlJitter: 0, instanceID: "web-1", advertisedURL: "http://127.0.0.1:8080",
                version: "2.0.0"))
        // A long heartbeat interval: alive for three of them, so a loaded test run cannot outlast it.
        let other = CacheAside(
            store: store, configuration: .init(namespace: "api", instanceID: "web-2", heartbeatInterval: .seconds(60)))
        await other.sendHeartbeat()
        _ = try await cache.cachedBytes(key: "/a", user: "1") { [1] }
        try await application(cache: cache).test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/instances", method: .get, headers: AdminRoutesTests.auth)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let list = try admin.decode(InstanceList.self, response)
            #expect(list.instance == "web-1")
            #expect(list.instances.map(\.id) == ["web-1", "web-2"])
            #expect(list.instances.allSatisfy { $0.alive })
            let own = try #require(list.instances.first)
            #expect(own.url == "http://127.0.0.1:8080")
            #expect(own.version == "2.0.0")
            #expect(own.misses == 1)
        }
    }

    @Test("without the token, or with a wrong one, GET /_cache/instances is 401 with the JSON error")
    func unauthorized() async throws {
        let cache = CacheAside(store: MemoryStore(), configuration: .init(namespace: "api", instanceID: "web-1"))
        try await application(cache: cache).test(.router) { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"]] {
                let response = try await client.execute(uri: "/_cache/instances", method: .get, headers: headers)
                try admin.expectError(response, .unauthorized, code: "unauthorized")
                #expect(!response.text.contains("web-1"), "nothing about the fleet leaks")
            }
        }
    }

    @Test("a store that cannot list its instances is a 503 with the JSON error")
    func storeDown() async throws {
        let cache = CacheAside(store: DownStore(), configuration: .init(namespace: "api"))
        try await application(cache: cache).test(.router) { client in
            let response = try await client.execute(
                uri: "/_cache/instances", method: .get, headers: AdminRoutesTests.auth)
            try admin.expectError(response, .serviceUnavailable, code: "store_unavailable")
        }
    }
}
