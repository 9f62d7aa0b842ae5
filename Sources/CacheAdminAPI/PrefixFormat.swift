import Foundation

/// How a user id becomes a prefix, `<namespace>:{u:<escaped user>}`, and back: the one builder
/// and the one parser, used on every side of the admin API (the cache writes prefixes, the Redis
/// store reads them back from its index, `cachemon` builds them to ask about a user).
///
/// Every byte outside `A–Z a–z 0–9 _ . ~ @ -` is percent-encoded, so glob and separator
/// characters never appear raw; the public prefix is `{u:-}` and a user named `-` is `%2D`.
public enum PrefixFormat {
    /// The user part of the shared public prefix.
    public static let publicMarker = "-"

    /// The prefix of `user` in `namespace`; `nil` is the public prefix.
    ///
    /// ```swift
    /// PrefixFormat.prefix(namespace: "api", user: "4*")   // "api:{u:4%2A}"
    /// ```
    public static func prefix(namespace: String, user: String?) -> String {
        namespace + head + (user.map(escape) ?? publicMarker) + "}"
    }

    /// The parts of a prefix read back by ``parse(_:namespace:)``.
    public struct Parsed: Sendable, Equatable {
        /// The namespace, for example `api`.
        public var namespace: String
        /// The user, unescaped; `nil` for the shared public prefix.
        public var user: String?
    }

    /// Why a text is not a prefix, in words a person can act on.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, for example `it must end with "}"`.
        public var reason: String
        public var description: String { reason }
    }

    /// Reads a prefix as written by ``prefix(namespace:user:)``, refusing any other spelling, so
    /// `parse(prefix(namespace: n, user: u)) == (n, u)` and no other text names the same user.
    ///
    /// ```swift
    /// try PrefixFormat.parse("api:{u:4%2A}")                    // namespace "api", user "4*"
    /// try PrefixFormat.parse("api:{u:4*}", namespace: "api")    // throws: not in escaped form
    /// ```
    ///
    /// - Parameter namespace: the namespace it must have; `nil` accepts any.
    public static func parse(_ text: String, namespace: String? = nil) throws(ParseError) -> Parsed {
        if let namespace, !text.hasPrefix(namespace + head) {
            throw ParseError(reason: "it must start with \"\(namespace + head)\"")
        }
        // The user part never holds a raw `{`, so the marker's last occurrence is where it starts.
        guard let marker = lastMarker(in: text) else {
            throw ParseError(reason: "it must have the form <namespace>\(head)<user>}")
        }
        guard text.hasSuffix("}"), text.utf8.count > text.utf8.distance(from: text.startIndex, to: marker.upperBound)
        else { throw ParseError(reason: "it must end with \"}\"") }
        let parsedNamespace = String(text[..<marker.lowerBound])
        if let namespace, parsedNamespace != namespace {
            throw ParseError(reason: "it must start with \"\(namespace + head)\"")
        }
        let escaped = String(text[marker.upperBound...].dropLast())
        if escaped == publicMarker { return Parsed(namespace: parsedNamespace, user: nil) }
        guard let user = unescape(escaped), escape(user) == escaped else {
            throw ParseError(reason: "the user part is not a percent-encoded user id")
        }
        return Parsed(namespace: parsedNamespace, user: user)
    }

    /// What comes between the namespace and the escaped user.
    private static let head = ":{u:"

    /// Where `head` last occurs in `text`, found byte by byte (a statistics page parses every
    /// prefix it lists).
    private static func lastMarker(in text: String) -> Range<String.Index>? {
        let pattern = head.utf8
        let view = text.utf8
        guard var start = view.index(view.endIndex, offsetBy: -pattern.count, limitedBy: view.startIndex) else {
            return nil
        }
        while true {
            if view[start...].starts(with: pattern) {
                return start..<view.index(start, offsetBy: pattern.count)
            }
            if start == view.startIndex { return nil }
            start = view.index(before: start)
        }
    }

    /// Percent-encodes every byte that is not plainly safe in a key, a glob or a hash tag.
    public static func escape(_ user: String) -> String {
        if user == publicMarker { return "%2D" }
        // Most ids need no escaping: keep the string as it is and allocate nothing.
        if user.utf8.allSatisfy(isUnreserved) { return user }
        var output: [UInt8] = []
        output.reserveCapacity(user.utf8.count * 3)
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
    public static func unescape(_ escaped: String) -> String? {
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
