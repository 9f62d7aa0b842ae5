import NIOConcurrencyHelpers

/// The heartbeats a ``MemoryStore`` received, by instance id: in one process that is the instance
/// itself (and any other ``CacheAside`` sharing the store).
///
/// An instance is alive while its last heartbeat is within the heartbeat's time to live, listed as
/// dead until ten times that, then forgotten; times are the store's clock.
final class InstanceRegistry: Sendable {
    private struct Entry: Sendable {
        var instance: InstanceInfo
        /// When the heartbeat came, in store clock nanoseconds.
        var receivedAt: Int64
        var timeToLive: Int64
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    /// How many times its time to live a dead instance stays listed.
    static let retentionFactor: Int64 = 10

    func record(_ heartbeat: InstanceHeartbeat, now: Int64) {
        let timeToLive = max(1, CacheClock.nanoseconds(heartbeat.timeToLive))
        let entry = Entry(instance: heartbeat.instance, receivedAt: now, timeToLive: timeToLive)
        entries.withLockedValue { $0[heartbeat.instance.id] = entry }
    }

    /// The instances, ordered by id, as of `now`; those past their retention are forgotten.
    func list(now: Int64, clock: CacheClock) -> [InstanceInfo] {
        entries.withLockedValue { entries in
            entries = entries.filter { _, entry in now - entry.receivedAt <= Self.retention(entry.timeToLive) }
            var listed: [InstanceInfo] = []
            for entry in entries.values {
                var instance = entry.instance
                instance.lastSeen = clock.date(at: entry.receivedAt)
                instance.alive = now - entry.receivedAt <= entry.timeToLive
                listed.append(instance)
            }
            listed.sort { $0.id < $1.id }
            return listed
        }
    }

    /// Ten times `timeToLive`, without overflowing.
    static func retention(_ timeToLive: Int64) -> Int64 {
        let (product, overflow) = timeToLive.multipliedReportingOverflow(by: retentionFactor)
        return overflow ? .max : product
    }
}
