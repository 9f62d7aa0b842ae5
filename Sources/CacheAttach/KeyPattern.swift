/// Which Redis keys are a user's cache entries: a regular expression over the whole key with a
/// named group `user` and, optionally, `key`.
///
/// ```swift
/// let pattern = try KeyPattern("^:1:foobar_(?P<user>[0-9]+)_(?P<key>.*)$")   // django-redis
/// pattern.match(":1:foobar_42_/api/users/42/summary")   // user "42", key "/api/users/42/summary"
/// pattern.scanMatch                                      // ":1:foobar_*", for SCAN MATCH
/// pattern.scanMatch(user: "4*")                          // ":1:foobar_4\*", that user's keys and a few more
/// ```
///
/// Python's `(?P<name>…)` and `(?<name>…)` both name a group. The expression must match the whole
/// key (`^` and `$` may be written or left out). A key that does not match is "other", never a user.
public struct KeyPattern: Sendable, CustomStringConvertible {
    /// Why a pattern cannot be used, in words a person can act on.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The expression as given.
    public let source: String
    /// The text every matching key starts with, read from the expression's start up to its first
    /// construct that is not a plain character; empty when there is none.
    public let literalPrefix: String
    /// Whether the `user` group comes right after ``literalPrefix``, so a user's keys all start
    /// with the prefix followed by the user.
    public let userFollowsPrefix: Bool
    private let regex: Expression

    /// Compiles `text`.
    ///
    /// - Throws: ``Invalid`` when it is not a regular expression or has no `user` group.
    public init(_ text: String) throws(Invalid) {
        let compiled: Regex<AnyRegexOutput>
        do {
            compiled = try Regex(text)
        } catch {
            throw Invalid(reason: "not a regular expression: \(error)")
        }
        guard compiled.contains(captureNamed: "user") else {
            throw Invalid(reason: "it needs a group named user, as in (?P<user>[0-9]+)")
        }
        source = text
        regex = Expression(regex: compiled, hasKey: compiled.contains(captureNamed: "key"))
        (literalPrefix, userFollowsPrefix) = Self.literalPrefix(of: text)
    }

    public var description: String { source }

    /// The user and the key within that user's entries (the `key` group, else the whole key) of a
    /// Redis key, or `nil` if it is not a user's entry (no match, or an empty user).
    public func match(_ key: String) -> (user: String, key: String)? {
        guard let found = try? regex.regex.wholeMatch(in: key),
            let user = found.output["user"]?.substring, !user.isEmpty
        else { return nil }
        let inner = regex.hasKey ? found.output["key"]?.substring.map(String.init) ?? key : key
        return (String(user), inner)
    }

    /// The `SCAN … MATCH` glob for every key that may match: the escaped literal prefix and `*`.
    public var scanMatch: String { Self.globEscape(literalPrefix) + "*" }

    /// The `SCAN … MATCH` glob for the keys that may be `user`'s: when the user comes right after
    /// the literal prefix, the prefix and the user escaped, then `*` (so it still finds `40`'s keys
    /// for `4`: ``match(_:)`` decides); otherwise ``scanMatch``.
    public func scanMatch(user: String) -> String {
        userFollowsPrefix ? Self.globEscape(literalPrefix + user) + "*" : scanMatch
    }

    /// `text` with every character that a Redis glob reads specially (`* ? [ ] \`) escaped by a
    /// backslash, so it matches only itself.
    public static func globEscape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The plain text an expression starts with, and whether its `user` group follows right after.
    ///
    /// It stops at anything that is not a plain character: a class, a group, an anchor other than
    /// a leading `^`, an escape of a letter or digit (`\d`); a character followed by `*`, `?` or
    /// `{` may be absent, so it is left out; an alternation anywhere (`|`) makes the prefix empty.
    static func literalPrefix(of text: String) -> (String, Bool) {
        // Constructs this reading does not follow (quoting, comments, extended mode): no prefix.
        if hasTopLevelAlternation(text) || text.contains("\\Q") || text.contains("(?#") || text.contains("(?x") {
            return ("", false)
        }
        var characters = Array(text)
        var index = 0
        if characters.first == "^" {
            index = 1
        } else if characters.starts(with: ["\\", "A"]) {
            index = 2
        }
        var prefix: [Character] = []
        let special: Set<Character> = [".", "[", "]", "(", ")", "{", "}", "*", "+", "?", "|", "^", "$", "\\"]
        while index < characters.count {
            var literal = characters[index]
            var width = 1
            if literal == "\\" {
                guard index + 1 < characters.count else { break }
                let escaped = characters[index + 1]
                guard !escaped.isLetter, !escaped.isNumber else { break }
                literal = escaped
                width = 2
            } else if special.contains(literal) {
                break
            }
            let next = index + width < characters.count ? characters[index + width] : nil
            if let next, next == "*" || next == "?" || next == "{" { break }
            prefix.append(literal)
            index += width
            if next == "+" { break }
        }
        characters.removeFirst(min(index, characters.count))
        let rest = String(characters)
        let userFollows = (rest.hasPrefix("(?P<user>") || rest.hasPrefix("(?<user>")) && !isQuantifiedGroup(rest)
        return (String(prefix), userFollows)
    }

    /// Whether the group `text` starts with is followed by a quantifier (`(?P<user>.)+` captures
    /// only its last repetition, so the user need not follow the prefix).
    private static func isQuantifiedGroup(_ text: String) -> Bool {
        var depth = 0
        var escaped = false
        var inClass = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if inClass {
                if character == "]" { inClass = false }
            } else if character == "[" {
                inClass = true
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
                if depth == 0 {
                    let next = text.index(after: index)
                    return next < text.endIndex && "*+?{".contains(text[next])
                }
            }
            index = text.index(after: index)
        }
        return true
    }

    /// Whether `|` appears outside a class and unescaped (at any depth: a conservative reading).
    private static func hasTopLevelAlternation(_ text: String) -> Bool {
        var escaped = false
        var inClass = false
        for character in text {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if inClass {
                if character == "]" { inClass = false }
            } else if character == "[" {
                inClass = true
            } else if character == "|" {
                return true
            }
        }
        return false
    }
}

/// The compiled expression; `Regex` holds no mutable state once built, so it is shared across tasks.
private struct Expression: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    let hasKey: Bool
}
