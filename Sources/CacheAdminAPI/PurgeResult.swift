/// What a purge did.
///
/// ```swift
/// let result = try await cache.purge(user: "42")
/// print("removed \(result.removedKeys) keys in \(result.duration)")
/// ```
public struct PurgeResult: Codable, Sendable, Equatable {
    /// The prefix purged, for example `api:{u:42}`.
    public var prefix: String
    /// Its user; `nil` for the public prefix.
    public var user: String?
    /// Entries removed.
    public var removedKeys: Int
    /// Bytes freed.
    public var removedBytes: Int
    /// The prefix's generation after the purge: values computed in an earlier one are never stored.
    public var generation: UInt64
    /// How long the purge took, in seconds.
    public var durationSeconds: Double

    /// Creates a purge result.
    public init(
        prefix: String, user: String?, removedKeys: Int, removedBytes: Int, generation: UInt64,
        durationSeconds: Double
    ) {
        self.prefix = prefix
        self.user = user
        self.removedKeys = removedKeys
        self.removedBytes = removedBytes
        self.generation = generation
        self.durationSeconds = durationSeconds
    }

    /// How long the purge took.
    public var duration: Duration {
        .nanoseconds(Int64((durationSeconds * 1e9).rounded()))
    }
}
