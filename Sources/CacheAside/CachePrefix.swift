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
        self.rawValue = namespace + ":{u:" + (user.map(Self.escape) ?? Self.publicMarker) + "}"
    }

    /// Parses a prefix as written by ``rawValue``, refusing any other spelling.
    ///
    /// - Throws: ``CacheAsideError/invalidPrefix(_:reason:)`` when it is not a prefix of `namespace`
    ///   or its user part is not in canonical escaped form.
    public init(parsing text: String, namespace: String) throws(CacheAsideError) {
        let head = namespace + ":{u:"
        guard text.hasPrefix(head) else {
            throw .invalidPrefix(text, reason: "it must start with \"\(head)\"")
        }
        guard text.hasSuffix("}"), text.utf8.count > head.utf8.count else {
            throw .invalidPrefix(text, reason: "it must end with \"}\"")
        }
        let escaped = String(text.dropFirst(head.count).dropLast())
        if escaped == Self.publicMarker {
            self.init(namespace: namespace, user: nil)
            return
        }
        guard let user = Self.unescape(escaped), Self.escape(user) == escaped else {
            throw .invalidPrefix(text, reason: "the user part is not a percent-encoded user id")
        }
        self.init(namespace: namespace, user: user)
    }

    public var description: String { rawValue }

    /// The user part of the shared public prefix; a user literally named `-` is escaped as `%2D`.
    static let publicMarker = "-"

    /// Percent-encodes every byte that is not plainly safe in a key, a glob or a hash tag.
    static func escape(_ user: String) -> String {
        if user == publicMarker { return "%2D" }
        // Most ids need no escaping: keep the string as it is and allocate nothing.
        if user.utf8.allSatisfy(isUnreserved) { return user }
        var output: [UInt8] = []
        output.reserveCapacity(user.utf8.count)
        for byte in user.utf8 {
            if isUnreserved(byte) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Reverses ``escape(_:)``; `nil` for a malformed escape or bytes that are not UTF-8.
    static func unescape(_ escaped: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = escaped.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "@"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
