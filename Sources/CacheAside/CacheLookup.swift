/// What a lookup found.
public enum CacheLookup: Sendable, Equatable {
    /// The stored bytes, unchanged.
    case hit([UInt8])
    /// Nothing usable; store the computed value with this generation.
    case miss(generation: UInt64)
}
