/// The latest events of each prefix, newest last, bounded per prefix and in total: what
/// `GET /_cache/prefixes/{prefix}/events` answers and the monitor's keys view shows under a user's
/// keys.
///
/// When the total is reached, the oldest event of the whole store goes first, so quiet prefixes
/// keep their history while busy ones churn through theirs; a prefix whose last event goes is
/// forgotten.
package struct PrefixTimelines: Sendable {
    /// The most events kept per prefix.
    package let perPrefix: Int
    /// The most events kept in all.
    package let total: Int

    private var timelines: [String: [(stamp: UInt64, event: CacheEvent)]] = [:]
    /// Every event's prefix and stamp, oldest first from `head`. Some are already gone from their
    /// prefix (pushed out by its own bound): they are skipped when met, and the list is rebuilt
    /// from what is held when they pile up.
    private var order: [(prefix: String, stamp: UInt64)] = []
    private var head = 0
    private var lastStamp: UInt64 = 0
    /// How many events are held, in all.
    package private(set) var count = 0

    package init(perPrefix: Int, total: Int) {
        self.perPrefix = max(1, perPrefix)
        self.total = max(1, total)
    }

    /// Adds `event` to the timeline of its prefix; an event without a prefix is not kept.
    package mutating func append(_ event: CacheEvent) {
        guard let prefix = event.prefix else { return }
        lastStamp += 1
        timelines[prefix, default: []].append((lastStamp, event))
        count += 1
        if let held = timelines[prefix]?.count, held > perPrefix {
            timelines[prefix]?.removeFirst(held - perPrefix)
            count -= held - perPrefix
        }
        order.append((prefix, lastStamp))
        while count > total { dropOldest() }
        if order.count - head > 2 * total + 1024 {
            rebuildOrder()
        } else if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Up to `limit` events of `prefix`, newest first; `nil` if it has none.
    package func events(of prefix: String, limit: Int) -> [CacheEvent]? {
        guard let timeline = timelines[prefix], !timeline.isEmpty else { return nil }
        return timeline.suffix(limit).reversed().map(\.event)
    }

    /// Removes the store's oldest event that is still held.
    private mutating func dropOldest() {
        while head < order.count {
            let (prefix, stamp) = order[head]
            head += 1
            guard let first = timelines[prefix]?.first, first.stamp == stamp else { continue }
            timelines[prefix]?.removeFirst()
            count -= 1
            if timelines[prefix]?.isEmpty == true { timelines[prefix] = nil }
            return
        }
    }

    /// The order of the events held, without the ones already gone.
    private mutating func rebuildOrder() {
        order = timelines.flatMap { prefix, timeline in timeline.map { (prefix, $0.stamp) } }
            .sorted { $0.stamp < $1.stamp }
        head = 0
    }
}
