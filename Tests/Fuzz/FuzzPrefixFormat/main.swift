import CacheAdminAPI
import CacheAside

// A user id becomes a prefix with PrefixFormat; a purge or a keys request names a prefix that
// CachePrefix parses back. For any user ids `a` and `b` (the input, split at its first NUL):
// parsing the prefix of `a` gives `a` back byte for byte; the prefixes of different users are
// different and neither is a byte prefix of the other (so nothing keyed under one is under the
// other); a prefix holds no glob or hash-tag character outside its frame; and any text that
// parses names exactly itself. A violation stops the run with the two ids.

let namespace = "api"
let forbiddenInEscaped = Set("*?[]\\{}:#".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrefixFormat(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
    let first = String(decoding: parts[0], as: UTF8.self)
    let second = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : first + "1"
    checkRoundTrip(first)
    checkRoundTrip(second)
    checkDistinct(first, second)
    checkDistinct(first, nil)
    checkParsedTextNamesItself(String(decoding: bytes, as: UTF8.self))
    checkParsedTextNamesItself(namespace + ":{u:" + String(decoding: bytes, as: UTF8.self) + "}")
    _ = PrefixFormat.unescape(String(decoding: bytes, as: UTF8.self))
    return 0
}

/// parse(format(user)) is `user`, byte for byte, and the escaped form is plain ASCII.
func checkRoundTrip(_ user: String) {
    let escaped = PrefixFormat.escape(user)
    for byte in escaped.utf8 {
        guard byte >= 0x21, byte < 0x7F, !forbiddenInEscaped.contains(byte) else {
            fatalError("escape(\(user.debugDescription)) = \(escaped.debugDescription) holds byte \(byte)")
        }
    }
    guard let unescaped = PrefixFormat.unescape(escaped), Array(unescaped.utf8) == Array(user.utf8) else {
        fatalError("unescape(escape(\(user.debugDescription))) is not the user")
    }
    let prefix = PrefixFormat.prefix(namespace: namespace, user: user)
    guard Array(prefix.utf8) == Array((namespace + ":{u:" + escaped + "}").utf8) else {
        fatalError("prefix of \(user.debugDescription) is \(prefix.debugDescription)")
    }
    let parsed: CachePrefix
    do {
        parsed = try CachePrefix(parsing: prefix, namespace: namespace)
    } catch {
        fatalError("the prefix of \(user.debugDescription), \(prefix.debugDescription), does not parse: \(error)")
    }
    guard let parsedUser = parsed.user, Array(parsedUser.utf8) == Array(user.utf8) else {
        fatalError("\(prefix.debugDescription) parses as user \(String(describing: parsed.user))")
    }
    guard Array(parsed.rawValue.utf8) == Array(prefix.utf8) else {
        fatalError("\(prefix.debugDescription) parses to \(parsed.rawValue.debugDescription)")
    }
}

/// Different users (`nil` is the public prefix) have prefixes that are not equal and not byte
/// prefixes of each other, so a purge or keys request for one never reaches the other.
func checkDistinct(_ first: String, _ second: String?) {
    guard second.map({ Array($0.utf8) }) != Array(first.utf8) else { return }
    let one = Array(PrefixFormat.prefix(namespace: namespace, user: first).utf8)
    let other = Array(PrefixFormat.prefix(namespace: namespace, user: second).utf8)
    guard one != other, !one.starts(with: other), !other.starts(with: one) else {
        fatalError("users \(first.debugDescription) and \(String(describing: second)) share a prefix")
    }
    let onePrefix = CachePrefix(namespace: namespace, user: first)
    let otherPrefix = CachePrefix(namespace: namespace, user: second)
    guard onePrefix != otherPrefix, onePrefix.rawValue != otherPrefix.rawValue else {
        fatalError("users \(first.debugDescription) and \(String(describing: second)) compare equal as prefixes")
    }
}

/// Text that parses as a prefix is, byte for byte, the prefix it parses to.
func checkParsedTextNamesItself(_ text: String) {
    guard let parsed = try? CachePrefix(parsing: text, namespace: namespace) else { return }
    guard Array(parsed.rawValue.utf8) == Array(text.utf8) else {
        fatalError("\(text.debugDescription) parses to the prefix \(parsed.rawValue.debugDescription)")
    }
}
