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
    /// Whether the store answered before it had looked at every prefix (a filter that ran out of
    /// time): ``prefixCount`` is then "at least". Absent in JSON from older servers: `false`.
    public var partial: Bool
    /// What `cachemon attach` says of the Redis it watches (its scan, notifications, estimates);
    /// absent for a cache kept by CacheAside.
    public var attach: AttachStatus?

    /// Creates a snapshot.
    public init(
        schemaVersion: Int = CacheStatsSchema.version, serverTime: Date, uptimeSeconds: Double, backend: String,
        instance: String, namespace: String, circuitOpen: Bool = false, totals: CacheTotals, prefixCount: Int,
        query: StatsQuery, prefixes: [PrefixStats], partial: Bool = false, attach: AttachStatus? = nil
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
        self.partial = partial
        self.attach = attach
    }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, serverTime, uptimeSeconds, backend, instance, namespace, circuitOpen, totals
        case prefixCount, query, prefixes, partial, attach
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        serverTime = try container.decode(Date.self, forKey: .serverTime)
        uptimeSeconds = try container.decode(Double.self, forKey: .uptimeSeconds)
        backend = try container.decode(String.self, forKey: .backend)
        instance = try container.decode(String.self, forKey: .instance)
        namespace = try container.decode(String.self, forKey: .namespace)
        circuitOpen = try container.decode(Bool.self, forKey: .circuitOpen)
        totals = try container.decode(CacheTotals.self, forKey: .totals)
        prefixCount = try container.decode(Int.self, forKey: .prefixCount)
        query = try container.decode(StatsQuery.self, forKey: .query)
        prefixes = try container.decode([PrefixStats].self, forKey: .prefixes)
        partial = try container.decodeIfPresent(Bool.self, forKey: .partial) ?? false
        attach = try container.decodeIfPresent(AttachStatus.self, forKey: .attach)
    }
}
