extension MemoryStore {
    /// How a ``MemoryStore`` bounds itself and reports.
    public struct Configuration: Sendable {
        /// The byte budget for keys, values and bookkeeping; least-recently-used entries go beyond it.
        public var maxBytes: Int
        /// Entries with less time to live than this are counted as expiring soon.
        public var expiringSoonHorizon: Duration
        /// How often the sweeper removes expired entries.
        public var sweepInterval: Duration
        /// How many deadlines the sweeper handles per lock hold.
        public var sweepBatchSize: Int
        /// How many events the ring keeps.
        public var eventCapacity: Int
        /// How long a prefix that holds no entries is remembered after its last use (with its
        /// per-prefix counters and last purge time); the totals keep counting it.
        public var idlePrefixRetention: Duration
        /// How many events each prefix's timeline keeps (stored, first hit, purged with its
        /// reason, expired, evicted…).
        public var timelineLength: Int
        /// How many timeline events are kept in all; the oldest of the store goes first.
        public var timelineCapacity: Int

        /// Creates a configuration; by default 64 MiB, a 60 s horizon, a sweep every second, 10,000
        /// events, empty prefixes forgotten after an idle hour, and timelines of 100 events per
        /// prefix, 100,000 in all.
        public init(
            maxBytes: Int = 64 * 1024 * 1024,
            expiringSoonHorizon: Duration = .seconds(60),
            sweepInterval: Duration = .seconds(1),
            sweepBatchSize: Int = 10_000,
            eventCapacity: Int = 10_000,
            idlePrefixRetention: Duration = .seconds(3600),
            timelineLength: Int = 100,
            timelineCapacity: Int = 100_000
        ) {
            self.maxBytes = maxBytes
            self.expiringSoonHorizon = expiringSoonHorizon
            self.sweepInterval = sweepInterval
            self.sweepBatchSize = max(1, sweepBatchSize)
            self.eventCapacity = eventCapacity
            self.idlePrefixRetention = idlePrefixRetention
            self.timelineLength = max(1, timelineLength)
            self.timelineCapacity = max(1, timelineCapacity)
        }

        var horizonNanoseconds: Int64 { CacheClock.nanoseconds(expiringSoonHorizon) }
        var idlePrefixRetentionNanoseconds: Int64 { CacheClock.nanoseconds(idlePrefixRetention) }
    }
}
