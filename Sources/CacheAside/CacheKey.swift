/// A full cache key: the user's prefix and the route key inside it, and the route template the
/// key belongs to (which its figures count under; not part of the key's identity).
public struct CacheKey: Hashable, Sendable, CustomStringConvertible {
    /// The user's prefix.
    public var prefix: CachePrefix
    /// The route key, for example `GET /api/users/42/orders?page=2`.
    public var route: String
    /// The route template, for example `GET /api/users/{user}/orders`; ``RouteStats/other`` when
    /// none was given.
    public var template: String

    /// Creates a key.
    public init(prefix: CachePrefix, route: String, template: String = RouteStats.other) {
        self.prefix = prefix
        self.route = route
        self.template = template
    }

    public var description: String { prefix.rawValue + ":" + route }

    /// Keys are equal when prefix and route are: the template only says where figures count.
    public static func == (lhs: CacheKey, rhs: CacheKey) -> Bool {
        lhs.prefix == rhs.prefix && lhs.route == rhs.route
    }

    /// Hashes the prefix and the route, as ``==`` compares them.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(prefix)
        hasher.combine(route)
    }
}
