/// Errors of the caching layer's own API (a computation's errors are rethrown unchanged).
public enum CacheAsideError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A prefix given by a caller is not one this cache writes.
    case invalidPrefix(String, reason: String)
    /// A stats or keys query is out of range.
    case invalidQuery(String)
    /// The store failed while doing something that cannot fail open, such as a purge.
    case storeUnavailable(String)
    /// A purge's reason or origin cannot be stored (too long, or with control characters).
    case invalidReason(String)
    /// Something this cache does not do, or does not allow, such as a purge of a cache attached
    /// read-only; the text says why and what would allow it.
    case notAllowed(String)

    public var description: String {
        switch self {
        case .invalidPrefix(let prefix, let reason):
            "invalid prefix \"\(prefix)\": \(reason)"
        case .invalidQuery(let reason):
            "invalid query: \(reason)"
        case .storeUnavailable(let reason):
            "the cache store is unavailable: \(reason)"
        case .invalidReason(let reason):
            "invalid purge reason: \(reason)"
        case .notAllowed(let reason):
            reason
        }
    }
}
