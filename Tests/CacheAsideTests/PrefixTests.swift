import Testing

@testable import CacheAside

@Suite("Keys and prefixes")
struct PrefixTests {
    @Test("a prefix is <namespace>:{u:<user>} and the public one is {u:-}")
    func prefixShape() {
        #expect(CachePrefix(namespace: "api", user: "42").rawValue == "api:{u:42}")
        #expect(CachePrefix(namespace: "api", user: nil).rawValue == "api:{u:-}")
        #expect(CachePrefix(namespace: "api", user: "-").rawValue == "api:{u:%2D}")
    }

    @Test(
        "glob and separator characters are escaped, so they only ever name themselves",
        arguments: ["4*", "[12]", "a?c", "x:y", "}", "{", "%", " ", "日本", "a\\b", "*"])
    func escapedUsers(user: String) throws {
        let prefix = CachePrefix(namespace: "api", user: user)
        let escaped = prefix.rawValue.dropFirst("api:{u:".count).dropLast()
        #expect(!escaped.contains(where: { "*?[]{}:\\ ".contains($0) }))
        let parsed = try CachePrefix(parsing: prefix.rawValue, namespace: "api")
        #expect(parsed.user == user)
    }

    @Test(
        "a prefix string that is not in canonical form or outside the namespace is refused",
        arguments: ["api:{u:4*}", "other:{u:42}", "api:{u:42", "api:{u:%zz}", "api:{u:%34%32}", "api:{u:}x", "api:"])
    func refusedPrefixes(text: String) {
        #expect(throws: CacheAsideError.self) { try CachePrefix(parsing: text, namespace: "api") }
    }

    @Test(
        "purging a user with glob characters removes only that user's entries",
        arguments: ["4*", "[12]", "a?c", "x:y", "}", "*", "%2A"])
    func globSafePurge(doomed: String) async throws {
        let fixture = Fixture()
        let users = ["4*", "40", "41", "4", "[12]", "1", "2", "a?c", "abc", "x:y", "x", "}", "*", "-", "%2A"]
        for user in users { _ = try await fixture.read("/dashboard", user: user) }
        let result = try await fixture.cache.purge(user: doomed)
        #expect(result.removedKeys == 1)
        for user in users {
            let expected = user == doomed ? 0 : 1
            #expect(try await fixture.cache.keys(user: user).count == expected, "user \(user)")
        }
        #expect(try await fixture.totals().keys == users.count - 1)
    }

    @Test("the public prefix and a user literally named - are different prefixes")
    func publicPrefixIsSeparate() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/news", user: nil, value: [1])
        _ = try await fixture.read("/news", user: "-", value: [2])
        #expect(try await fixture.read("/news", user: nil).bytes == [1])
        #expect(try await fixture.read("/news", user: "-").bytes == [2])
        try await fixture.cache.purge(user: "-")
        #expect(try await fixture.read("/news", user: nil).computed == false)
    }

    @Test("route keys longer than 200 bytes are stored as their beginning and a SHA-256 digest")
    func longRouteKeys() async throws {
        let long = "/search?q=" + String(repeating: "x", count: 500)
        let other = long + "y"
        let normalized = RouteKey.normalized(long)
        #expect(normalized.utf8.count < 200)
        #expect(normalized.hasPrefix("/search?q=xxx"))
        #expect(normalized != RouteKey.normalized(other))
        #expect(RouteKey.normalized("/short") == "/short")

        let fixture = Fixture()
        _ = try await fixture.read(long, user: "1", value: [1])
        _ = try await fixture.read(other, user: "1", value: [2])
        #expect(try await fixture.read(long, user: "1").bytes == [1])
        #expect(try await fixture.read(other, user: "1").bytes == [2])
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256Vectors() {
        #expect(SHA256.hexDigest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(
            SHA256.hexDigest(Array(twoBlocks.utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
