/// The slice of the cache that belongs to one user: `<namespace>:{u:<escaped user>}`.
///
/// The braces are a Redis Cluster hash tag, so a user's entries, index and generation share a slot.
/// The user id is data, never a pattern: every byte outside `A–Z a–z 0–9 _ . ~ @ -` is
/// percent-encoded, so `4*`, `[12]`, `a?c`, `x:y` or `}` can only ever name themselves.
///
/// ```swift
/// CachePrefix(namespace: "api", user: "42").rawValue    // "api:{u:42}"
/// CachePrefix(namespace: "api", user: "4*").rawValue    // "api:{u:4%2A}"
/// CachePrefix(namespace: "api", user: nil).rawValue     // "api:{u:-}", the shared public prefix
/// ```
public struct CachePrefix: Hashable, Sendable, CustomStringConvertible {
    /// The namespace, for example `api`.
    public let namespace: String
    /// The user, unescaped; `nil` for the shared public prefix.
    public let user: String?
    /// The prefix as stored, for example `api:{u:42}`.
    public let rawValue: String

    /// The prefix of `user` in `namespace`; `nil` means the shared public prefix.
    public init(namespace: String, user: String?) {
        self.namespace = namespace
        self.user = user
        self.rawValue = PrefixFormat.prefix(namespace: namespace, user: user)
    }

    /// Parses a prefix as written by ``rawValue``, refusing any other spelling (``PrefixFormat/parse(_:namespace:)``).
    ///
    /// - Throws: ``CacheAsideError/invalidPrefix(_:reason:)`` when it is not a prefix of `namespace`
    ///   or its user part is not in canonical escaped form.
    public init(parsing text: String, namespace: String) throws(CacheAsideError) {
        do {
            self.init(namespace: namespace, user: try PrefixFormat.parse(text, namespace: namespace).user)
        } catch {
            throw .invalidPrefix(text, reason: error.reason)
        }
    }

    public var description: String { rawValue }
}
