/// Whether one cached entry is still what its route computes now.
public struct VerifyResult: Codable, Sendable, Equatable {
    /// What the comparison found.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// The fresh computation matches the stored value.
        case fresh
        /// It differs: the entry has been wrong for at most its age.
        case stale
        /// The computation failed (an error, a status other than 200, the deadline).
        case error
        /// The entry cannot be computed again here (a route that cannot be replayed, a value no
        /// recompute closure knows).
        case unverifiable
    }

    /// The route key.
    public var key: String
    /// What the comparison found.
    public var state: State
    /// The entry's age when verified, in seconds: for a stale entry, how long it has been wrong at most.
    public var ageSeconds: Double
    /// The generation the entry was stored in.
    public var generation: UInt64
    /// Why it failed or cannot be verified.
    public var message: String?

    /// Creates a result.
    public init(key: String, state: State, ageSeconds: Double, generation: UInt64, message: String? = nil) {
        self.key = key
        self.state = state
        self.ageSeconds = ageSeconds
        self.generation = generation
        self.message = message
    }
}
