/// What happened to a write.
public enum StoreOutcome: Sendable, Equatable {
    /// Stored.
    case stored
    /// Dropped: the prefix was purged after the computation started.
    case rejectedStale
    /// Dropped: the value alone is larger than the store's budget.
    case tooLarge
    /// Dropped: the store is full and refused the write before changing anything (counted as
    /// ``CacheCounter/setsRefusedForMemory``).
    case refusedForMemory
}
