/// The latest events in a fixed-size ring, numbered so a poller can ask for what is new and learn
/// how much it missed.
public struct EventRing: Sendable {
    /// The most events one page may ask for.
    public static let maximumPage = 10_000

    /// How many events are kept.
    public let capacity: Int
    private var buffer: [CacheEvent] = []
    /// Where the oldest event sits once the buffer is full.
    private var start = 0
    /// The sequence number of the newest event; 0 before the first.
    public private(set) var lastSeq: UInt64 = 0

    /// Creates an empty ring holding at most `capacity` events (at least one).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        buffer.reserveCapacity(min(self.capacity, 1024))
    }

    /// Appends an event, numbering it; the oldest one goes when the ring is full.
    public mutating func append(_ make: (_ seq: UInt64) -> CacheEvent) {
        lastSeq += 1
        let event = make(lastSeq)
        if buffer.count < capacity {
            buffer.append(event)
        } else {
            buffer[start] = event
            start = (start + 1) % capacity
        }
    }

    /// Up to `limit` events with a sequence number above `after`, oldest first, and how many such
    /// events are no longer held.
    ///
    /// If `after` is beyond ``lastSeq`` (the server restarted since the caller's last page), the
    /// page is empty and its `lastSeq` is lower than `after`: start again from 0.
    public func page(after: UInt64, limit: Int) -> EventPage {
        guard after < lastSeq else {
            return EventPage(events: [], dropped: 0, lastSeq: min(after, lastSeq), newestSeq: lastSeq)
        }
        let oldestSeq = lastSeq - UInt64(buffer.count) + 1
        let firstWanted = max(after + 1, oldestSeq)
        let dropped = after + 1 < oldestSeq ? oldestSeq - (after + 1) : 0
        guard firstWanted <= lastSeq, limit > 0 else {
            return EventPage(events: [], dropped: dropped, lastSeq: min(after, lastSeq), newestSeq: lastSeq)
        }
        let count = Int(min(UInt64(limit), lastSeq - firstWanted + 1))
        let firstIndex = Int(firstWanted - oldestSeq)
        let events = (0..<count).map { buffer[(start + firstIndex + $0) % buffer.count] }
        return EventPage(events: events, dropped: dropped, lastSeq: events.last?.seq ?? after, newestSeq: lastSeq)
    }
}
