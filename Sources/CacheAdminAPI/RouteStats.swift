/// The figures of one route template across users, as `GET /_cache/routes` lists them: which
/// endpoint misses, what its misses cost, and how much computation the cache saves on it.
public struct RouteStats: Codable, Sendable, Equatable {
    /// The template of requests that have none, and of templates past the cache's limit.
    public static let other = "other"

    /// The route template: the method and the matched route, such as
    /// `GET /api/users/{user}/orders`; `other` for requests the middleware could not name (and
    /// for templates past the cache's limit).
    public var route: String
    /// Lookups answered from the cache.
    public var hits: UInt64
    /// Lookups that had to compute.
    public var misses: UInt64
    /// Entries held now.
    public var keys: Int
    /// Bytes they take.
    public var bytes: Int
    /// Computations timed (the misses that ran the route).
    public var computations: UInt64
    /// Their total time, in seconds.
    public var computeSeconds: Double
    /// The median time of a computation (the cost of a miss), in seconds, from a log-scale
    /// histogram (within about 12%); `nil` before the first.
    public var missCostP50Seconds: Double?
    /// Sampled hits of the route compared with a fresh computation, and how many were stale (a
    /// verify of a prefix counts in the prefix and the totals only: it knows entries, not their
    /// templates).
    public var verifications: UInt64
    /// See ``verifications``.
    public var staleVerifications: UInt64

    /// Creates the figures of a route.
    public init(
        route: String, hits: UInt64 = 0, misses: UInt64 = 0, keys: Int = 0, bytes: Int = 0, computations: UInt64 = 0,
        computeSeconds: Double = 0, missCostP50Seconds: Double? = nil, verifications: UInt64 = 0,
        staleVerifications: UInt64 = 0
    ) {
        self.route = route
        self.hits = hits
        self.misses = misses
        self.keys = keys
        self.bytes = bytes
        self.computations = computations
        self.computeSeconds = computeSeconds
        self.missCostP50Seconds = missCostP50Seconds
        self.verifications = verifications
        self.staleVerifications = staleVerifications
    }

    /// Hits over lookups, or `nil` before the first lookup.
    public var hitRatio: Double? {
        hits + misses == 0 ? nil : Double(hits) / Double(hits + misses)
    }

    /// The mean time of a computation, in seconds, or `nil` before the first.
    public var meanMissCostSeconds: Double? {
        computations == 0 ? nil : computeSeconds / Double(computations)
    }

    /// The computation the cache saved: each hit would have cost a mean miss. Seconds.
    public var savedSeconds: Double {
        Double(hits) * (meanMissCostSeconds ?? 0)
    }
}
