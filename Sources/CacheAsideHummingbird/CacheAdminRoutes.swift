import CacheAside
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore

/// The admin API that `cachemon` polls, under `/_cache`, behind a bearer token.
///
/// ```swift
/// let router = Router()
/// CacheAdminRoutes(cache: cache, token: token, metrics: CacheMetrics(cache: cache)).register(on: router)
/// ```
///
/// | route | answer |
/// |---|---|
/// | `GET /_cache/stats?sort=&order=&limit=&offset=&filter=` | ``StatsSnapshot`` |
/// | `GET /_cache/routes?sort=&order=&limit=&offset=&filter=` | ``RoutesSnapshot``: per route template |
/// | `GET /_cache/prefixes/{prefix}/keys?limit=&offset=` | `[KeyInfo]` |
/// | `GET /_cache/prefixes/{prefix}/events?limit=` | ``PrefixTimeline``: the prefix's latest events |
/// | `POST /_cache/prefixes/{prefix}/verify?limit=&concurrency=&timeout=` | ``VerifyReport``: each entry computed again and compared |
/// | `GET /_cache/events?after=&limit=` | ``EventPage`` |
/// | `GET /_cache/instances` | ``InstanceList``: every instance sharing the store |
/// | `POST /_cache/purge` with `{"user": "42"}` or `{"prefix": "api:{u:42}"}`, and optionally `reason` and `origin` | ``PurgeResult`` |
/// | `GET /metrics` (no token) | Prometheus text |
///
/// Bad input gets a 4xx with an ``APIError`` body and changes nothing. An admin path asked with a
/// method it does not serve is a 405 with `Allow`; a prefix that names nothing in this cache, a 404.
public struct CacheAdminRoutes<Context: RequestContext>: Sendable {
    /// The largest purge request body accepted.
    public static var maxBodyBytes: Int { 64 * 1024 }

    /// What the routes ask: the cache, or a cache attached from outside.
    let source: any CacheAdministration
    /// The cache when the source is one: routes and verify need its application's routes.
    let cache: CacheAside?
    let token: String
    let metrics: CacheMetrics?

    /// Creates the routes.
    ///
    /// - Parameters:
    ///   - token: the bearer token every `/_cache` request must carry.
    ///   - metrics: serves `GET /metrics` when given.
    public init(cache: CacheAside, token: String, metrics: CacheMetrics? = nil) {
        self.init(source: cache, token: token, metrics: metrics)
    }

    /// Creates the routes of any ``CacheAdministration``, such as a Redis cache attached by
    /// `cachemon attach`. Unless it is a ``CacheAside``, `routes` and `verify` answer 501: they
    /// need the application's own routes.
    public init(source: some CacheAdministration, token: String, metrics: CacheMetrics? = nil) {
        self.source = source
        self.cache = source as? CacheAside
        self.token = token
        self.metrics = metrics
    }

    /// The cache, or a 501 that says why a cache attached from outside cannot answer `what`.
    private func application(_ what: String) throws -> CacheAside {
        guard let cache else {
            throw AdminError(
                .notImplemented, code: "not_available",
                message: "\(what) needs the application's own routes: not available on an attached cache")
        }
        return cache
    }

    /// The endpoints served: every ``AdminEndpoint``, `/metrics` only if metrics were given.
    var endpoints: [AdminEndpoint] {
        AdminEndpoint.allCases.filter { $0.requiresToken || metrics != nil }
    }

    /// Adds the routes to `router`: every ``AdminEndpoint``, `/metrics` only if metrics were given.
    ///
    /// A GET route also answers HEAD. A request for an admin path with a method it does not serve
    /// (`TRACE /_cache/stats`, `GET /_cache/purge`) is answered 405 with an `Allow` header: that
    /// check is a router middleware, so it also sees the requests of routes added after this call,
    /// and passes every path other than the admin ones through untouched.
    public func register(on router: Router<Context>) {
        router.add(middleware: AdminMethodMiddleware(endpoints: endpoints))
        let guarded = router.group().add(middleware: AdminTokenMiddleware(token: token))
        let replay = ReplayResponder(router: router)
        cache?.replays.withLockedValue { $0[ObjectIdentifier(Context.self)] = replay }
        for endpoint in endpoints {
            let respond: @Sendable (Request, Context) async throws -> Response = { request, context in
                if endpoint == .verify { return try await verify(request, context: context, replay: replay) }
                return try await handle(endpoint, request, context)
            }
            for method in endpoint.servedMethods {
                if endpoint.requiresToken {
                    guarded.on(endpoint.routerPath, method: method, use: respond)
                } else {
                    router.on(endpoint.routerPath, method: method, use: respond)
                }
            }
        }
    }

