extension RedisStore {
    /// How a ``RedisStore`` talks to Redis and reports.
    public struct Configuration: Sendable {
        /// Names the store-wide keys (`{name}:prefixes`, `{name}:events`, …), so several caches
        /// can share one Redis; every instance of one cache must use the same name.
        public var name: String
        /// How many pipelined connections each instance opens at most.
        public var maximumConnections: Int
        /// How long connecting may take before the store counts as down.
        public var connectTimeout: Duration
        /// How long a command may wait for its answer; a request waits at most this long for a
        /// store that has stopped answering before it is served uncached.
        public var commandTimeout: Duration
        /// How often batched counters and events are written and expired entries swept.
        public var flushInterval: Duration
        /// Entries with less time to live than this are counted as expiring soon.
        public var expiringSoonHorizon: Duration
        /// How many events the shared ring keeps.
        public var eventCapacity: Int
        /// Values larger than this are not stored (``StoreOutcome/tooLarge``).
        public var maximumValueBytes: Int
        /// How many prefixes one sweep visits, and how many entries of each it removes.
        public var sweepBatchSize: Int
        /// How long a prefix that holds no entries is remembered after its last use (with its
        /// per-prefix counters and last purge time); the totals keep counting it.
        public var idlePrefixRetention: Duration

        /// Creates a configuration; by default 4 connections, 500 ms timeouts, a flush every second,
        /// a 60 s horizon, 10,000 events, values up to 16 MiB, and empty prefixes forgotten after an idle
        /// hour.
        public init(
            name: String = "cachemon",
            maximumConnections: Int = 4,
            connectTimeout: Duration = .milliseconds(500),
            commandTimeout: Duration = .milliseconds(500),
            flushInterval: Duration = .seconds(1),
            expiringSoonHorizon: Duration = .seconds(60),
            eventCapacity: Int = 10_000,
            maximumValueBytes: Int = 16 * 1024 * 1024,
            sweepBatchSize: Int = 1_000,
            idlePrefixRetention: Duration = .seconds(3600)
        ) {
            self.name = name
            self.maximumConnections = max(1, maximumConnections)
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.flushInterval = flushInterval
            self.expiringSoonHorizon = expiringSoonHorizon
            self.eventCapacity = max(1, eventCapacity)
            self.maximumValueBytes = maximumValueBytes
            self.sweepBatchSize = max(1, sweepBatchSize)
            self.idlePrefixRetention = idlePrefixRetention
        }
    }
}
