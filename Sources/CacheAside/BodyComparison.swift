import Foundation

/// How verification compares a stored value with a fresh computation of it.
///
/// Bodies that embed their own computation time (`"computedAt"`, `"generatedAt"`) differ on every
/// computation; comparing their bytes would call everything stale. Such a route declares the
/// fields to leave out:
///
/// ```swift
/// CachePolicy(ttl: .seconds(300), user: { _, context in context.parameters.get("user") },
///             comparison: .json(ignoring: ["computedAt"]))
/// ```
public enum BodyComparison: Sendable, Hashable {
    /// Byte for byte.
    case exact
    /// As JSON, leaving out the named fields wherever they appear (at any depth) and ignoring key
    /// order and white space; a body that is not JSON is compared byte for byte.
    case json(ignoring: Set<String>)

    /// A SHA-256 digest (hex) of what is compared: equal digests mean the bodies are the same.
    public func digest(_ bytes: [UInt8]) -> String {
        SHA256.hexDigest(normalized(bytes))
    }

    /// Whether `stored` and `fresh` are the same under this comparison.
    public func matches(_ stored: [UInt8], _ fresh: [UInt8]) -> Bool {
        digest(stored) == digest(fresh)
    }

    func normalized(_ bytes: [UInt8]) -> [UInt8] {
        guard case .json(let ignored) = self,
            let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
            let data = try? JSONSerialization.data(
                withJSONObject: Self.removing(ignored, from: object), options: [.sortedKeys, .fragmentsAllowed])
        else { return bytes }
        return Array(data)
    }

    private static func removing(_ ignored: Set<String>, from value: Any) -> Any {
        switch value {
        case let object as [String: Any]:
            var kept: [String: Any] = [:]
            for (key, inner) in object where !ignored.contains(key) { kept[key] = removing(ignored, from: inner) }
            return kept
        case let array as [Any]:
            return array.map { removing(ignored, from: $0) }
        default:
            return value
        }
    }
}
