/// A full cache key: the user's prefix and the route key inside it.
public struct CacheKey: Hashable, Sendable, CustomStringConvertible {
    /// The user's prefix.
    public var prefix: CachePrefix
    /// The route key, for example `GET /api/users/42/orders?page=2`.
    public var route: String

    /// Creates a key.
    public init(prefix: CachePrefix, route: String) {
        self.prefix = prefix
        self.route = route
    }

    public var description: String { prefix.rawValue + ":" + route }
}
