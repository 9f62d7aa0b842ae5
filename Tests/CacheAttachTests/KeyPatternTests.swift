import Testing

@testable import CacheAttach

@Suite("Key patterns: users from keys, and the literal prefix SCAN matches on")
struct KeyPatternTests {
    static let django = "^:1:foobar_(?P<user>.+?)_(?P<key>/.*)$"

    @Test("the django-redis pattern reads user and key; the user may hold _ and *")
    func djangoKeys() throws {
        let pattern = try KeyPattern(Self.django)
        #expect(pattern.match(":1:foobar_42_/api/users/42/summary")! == ("42", "/api/users/42/summary"))
        #expect(pattern.match(":1:foobar_4_b_/api/users/4_b/orders")! == ("4_b", "/api/users/4_b/orders"))
        #expect(pattern.match(":1:foobar_4*_/api/users/4*/summary")! == ("4*", "/api/users/4*/summary"))
        #expect(pattern.match(":1:foobar_é_/x")! == ("é", "/x"))
    }

    @Test(
        "keys the pattern does not match, or match with an empty user, are no user's",
        arguments: [
            "unrelated", ":2:foobar_4_/x", ":1:foobar__/x", "x:1:foobar_4_/x", ":1:foobar_4_x",
        ])
    func others(key: String) throws {
        #expect(try KeyPattern(Self.django).match(key) == nil)
    }

    @Test("without a key group the key is the whole Redis key; (?<user>) works as (?P<user>)")
    func withoutKeyGroup() throws {
        let pattern = try KeyPattern("cache:(?<user>[0-9]+):.*")
        #expect(pattern.match("cache:7:/a")! == ("7", "cache:7:/a"))
        #expect(pattern.match("cache:x:/a") == nil)
        #expect(pattern.literalPrefix == "cache:")
        #expect(pattern.userFollowsPrefix)
    }

    @Test("a pattern that does not compile, or has no user group, is refused with the reason")
    func invalid() {
        #expect(throws: KeyPattern.Invalid.self) { try KeyPattern("^:1:foobar_(?P<user>[0-9]+") }
        do {
            _ = try KeyPattern("^:1:foobar_(?P<id>[0-9]+)_.*$")
            Issue.record("a pattern without a user group was accepted")
        } catch {
            #expect(error.description.contains("group named user"))
        }
    }

    @Test(
        "the literal prefix stops at the first construct that is not a plain character",
        arguments: [
            (#"^:1:foobar_(?P<user>\d+)_.*$"#, ":1:foobar_", true),
            (#":1:foobar_(?P<user>\d+)_.*"#, ":1:foobar_", true),
            (#"^api\.v1\:(?P<user>\w+):.*"#, "api.v1:", true),
            (#"^ab?c(?P<user>.+)"#, "a", false),
            (#"^abc*(?P<user>.+)"#, "ab", false),
            (#"^ab{2}(?P<user>.+)"#, "a", false),
            (#"^ab+(?P<user>.+)"#, "ab", false),
            (#"^a|b(?P<user>.+)"#, "", false),
            (#"^[ab]x(?P<user>.+)"#, "", false),
            (#"^\d+_(?P<user>.+)"#, "", false),
            (#"(?i)abc(?P<user>.+)"#, "", false),
            (#"^x(?P<other>.)(?P<user>.+)"#, "x", false),
            (#"^pre(?P<user>[a-z])+_.*"#, "pre", false),
            (#"^abc\Q[\E|zzz(?P<user>.+)"#, "", false),
            (#"^a(?#note)b(?P<user>.+)"#, "", false),
        ])
    func literalPrefix(source: String, prefix: String, userFollows: Bool) throws {
        let pattern = try KeyPattern(source)
        #expect(pattern.literalPrefix == prefix)
        #expect(pattern.userFollowsPrefix == userFollows)
    }

    @Test("glob characters are escaped, so SCAN MATCH finds only what the prefix says")
    func globEscaping() throws {
        #expect(KeyPattern.globEscape(#"a*b?c[d]e\f"#) == #"a\*b\?c\[d\]e\\f"#)
        let pattern = try KeyPattern(#"^pre\*fix\[1\]_(?P<user>.+?)_(?P<key>/.*)$"#)
        #expect(pattern.literalPrefix == "pre*fix[1]_")
        #expect(pattern.scanMatch == #"pre\*fix\[1\]_*"#)
        #expect(pattern.scanMatch(user: "4*") == #"pre\*fix\[1\]_4\**"#)
        let loose = try KeyPattern(#"^(?:a|b):(?P<user>.+)$"#)
        #expect(loose.scanMatch == "*")
        #expect(loose.scanMatch(user: "4") == "*")
    }
}

@Suite("MONITOR lines: which keys a sampled command reads")
struct MonitorLineTests {
    @Test("GET, GETEX, MGET and EXISTS read keys; writes and other commands do not")
    func readKeys() {
        let get = #"1700000000.123456 [0 127.0.0.1:5555] "GET" ":1:foobar_4_/api/users/4/summary""#
        #expect(AttachedCache.readKeys(inMonitorLine: get) == [":1:foobar_4_/api/users/4/summary"])
        let mget = #"1700000000.1 [0 127.0.0.1:5555] "MGET" "a" "b c""#
        #expect(AttachedCache.readKeys(inMonitorLine: mget) == ["a", "b c"])
        #expect(AttachedCache.readKeys(inMonitorLine: #"1.0 [0 unix:/s] "get" "k""#) == ["k"])
        #expect(AttachedCache.readKeys(inMonitorLine: #"1.0 [0 127.0.0.1:1] "SET" "k" "v""#).isEmpty)
        #expect(AttachedCache.readKeys(inMonitorLine: "OK").isEmpty)
    }

    @Test("writes are SET, SETEX, PSETEX, SETNX and MSET; the database is the number after [")
    func writesAndDatabase() {
        #expect(AttachedCache.writtenKeys(inMonitorLine: #"1.0 [3 127.0.0.1:1] "SET" "k" "v" "PX" "5""#) == ["k"])
        #expect(AttachedCache.writtenKeys(inMonitorLine: #"1.0 [0 127.0.0.1:1] "MSET" "a" "1" "b" "2""#) == ["a", "b"])
        #expect(AttachedCache.writtenKeys(inMonitorLine: #"1.0 [0 127.0.0.1:1] "GET" "k""#).isEmpty)
        #expect(AttachedCache.database(ofMonitorLine: #"1.0 [3 127.0.0.1:1] "SET" "k" "v""#) == 3)
        #expect(AttachedCache.database(ofMonitorLine: #"1.0 [12 unix:/s] "GET" "k""#) == 12)
        #expect(AttachedCache.database(ofMonitorLine: "OK") == nil)
    }

    @Test("quoted arguments are unescaped: \\\", \\\\ and \\xHH")
    func escapes() {
        let line = #"1.0 [0 127.0.0.1:1] "GET" "a\"b\\c\xc3\xa9""#
        #expect(AttachedCache.readKeys(inMonitorLine: line) == ["a\"b\\cé"])
    }
}
