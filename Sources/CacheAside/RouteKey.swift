/// Keeps route keys to a bounded size.
///
/// Short keys are stored as they are, so an operator reads `GET /api/users/42/orders?page=2` in the
/// monitor. A key longer than ``maximumLength`` bytes is replaced by its beginning and a SHA-256
/// digest, which keeps it readable, bounded and unique.
enum RouteKey {
    /// Longest key stored verbatim, in UTF-8 bytes.
    static let maximumLength = 200
    /// How much of a long key is kept in front of its digest.
    static let keptLength = 64

    static func normalized(_ key: String) -> String {
        guard key.utf8.count > maximumLength else { return key }
        var kept = Substring(key)
        while kept.utf8.count > keptLength { kept = kept.dropLast() }
        return kept + "…#" + SHA256.hexDigest(Array(key.utf8))
    }
}
