import Foundation

/// One answer of `GET /_cache/stats`: the totals and one page of prefixes.
public struct StatsSnapshot: Codable, Sendable, Equatable {
    /// ``CacheStatsSchema/version`` of the server that wrote it.
    public var schemaVersion: Int
    /// The server's clock when the snapshot was taken.
    public var serverTime: Date
    /// Seconds since the store started; it goes down when the server restarts.
    public var uptimeSeconds: Double
    /// The store behind the cache: `memory` or `redis`.
    public var backend: String
    /// Identifies the process that answered, so a monitor notices a restart or another instance.
    public var instance: String
    /// The namespace every prefix starts with.
    public var namespace: String
    /// Whether the circuit breaker is skipping the store after repeated failures.
    public var circuitOpen: Bool
    /// Counters and gauges of the whole cache.
    public var totals: CacheTotals
    /// How many prefixes match the query's filter (all pages together).
    public var prefixCount: Int
    /// The query this page answers; its `offset` is the one used (it differs from the one asked
    /// for when `focus` moved the page).
    public var query: StatsQuery
    /// One page of prefixes, in the query's order.
    public var prefixes: [PrefixStats]

    /// Creates a snapshot.
    public init(
        schemaVersion: Int = CacheStatsSchema.version, serverTime: Date, uptimeSeconds: Double, backend: String,
        instance: String, namespace: String, circuitOpen: Bool = false, totals: CacheTotals, prefixCount: Int,
        query: StatsQuery, prefixes: [PrefixStats]
    ) {
        self.schemaVersion = schemaVersion
        self.serverTime = serverTime
        self.uptimeSeconds = uptimeSeconds
        self.backend = backend
        self.instance = instance
        self.namespace = namespace
        self.circuitOpen = circuitOpen
        self.totals = totals
        self.prefixCount = prefixCount
        self.query = query
        self.prefixes = prefixes
    }
}
