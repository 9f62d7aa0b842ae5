import Foundation

/// The body of `POST /_cache/purge`: exactly one of `user` or `prefix` (not empty), as a string, nothing else.
package enum PurgeRequest: Equatable {
    case user(String)
    case prefix(String)

    /// Parses a purge body; every refusal is a 400 that says what a valid body looks like.
    package init(json bytes: [UInt8]) throws(AdminError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw .badRequest(#"the body must be a JSON object such as {"user": "42"} or {"prefix": "api:{u:42}"}"#)
        }
        let unknown = Set(object.keys).subtracting(["user", "prefix"])
        guard unknown.isEmpty else {
            throw .badRequest("unknown field(s) \(unknown.sorted().joined(separator: ", ")): only user or prefix")
        }
        switch (object["user"], object["prefix"]) {
        case (let user as String, nil):
            self = .user(user)
        case (nil, let prefix as String):
            // An empty prefix would name everything to a careless store: it is refused before any lookup.
            guard !prefix.isEmpty else { throw .badRequest("prefix must not be empty: give one such as api:{u:42}") }
            self = .prefix(prefix)
        case (nil, nil):
            throw .badRequest("give either user or prefix")
        case (.some, .some):
            throw .badRequest("give either user or prefix, not both")
        default:
            throw .badRequest("user and prefix must be strings")
        }
    }
}
