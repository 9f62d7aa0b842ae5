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

        /// Creates a configuration; by default 64 MiB, a 60 s horizon, a sweep every second and 10,000 events.
        public init(
            maxBytes: Int = 64 * 1024 * 1024,
            expiringSoonHorizon: Duration = .seconds(60),
            sweepInterval: Duration = .seconds(1),
            sweepBatchSize: Int = 10_000,
            eventCapacity: Int = 10_000
        ) {
            self.maxBytes = maxBytes
            self.expiringSoonHorizon = expiringSoonHorizon
            self.sweepInterval = sweepInterval
            self.sweepBatchSize = max(1, sweepBatchSize)
            self.eventCapacity = eventCapacity
        }

        var horizonNanoseconds: Int64 { CacheClock.nanoseconds(expiringSoonHorizon) }
    }
}
