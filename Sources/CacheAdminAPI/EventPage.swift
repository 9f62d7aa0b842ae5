/// The answer to `GET /_cache/events?after=N`: the events after a sequence number.
public struct EventPage: Codable, Sendable, Equatable {
    /// Events with `seq` greater than the one asked for, oldest first.
    public var events: [CacheEvent]
    /// Events after the one asked for that are no longer held (the caller fell behind the ring).
    public var dropped: UInt64
    /// The sequence number to ask after next time.
    public var lastSeq: UInt64
    /// The sequence number of the newest event the server holds (0 before the first), so a
    /// client that only wants the latest few can ask after `newestSeq - n`.
    public var newestSeq: UInt64

    /// Creates a page.
    public init(events: [CacheEvent], dropped: UInt64, lastSeq: UInt64, newestSeq: UInt64) {
        self.events = events
        self.dropped = dropped
        self.lastSeq = lastSeq
        self.newestSeq = newestSeq
    }
}
