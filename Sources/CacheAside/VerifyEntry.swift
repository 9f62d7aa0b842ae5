/// One cached entry handed to a verifier: its route key, whose it is, and the bytes stored.
public struct VerifyEntry: Sendable {
    /// The route key, as given to ``CacheAside/cached(key:user:ttl:_:)`` or built by the middleware.
    public var key: String
    /// Whose entry it is; `nil` for the public prefix.
    public var user: String?
    /// The bytes stored.
    public var stored: [UInt8]
}
