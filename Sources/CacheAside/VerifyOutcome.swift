/// What a verifier found for one entry.
public enum VerifyOutcome: Sendable, Equatable {
    /// The fresh computation matches the stored value.
    case fresh
    /// It does not.
    case stale
    /// The computation failed; the text says how.
    case failed(String)
    /// This verifier cannot compute the entry again (another one may); the text says why.
    case unverifiable(String)
}

/// Computes an entry again, without the cache and without storing, and compares it with what is
/// stored. ``CacheAside/registerRecompute(comparison:_:)`` makes one from a plain closure; the
/// Hummingbird admin routes bring one that replays the route.
public typealias Verifier = @Sendable (_ entry: VerifyEntry) async -> VerifyOutcome
