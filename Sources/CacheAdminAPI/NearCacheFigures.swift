/// What one instance's near cache (its in-process copies of a shared store's entries) holds and
/// served, as the instance reports it.
public struct NearCacheFigures: Codable, Sendable, Equatable {
    /// Hits served from the near cache since the instance started (counted in its hits too).
    public var hits: UInt64
    /// Entries held now.
    public var entries: Int
    /// Bytes held now (values, keys and bookkeeping).
    public var bytes: Int
    /// Whether it follows the store's invalidations; while not, it holds and serves nothing.
    public var live: Bool

    public init(hits: UInt64, entries: Int, bytes: Int, live: Bool) {
        self.hits = hits
        self.entries = entries
        self.bytes = bytes
        self.live = live
    }
}