    private func handle(_ endpoint: AdminEndpoint, _ request: Request, _ context: Context) async throws -> Response {
        switch endpoint {
        case .stats: return try await stats(request)
        case .routes: return try await routes(request)
        case .keys: return try await keys(request, context: context)
        case .timeline: return try await timeline(request, context: context)
        case .verify: throw AdminError.notFound("verify is answered with the router's responder")
        case .events: return try await events(request)
        case .instances: return try await instances()
        case .purge: return try await purge(request)
        case .metrics:
            guard let metrics else { throw AdminError.notFound("metrics are not exported here") }
            return try await metrics.response()
        }
    }

    func stats(_ request: Request) async throws -> Response {
        let query = try AdminQuery.stats(QueryParameters(request))
        return try json(try await admin { try await source.stats(query) })
    }

    func routes(_ request: Request) async throws -> Response {
        let cache = try application("per-route figures")
        let query = try AdminQuery.routes(QueryParameters(request))
        return try json(try await admin { try await cache.routes(query) })
    }

    func keys(_ request: Request, context: Context) async throws -> Response {
        let prefix = try AdminQuery.keysPrefix(
            try context.parameters.require("prefix"), namespace: source.namespace)
        let (limit, offset) = try AdminQuery.keysPage(QueryParameters(request))
        guard let keys = try await admin({ try await source.keys(in: prefix, limit: limit, offset: offset) }) else {
            throw AdminError.notFound("no prefix \(prefix.rawValue) in this cache")
        }
        return try json(keys)
    }

    func timeline(_ request: Request, context: Context) async throws -> Response {
        let prefix = try AdminQuery.keysPrefix(
            try context.parameters.require("prefix"), namespace: source.namespace)
        let limit = try AdminQuery.timelineLimit(QueryParameters(request))
        guard let events = try await admin({ try await source.timeline(of: prefix, limit: limit) }) else {
            throw AdminError.notFound("no prefix \(prefix.rawValue) in this cache")
        }
        return try json(PrefixTimeline(prefix: prefix.rawValue, user: prefix.user, events: events))
    }

    /// Replays each entry of the prefix through the application's router, in a copy of this
    /// request's context, and compares.
    func verify(_ request: Request, context: Context, replay: ReplayResponder<Context>) async throws -> Response {
        let cache = try application("verify")
        let prefix = try AdminQuery.keysPrefix(
            try context.parameters.require("prefix"), namespace: cache.configuration.namespace)
        let (limit, concurrency, timeout) = try AdminQuery.verify(QueryParameters(request))
        let verifier = Replay.verifier(replay.responder, context: context, maxBodyBytes: Self.maxReplayBytes)
        let report = try await admin {
            try await cache.verify(
                prefix, limit: limit, concurrency: concurrency, timeout: timeout, using: verifier)
        }
        guard let report else { throw AdminError.notFound("no prefix \(prefix.rawValue) in this cache") }
        return try json(report)
    }

    /// The largest fresh body a verification reads.
    static var maxReplayBytes: Int { 16 * 1024 * 1024 }

    func events(_ request: Request) async throws -> Response {
        let (after, limit) = try AdminQuery.events(QueryParameters(request))
        return try json(try await admin { try await source.events(after: after, limit: limit) })
    }

    func instances() async throws -> Response {
        try json(try await admin { try await source.instances() })
    }

    func purge(_ request: Request) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw AdminError(
                .contentTooLarge, code: "payload_too_large",
                message: "the request body is over \(Self.maxBodyBytes / 1024) KiB")
        }
        let purge = try PurgeRequest(json: Array(buffer: body))
        let origin = purge.origin ?? "admin API"
        let result = try await admin {
            switch purge.target {
            case .user(let user): try await source.purge(user: user, reason: purge.reason, origin: origin)
            case .prefix(let text):
                try await source.purge(
                    try AdminQuery.knownPrefix(text, namespace: source.namespace), reason: purge.reason, origin: origin)
            }
        }
        return try json(result)
    }

    /// Runs a cache call, turning its errors into answers: bad input 400, a failing store 503.
    private func admin<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CacheAsideError {
            switch error {
            case .invalidPrefix, .invalidQuery, .invalidReason:
                throw AdminError.badRequest(error.description)
            case .storeUnavailable:
                throw AdminError(.serviceUnavailable, code: "store_unavailable", message: error.description)
            case .notAllowed:
                throw AdminError(.forbidden, code: "not_allowed", message: error.description)
            }
        }
    }

    private func json(_ value: some Encodable) throws -> Response {
        let body = try WireFormat.encoder().encode(value)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
