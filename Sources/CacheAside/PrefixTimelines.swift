/// The latest events of each prefix, newest last, bounded per prefix and in total: what
/// `GET /_cache/prefixes/{prefix}/events` answers and the monitor's keys view shows under a user's
/// keys.
///
/// When the total is reached, the oldest event of the whole store goes first, so quiet prefixes
/// keep their history while busy ones churn through theirs; a prefix whose last event goes is
/// forgotten.
struct PrefixTimelines: Sendable {
    /// The most events kept per prefix.
    let perPrefix: Int
    /// The most events kept in all.
    let total: Int

    private var timelines: [String: [(stamp: UInt64, event: CacheEvent)]] = [:]
    /// Every event's prefix and stamp, oldest first from `head`; some already gone from their
    /// prefix (pushed out by its own bound), which the total then counts until they are passed.
    private var order: [(prefix: String, stamp: UInt64)] = []
    private var head = 0
    private var lastStamp: UInt64 = 0

    init(perPrefix: Int, total: Int) {
        self.perPrefix = max(1, perPrefix)
        self.total = max(1, total)
    }

    /// Adds `event` to the timeline of its prefix; an event without a prefix is not kept.
    mutating func append(_ event: CacheEvent) {
        guard let prefix = event.prefix else { return }
        lastStamp += 1
        timelines[prefix, default: []].append((lastStamp, event))
        if let count = timelines[prefix]?.count, count > perPrefix {
            timelines[prefix]?.removeFirst(count - perPrefix)
        }
        order.append((prefix, lastStamp))
        while order.count - head > total { dropOldest() }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Up to `limit` events of `prefix`, newest first; `nil` if it has none.
    func events(of prefix: String, limit: Int) -> [CacheEvent]? {
        guard let timeline = timelines[prefix], !timeline.isEmpty else { return nil }
        return timeline.suffix(limit).reversed().map(\.event)
    }

    /// How many events are held, in all.
    var count: Int { timelines.values.reduce(0) { $0 + $1.count } }

    private mutating func dropOldest() {
        let (prefix, stamp) = order[head]
        head += 1
        guard let first = timelines[prefix]?.first, first.stamp == stamp else { return }
        timelines[prefix]?.removeFirst()
        if timelines[prefix]?.isEmpty == true { timelines[prefix] = nil }
    }
}
