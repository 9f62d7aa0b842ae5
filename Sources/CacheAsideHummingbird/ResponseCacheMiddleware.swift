import CacheAside
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore

/// Caches the `200` responses of GET (and answers HEAD from them) per user, cache-aside.
///
/// ```swift
/// router.group("api/users/:user")
///     .add(middleware: ResponseCacheMiddleware(cache: cache, policy: .init(
///         ttl: .seconds(300),
///         user: { request, context in context.parameters.get("user") },
///         vary: ["Accept", "Accept-Language"])))
/// ```
///
/// A hit returns the stored body and headers with `X-Cache: HIT` and `Age`; a miss runs the route
/// once for all concurrent callers, stores its response and adds `X-Cache: MISS`. Only `200`
/// responses without `Set-Cookie` or `Cache-Control: private`/`no-store` are stored. When the store
/// fails, routes are served uncached. Purge a user's entries from a write handler with
/// `try await cache.purge(user: id)`.
public struct ResponseCacheMiddleware<Context: RequestContext>: RouterMiddleware {
    let cache: CacheAside
    let policy: CachePolicy<Context>

    /// Creates the middleware.
    public init(cache: CacheAside, policy: CachePolicy<Context>) {
        self.cache = cache
        self.policy = policy
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .get || request.method == .head, let scope = try scope(of: request, context) else {
            return try await next(request, context)
        }
        // A verification computing the entry again: the route itself, without the cache.
        if Replay.isReplay(request) { return try await next(request, context) }
        let user: String? =
            switch scope {
            case .user(let id): id
            case .shared: nil
            }
        let key = RouteKeyBuilder.key(for: request, vary: policy.vary)
        var ownResponse: Response?
        // The matched route (`/api/users/{user}/orders`), so figures add up per endpoint, not per URL.
        let template = context.endpointPath.map { "GET " + $0 }
        let result = try await cache.lookupOrCompute(
            key: key, user: user, ttl: policy.ttl, route: template,
            verifier: {
                // A sampled hit: replayed in this request's context, once the response is sent.
                guard
                    let replay = cache.replays.withLockedValue({ $0[ObjectIdentifier(Context.self)] })
                        as? ReplayResponder<Context>
                else { return nil }
                return Replay.verifier(
                    replay.responder, context: context, maxBodyBytes: CacheAdminRoutes<Context>.maxReplayBytes)
            }
        ) {
            let (response, entry) = try await collect(
                try await next(request, context), isHead: request.method == .head, origin: origin(of: request))
            ownResponse = response
            return ComputedValue(bytes: entry?.encoded() ?? [], isCacheable: entry != nil)
        }
        if var ownResponse {
            ownResponse.headers[.xCache] = "MISS"
            return ownResponse
        }
        guard let entry = CachedResponse(decoding: result.bytes) else {
            // Bytes in another layout (an older release wrote them): serve the route itself.
            var response = try await next(request, context)
            response.headers[.xCache] = "MISS"
            return response
        }
        return makeResponse(entry, source: result.source, isHead: request.method == .head)
    }

    private enum Scope {
        case user(String)
        case shared
    }

    /// Whose entry the request reads; `nil` means the request must not be cached at all.
    private func scope(of request: Request, _ context: Context) throws -> Scope? {
        if let user = try policy.user(request, context) { return .user(user) }
        let carriesCredentials = request.headers[.authorization] != nil || request.headers[.cookie] != nil
        return policy.allowsPublic && !carriesCredentials ? .shared : nil
    }

    /// Reads the route's response whole, and says what to store of it, if anything.
    /// What a verification replays: the target and varying headers the key was made of.
    private func origin(of request: Request) -> CachedResponse.Origin {
        var vary: [CachedResponse.Pair] = []
        for name in policy.vary {
            for value in request.headers[values: name] {
                vary.append(CachedResponse.Pair(name: name.canonicalName, value: value))
            }
        }
        return CachedResponse.Origin(
            target: RouteKeyBuilder.target(of: request), vary: vary, comparison: policy.comparison)
    }

    private func collect(
        _ response: Response, isHead: Bool, origin: CachedResponse.Origin
    ) async throws -> (Response, CachedResponse?) {
        let collector = BodyCollector(limit: policy.maxBodyBytes)
        var response = response
        try await response.body.write(collector)
        let body = collector.bytes
        response.body = ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        guard !isHead, !collector.overflowed, Self.isCacheable(response) else { return (response, nil) }
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        return (
            response, CachedResponse(storedAtMilliseconds: now, headers: response.headers, origin: origin, body: body)
        )
    }

    static func isCacheable(_ response: Response) -> Bool {
        guard response.status == .ok, response.headers[.setCookie] == nil else { return false }
        let cacheControl = response.headers[values: .cacheControl].joined(separator: ",").lowercased()
        return !cacheControl.contains("private") && !cacheControl.contains("no-store")
    }

    private func makeResponse(_ entry: CachedResponse, source: CachedBytes.Source, isHead: Bool) -> Response {
        let headers = entry.replayHeaders(hit: source == .hit, nowMilliseconds: Date().timeIntervalSince1970 * 1000)
        let body = isHead ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: entry.body))
        return Response(status: .ok, headers: headers, body: body)
    }
}
