/// Why a prefix was purged and who asked: carried by the `purged` event, so a stale-data report can
/// be answered with "purged 10:03 by the order handler: order created".
///
/// ```swift
/// try await cache.purge(user: "42", reason: "order created")
/// ```
public struct PurgeReason: Codable, Sendable, Equatable {
    /// The longest reason or origin accepted, in characters (Unicode scalars, as JSON Schema's
    /// `maxLength` counts them).
    public static let maximumLength = 200

    /// Why, in the words of whoever purged: `order created`, `profile renamed`.
    public var reason: String?
    /// Who purged: `application` (a write handler), `admin API`, `monitor (alice)`, `cli (alice)`.
    public var origin: String?
    /// The instance that ran the purge.
    public var instance: String?

    /// Creates a reason; check it with ``problem`` before it is stored.
    public init(reason: String? = nil, origin: String? = nil, instance: String? = nil) {
        self.reason = reason
        self.origin = origin
        self.instance = instance
    }

    /// What is wrong with a reason or an origin, in words a caller can act on; `nil` if it is fine.
    ///
    /// Both are shown in terminals and logs: at most ``maximumLength`` characters, and no control
    /// characters (a newline or an escape sequence would garble the monitor).
    public static func problem(with text: String, field: String) -> String? {
        let length = text.unicodeScalars.count
        if length > maximumLength {
            return "\(field) is \(length) characters long; at most \(maximumLength) are accepted"
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "\(field) must not contain control characters (newlines, tabs, escapes)"
        }
        return nil
    }

    /// The first problem of ``reason`` or ``origin``, or `nil` when both can be stored.
    public var problem: String? {
        if let reason, let problem = Self.problem(with: reason, field: "reason") { return problem }
        if let origin, let problem = Self.problem(with: origin, field: "origin") { return problem }
        return nil
    }
}
