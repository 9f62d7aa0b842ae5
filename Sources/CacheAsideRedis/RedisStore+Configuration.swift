import Foundation
import RESP

#if canImport(Glibc)
    import Glibc
#endif

extension RedisStore {
    /// How a ``RedisStore`` talks to Redis and reports.
    public struct Configuration: Sendable {
        /// Names the store-wide keys (`{name}:prefixes`, `{name}:events`, …), so several caches
        /// can share one Redis; every instance of one cache must use the same name.
        public var name: String
        /// Standalone Redis, Redis Cluster, or decided from the server's `INFO cluster` at first use
        /// (the default).
        public var mode: RedisClient.Mode
        /// How many pipelined connections each instance opens at most for the hit path.
        public var maximumConnections: Int
        /// How many more it opens for flushes, sweeps, statistics and admin calls, so those never
        /// queue the hit path behind them.
        public var backgroundConnections: Int
        /// The name every connection gives itself (`CLIENT SETNAME`), so `CLIENT LIST` shows
        /// whose it is; by default `cachemon:<host>:<pid>`.
        public var clientName: String?
        /// CA, client certificate and key for a `rediss://` URL.
        public var tls: RedisTLS
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
        /// How many prefixes one sweep round visits, and how many entries of each it removes.
        public var sweepBatchSize: Int
        /// How long one sweep may keep going (rounds of ``sweepBatchSize``) before it leaves the
        /// rest for the next flush interval.
        public var sweepBudget: Duration
        /// How long a prefix that holds no entries is remembered after its last use (with its
        /// per-prefix counters and last purge time); the totals keep counting it.
        public var idlePrefixRetention: Duration
        /// How long after its last deadline (or last use, plus ``idlePrefixRetention``) Redis
        /// removes a key by itself if no instance did: the backstop for a cache nobody runs any more.
        public var expiryBackstop: Duration
        /// How many replicas must confirm a purge (`WAIT`) when the Redis has replicas; 0 to not wait.
        /// With fewer replicas than this, all of them must confirm.
        public var purgeReplicas: Int
        /// How long a purge waits for its replicas before it is reported as failed.
        public var purgeReplicationTimeout: Duration
        /// How long statistics filtered by user may scan before answering what they found so far,
        /// flagged ``StoreStatistics/partial``.
        public var filterBudget: Duration
        /// How many partitions a store on Redis Cluster has (on a single Redis, always one): a
        /// power of two from 16 to 1,024, 32 by default, the same for every instance (it is part
        /// of the key layout; an instance with another count refuses the store). A prefix's keys
        /// live in its partition's slot, so more partitions spread data and writes more evenly
        /// over more primaries and move in smaller pieces in a reshard; fewer make every
        /// statistics query cheaper, as each reads every partition (see `docs/redis.md`).
        public var clusterPartitions: Int
        /// The most bytes of values this instance keeps in memory as near copies of entries it
        /// read, so hits on them need no round trip (see ``NearCache`` and `docs/redis.md`); 0,
        /// the default here, keeps none. `cachemon serve --redis` keeps 64 MiB by default.
        public var nearCacheBytes: Int
        /// How many events each prefix's timeline keeps (stored, first hit, purged with its
        /// reason, expired, rejected stale writes), in a list in the prefix's slot.
        public var timelineLength: Int
        /// How long a prefix's timeline is kept after its last event.
        public var timelineLifetime: Duration

        /// Creates a configuration; by default 4 connections for the hit path and 2 more, 500 ms
        /// timeouts, a flush every second, a 60 s horizon, 10,000 events, values up to 16 MiB,
        /// sweeps of at most 100 ms, empty prefixes forgotten after an idle hour, a backstop of a
        /// day, purges confirmed by one replica within a second when there are replicas, and user filters
        /// answered within 400 ms, and timelines of 100 events kept a day after their last.
        public init(
            name: String = "cachemon",
            maximumConnections: Int = 4,
            backgroundConnections: Int = 2,
            clientName: String? = RedisStore.defaultClientName(),
            tls: RedisTLS = .init(),
            connectTimeout: Duration = .milliseconds(500),
            commandTimeout: Duration = .milliseconds(500),
            flushInterval: Duration = .seconds(1),
            expiringSoonHorizon: Duration = .seconds(60),
            eventCapacity: Int = 10_000,
            maximumValueBytes: Int = 16 * 1024 * 1024,
            sweepBatchSize: Int = 100,
            sweepBudget: Duration = .milliseconds(100),
            idlePrefixRetention: Duration = .seconds(3600),
            expiryBackstop: Duration = .seconds(86_400),
            purgeReplicas: Int = 1,
            purgeReplicationTimeout: Duration = .seconds(1),
            filterBudget: Duration = .milliseconds(400),
            mode: RedisClient.Mode = .automatic,
            clusterPartitions: Int = 32,
            nearCacheBytes: Int = 0,
            timelineLength: Int = 100,
            timelineLifetime: Duration = .seconds(86_400)
        ) {
            self.nearCacheBytes = max(0, nearCacheBytes)
            self.timelineLength = max(1, timelineLength)
            self.timelineLifetime = max(.seconds(1), timelineLifetime)
            self.name = name
            self.mode = mode
            self.maximumConnections = max(1, maximumConnections)
            self.backgroundConnections = max(1, backgroundConnections)
            self.clientName = clientName
            self.tls = tls
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.flushInterval = flushInterval
            self.expiringSoonHorizon = expiringSoonHorizon
            self.eventCapacity = max(1, eventCapacity)
            self.maximumValueBytes = maximumValueBytes
            self.sweepBatchSize = max(1, sweepBatchSize)
            self.sweepBudget = sweepBudget
            self.idlePrefixRetention = idlePrefixRetention
            self.expiryBackstop = max(.seconds(1), expiryBackstop)
            self.purgeReplicas = max(0, purgeReplicas)
            self.purgeReplicationTimeout = purgeReplicationTimeout
            self.filterBudget = filterBudget
            self.clusterPartitions = Self.partitionCount(near: clusterPartitions)
        }

        /// The power of two from 16 to 1,024 nearest `count` (rounding down).
        static func partitionCount(near count: Int) -> Int {
            var partitions = 16
            while partitions < 1024, partitions * 2 <= count { partitions *= 2 }
            return partitions
        }
    }
}

extension RedisStore {
    /// `cachemon:<host>:<pid>`: what `CLIENT LIST` shows for this process's connections.
    public static func defaultClientName() -> String {
        // gethostname, not ProcessInfo.hostName: that one may ask DNS, and this runs at every init.
        var buffer = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        let short = host.split(separator: ".").first.map(String.init) ?? "host"
        return "cachemon:\(short.isEmpty ? "host" : short):\(ProcessInfo.processInfo.processIdentifier)"
    }
}
