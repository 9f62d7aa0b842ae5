import CacheAside
import CacheAsideHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers

/// A cache, a counter of handler runs, and a router with cached routes for middleware tests.
struct MiddlewareFixture {
    let store = MemoryStore()
    let cache: CacheAside
    let runs = Counter()

    init(store: (any CacheStore)? = nil) {
        cache = CacheAside(
            store: store ?? self.store, configuration: .init(namespace: "api", defaultTTL: .seconds(300), ttlJitter: 0))
    }

    func router(
        policy: CachePolicy<BasicRequestContext>? = nil, routes: (RouterGroup<BasicRequestContext>, Counter) -> Void
    )
        -> Router<BasicRequestContext>
    {
        let router = Router(options: .autoGenerateHeadEndpoints)
        let group = router.group("api/users/:user").add(
            middleware: ResponseCacheMiddleware(
                cache: cache,
                policy: policy
                    ?? .init(
                        ttl: .seconds(60), user: { _, context in context.parameters.get("user") },
                        vary: ["Accept-Language"])))
        routes(group, runs)
        return router
    }

    /// The usual routes: a JSON summary that counts its runs.
    func standardRouter(policy: CachePolicy<BasicRequestContext>? = nil) -> Router<BasicRequestContext> {
        router(policy: policy) { group, runs in
            group.get("summary") { request, context in
                let run = runs.increment()
                let user = context.parameters.get("user") ?? "?"
                let language = request.headers[.acceptLanguage] ?? "en"
                return Response(
                    status: .ok, headers: [.contentType: "application/json", .eTag: "\"v\(run)\""],
                    body: ResponseBody(
                        byteBuffer: ByteBuffer(string: #"{"user":"\#(user)","run":\#(run),"lang":"\#(language)"}"#)))
            }
        }
    }
}

final class Counter: Sendable {
    private let value = NIOLockedValueBox(0)
    @discardableResult
    func increment() -> Int {
        value.withLockedValue {
            $0 += 1; return $0
        }
    }
    var count: Int { value.withLockedValue { $0 } }
}

/// A store that is down: every operation throws.
struct DownStore: CacheStore {
    struct Down: Error {}
    let inner = MemoryStore()
    var backend: String { "down" }
    func lookup(_ key: CacheKey) async throws -> CacheLookup { throw Down() }
    func store(_ value: [UInt8], for key: CacheKey, ttl: Duration, generation: UInt64) async throws -> StoreOutcome {
        throw Down()
    }
    func purge(_ prefix: CachePrefix, reason: PurgeReason) async throws -> PurgeResult { throw Down() }
    func timeline(of prefix: CachePrefix, limit: Int) async throws -> [CacheEvent]? { throw Down() }
    func value(of key: CacheKey) async throws -> [UInt8]? { throw Down() }
    func recordVerification(of prefix: CachePrefix, route: String?, verified: Int, stale: Int, event: CacheEvent?) {}
    func recordComputation(of key: CacheKey, nanoseconds: Int64) {}
    func routes() async throws -> [RouteStats] { throw Down() }
    func statistics(_ query: StatsQuery) async throws -> StoreStatistics { inner.statistics(query) }
    func keys(in prefix: CachePrefix, limit: Int, offset: Int) async throws -> [KeyInfo]? { throw Down() }
    func events(after: UInt64, limit: Int) async throws -> EventPage { inner.events(after: after, limit: limit) }
    func recordStoreError(_ message: String, prefix: CachePrefix?) { inner.recordStoreError(message, prefix: prefix) }
    func recordUncachedRequest(_ prefix: CachePrefix) { inner.recordUncachedRequest(prefix) }
    func instances() async throws -> [InstanceInfo] { throw Down() }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
