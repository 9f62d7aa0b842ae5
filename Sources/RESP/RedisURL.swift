/// `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS, parsed.
///
/// The user name and password may hold percent-escapes (`%40` for `@`), which are decoded.
/// ``redacted`` is the URL with its password replaced, for messages and logs.
///
/// ```swift
/// let url = try RedisURL("rediss://cachemon:s%40cret@redis.internal:6380/2")
/// url.user        // "cachemon"
/// url.password    // "s@cret"
/// url.redacted    // "rediss://cachemon:***@redis.internal:6380/2"
/// ```
public struct RedisURL: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The ACL user; `nil` logs in as the default user.
    public var user: String?
    public var password: String?
    public var database: Int
    /// Whether to connect with TLS (`rediss://`).
    public var usesTLS: Bool

    /// Parses a Redis URL; the port defaults to 6379 and the database to 0.
    ///
    /// - Throws: ``RedisError/invalidURL(_:reason:)`` with the URL's password redacted.
    public init(_ text: String) throws(RedisError) {
        let redactedText = Self.redact(text)
        let scheme: String
        if text.hasPrefix("redis://") {
            scheme = "redis://"
        } else if text.hasPrefix("rediss://") {
            scheme = "rediss://"
        } else {
            throw .invalidURL(redactedText, reason: "it must start with redis:// or rediss:// (TLS)")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let decodedUser = Self.percentDecoded(parts[0]),
                let decodedPassword = parts.count > 1 ? Self.percentDecoded(parts[1]) : ""
            else { throw .invalidURL(redactedText, reason: "a %-escape in the user or password is not valid") }
            if parts.count == 1 {
                // `redis://secret@host`: one word is the default user's password, as this store has always read it.
                password = decodedUser
            } else {
                user = decodedUser
                password = decodedPassword
            }
            rest = rest[rest.index(after: at)...]
        }
        let (authority, path) =
            rest.firstIndex(of: "/").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, "")
        var host = String(authority)
        var port = 6379
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(parsed) else {
                throw .invalidURL(redactedText, reason: "the port must be 1 to 65535")
            }
            port = parsed
            host = String(authority[..<colon])
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalidURL(redactedText, reason: "no host") }
        var database = 0
        if !path.isEmpty {
            guard let parsed = Int(path), parsed >= 0 else {
                throw .invalidURL(redactedText, reason: "the database must be a number")
            }
            database = parsed
        }
        self.host = host
        self.port = port
        self.user = user.flatMap { $0.isEmpty ? nil : $0 }
        self.password = password.flatMap { $0.isEmpty ? nil : $0 }
        self.database = database
        self.usesTLS = scheme == "rediss://"
    }

    /// The URL with the password shown as `***`: safe for messages and logs.
    public var redacted: String {
        let scheme = usesTLS ? "rediss://" : "redis://"
        var credentials = ""
        if let user {
            credentials = user + (password == nil ? "" : ":***") + "@"
        } else if password != nil {
            credentials = ":***@"
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)\(credentials)\(shownHost):\(port)/\(database)"
    }

    public var description: String { redacted }

    /// `text` with its credentials replaced by `***`, for echoing a URL that could not be
    /// parsed: whatever sits between the scheme's `//` (or the start, with no scheme) and the last
    /// `@`; a user name before a `:` is kept.
    public static func redact(_ text: String) -> String {
        let characters = Array(text)
        guard let at = characters.lastIndex(of: "@") else { return text }
        let slashes = (0..<max(0, at - 2)).first { characters[$0..<$0 + 3] == [":", "/", "/"] }
        let start = slashes.map { $0 + 3 } ?? 0
        let keep = slashes == nil ? start : (characters[start..<at].firstIndex(of: ":").map { $0 + 1 } ?? start)
        return String(characters[..<keep]) + "***" + String(characters[at...])
    }

    /// Decodes `%XX` escapes; `nil` for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex else { return nil }
                let second = utf8.index(after: first)
                guard second < utf8.endIndex, let high = hexValue(utf8[first]), let low = hexValue(utf8[second]) else {
                    return nil
                }
                bytes.append(high << 4 | low)
                index = utf8.index(after: second)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
