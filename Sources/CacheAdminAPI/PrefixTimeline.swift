/// The answer to `GET /_cache/prefixes/{prefix}/events`: the latest events of one prefix, newest
/// first, so a stale-data report can be read at a glance ("stored 10:02 gen 7 · purged 10:03 order
/// created · stored 10:03 gen 8").
public struct PrefixTimeline: Codable, Sendable, Equatable {
    /// The prefix, for example `api:{u:42}`.
    public var prefix: String
    /// Its user; `nil` for the public prefix.
    public var user: String?
    /// Its latest events, newest first: stored, first hits, purges with their reason and origin,
    /// expirations, evictions, rejected stale writes, store errors.
    public var events: [CacheEvent]

    /// Creates a timeline.
    public init(prefix: String, user: String?, events: [CacheEvent]) {
        self.prefix = prefix
        self.user = user
        self.events = events
    }
}
