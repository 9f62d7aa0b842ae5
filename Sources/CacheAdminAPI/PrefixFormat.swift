/// How a user id becomes a prefix: `<namespace>:{u:<escaped user>}`, the same on every side of
/// the admin API (the cache writes it, `cachemon` builds it to ask about a user).
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
        namespace + ":{u:" + (user.map(escape) ?? publicMarker) + "}"
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
