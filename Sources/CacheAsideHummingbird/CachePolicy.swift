import CacheAside
import HTTPTypes
import Hummingbird

/// How ``ResponseCacheMiddleware`` caches the routes it is added to.
///
/// ```swift
/// let policy = CachePolicy<BasicRequestContext>(
///     ttl: .seconds(300),
///     user: { request, context in context.parameters.get("user") },
///     vary: ["Accept", "Accept-Language"])
/// ```
public struct CachePolicy<Context: RequestContext>: Sendable {
    /// How long responses are kept (with the cache's jitter); `nil` for the cache's default.
    public var ttl: Duration?
    /// Whose data a request reads: a path parameter, a header, or the authenticated user.
    /// `nil` means the request has no user.
    public var user: @Sendable (Request, Context) throws -> String?
    /// Request headers whose values select different responses (for example `Accept-Language`).
    public var vary: [HTTPField.Name]
    /// Whether requests without a user are cached in the shared public prefix. Even then, a request
    /// that carries credentials (`Authorization` or `Cookie`) and no user is never cached: it could
    /// hold one person's data.
    public var allowsPublic: Bool
    /// Responses with larger bodies are served but not stored.
    public var maxBodyBytes: Int
    /// How verification compares a stored body with a fresh one: `.json(ignoring: ["computedAt"])`
    /// for bodies that carry their own computation time.
    public var comparison: BodyComparison

    /// Creates a policy for per-user routes.
    ///
    /// - Parameter vary: header names; names that are not valid header tokens are ignored.
    public init(
        ttl: Duration? = nil,
        user: @escaping @Sendable (Request, Context) throws -> String?,
        vary: [String] = [],
        allowsPublic: Bool = false,
        maxBodyBytes: Int = 4 * 1024 * 1024,
        comparison: BodyComparison = .exact
    ) {
        self.ttl = ttl
        self.user = user
        self.vary = vary.compactMap { HTTPField.Name($0) }
        self.allowsPublic = allowsPublic
        self.maxBodyBytes = maxBodyBytes
        self.comparison = comparison
    }

    /// A policy for routes whose responses are the same for everyone, cached in the public prefix.
    public static func publicRoute(
        ttl: Duration? = nil, vary: [String] = [], comparison: BodyComparison = .exact
    ) -> Self {
        Self(ttl: ttl, user: { _, _ in nil }, vary: vary, allowsPublic: true, comparison: comparison)
    }
}
