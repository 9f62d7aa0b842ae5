import Foundation

/// Something the cache did that an operator may want to see as it happens.
public struct CacheEvent: Codable, Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// An entry's time to live ran out.
        case expired
        /// An entry was removed to stay within the byte budget.
        case evicted
        /// A prefix was purged.
        case purged
        /// A value computed before a purge arrived after it and was not stored.
        case staleSetRejected
        /// The store failed; the request was served uncached.
        case storeError
        /// A computed value was stored (kept in the prefix's timeline only).
        case stored
        /// An entry was served for the first time since it was stored (timeline only).
        case firstHit
        /// A prefix's entries were computed again and compared (`message` says how many were
        /// fresh and stale; `count` is the stale ones).
        case verified
        /// A hit, verified in the background after it was served, was stale: the cached answer
        /// no longer matched what the route computes.
        case staleHit

        /// Whether the store-wide event ring carries it too; the others, one per stored value or
        /// first hit, would drown it, and are kept only in their prefix's timeline.
        public var isInRing: Bool {
            switch self {
            case .stored, .firstHit: false
            default: true
            }
        }
    }

    /// Increases by one for every event of the ring; ``EventPage`` uses it to page and to count
    /// what was missed. 0 for an event kept only in a prefix's timeline.
    public var seq: UInt64
    /// When it happened, by the server's clock.
    public var time: Date
    /// What happened.
    public var kind: Kind
    /// The prefix concerned, if any.
    public var prefix: String?
    /// The user of that prefix; `nil` for the public prefix or when no prefix is concerned.
    public var user: String?
    /// The route key concerned (expired, evicted, staleSetRejected).
    public var key: String?
    /// How many entries went (purged).
    public var count: Int?
    /// The generation of the entry (stored, firstHit) or the prefix's new one (purged).
    public var generation: UInt64?
    /// Why (purged): see ``PurgeReason``.
    public var reason: String?
    /// Who asked (purged): see ``PurgeReason``.
    public var origin: String?
    /// The instance that did it (purged).
    public var instance: String?
    /// How long it took, in seconds (purged).
    public var durationSeconds: Double?
    /// A human-readable explanation (storeError).
    public var message: String?

    /// Creates an event.
    public init(
        seq: UInt64, time: Date, kind: Kind, prefix: String? = nil, user: String? = nil, key: String? = nil,
        count: Int? = nil, durationSeconds: Double? = nil, message: String? = nil, generation: UInt64? = nil,
        reason: PurgeReason? = nil
    ) {
        self.seq = seq
        self.time = time
        self.kind = kind
        self.prefix = prefix
        self.user = user
        self.key = key
        self.count = count
        self.durationSeconds = durationSeconds
        self.message = message
        self.generation = generation
        self.reason = reason?.reason
        self.origin = reason?.origin
        self.instance = reason?.instance
    }
}
