import CacheAside
import Foundation

/// The body of `POST /_cache/purge`: exactly one of `user` or `prefix` (not empty), and optionally
/// `reason` and `origin`, all strings, nothing else.
package struct PurgeRequest: Equatable {
    /// What to purge.
    package enum Target: Equatable {
        case user(String)
        case prefix(String)
    }

    package var target: Target
    /// Why: shown in the prefix's timeline and the monitor's events.
    package var reason: String?
    /// Who asked; the admin routes say `admin API` when the body does not.
    package var origin: String?

    /// Parses a purge body; every refusal is a 400 that says what a valid body looks like.
    package init(json bytes: [UInt8]) throws(AdminError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw .badRequest(#"the body must be a JSON object such as {"user": "42"} or {"prefix": "api:{u:42}"}"#)
        }
        let unknown = Set(object.keys).subtracting(["user", "prefix", "reason", "origin"])
        guard unknown.isEmpty else {
            throw .badRequest(
                "unknown field(s) \(unknown.sorted().joined(separator: ", ")): only user or prefix, reason and origin")
        }
        switch (object["user"], object["prefix"]) {
        case (let user as String, nil):
            target = .user(user)
        case (nil, let prefix as String):
            // An empty prefix would name everything to a careless store: it is refused before any lookup.
            guard !prefix.isEmpty else { throw .badRequest("prefix must not be empty: give one such as api:{u:42}") }
            target = .prefix(prefix)
        case (nil, nil):
            throw .badRequest("give either user or prefix")
        case (.some, .some):
            throw .badRequest("give either user or prefix, not both")
        default:
            throw .badRequest("user and prefix must be strings")
        }
        reason = try Self.text(object["reason"], field: "reason")
        origin = try Self.text(object["origin"], field: "origin")
    }

    /// An optional text field: absent or `null` is `nil`; anything but a string, or a string that
    /// cannot be stored (see ``PurgeReason/problem(with:field:)``), is refused before anything is purged.
    private static func text(_ value: Any?, field: String) throws(AdminError) -> String? {
        guard let value, !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw .badRequest("\(field) must be a string") }
        if let problem = PurgeReason.problem(with: text, field: field) { throw .badRequest(problem) }
        return text.isEmpty ? nil : text
    }
}
