/// What a computation hands to ``CacheAside/lookupOrCompute(key:user:ttl:_:)``.
public struct ComputedValue: Sendable {
    /// The serialized value.
    public var bytes: [UInt8]
    /// Whether it may be stored and shared with other callers; `false` for a value meant only
    /// for this caller (an error page, a response that sets a cookie).
    public var isCacheable: Bool

    /// Creates a computed value.
    public init(bytes: [UInt8], isCacheable: Bool = true) {
        self.bytes = bytes
        self.isCacheable = isCacheable
    }
}

/// Bytes from the cache, and how they were obtained.
public struct CachedBytes: Sendable, Equatable {
    /// Where the bytes came from.
    public enum Source: Sendable, Equatable {
        /// Found in the store.
        case hit
        /// Computed by this caller (and stored if cacheable).
        case computed
        /// Computed by another caller whose computation this one waited for.
        case shared
        /// Computed by this caller and not stored: the store is failing, or the value of the
        /// computation it waited for was not shareable.
        case uncached
    }

    /// The value's bytes, exactly as stored or computed.
    public var bytes: [UInt8]
    /// Where they came from.
    public var source: Source

    /// Creates a result.
    public init(bytes: [UInt8], source: Source) {
        self.bytes = bytes
        self.source = source
    }
}
