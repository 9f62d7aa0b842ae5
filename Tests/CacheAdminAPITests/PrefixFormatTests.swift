import CacheAdminAPI
import Testing

@Suite("Prefix format: one builder, one parser")
struct PrefixFormatTests {
    static let users: [String?] = [
        nil, "42", "", "-", "4*", "[12]", "a?c", "x:y", "}", "{u:1}", "%2A", "%", "é", "👩‍💻", "a b", "api:{u:7}",
    ]

    @Test("parse(prefix(n, u)) gives back n and u, for hostile ids and namespaces with separators", arguments: users)
    func roundTrip(user: String?) throws {
        for namespace in ["api", "a:b", "x{u:y"] {
            let prefix = PrefixFormat.prefix(namespace: namespace, user: user)
            let parsed = try PrefixFormat.parse(prefix)
            #expect(parsed.namespace == namespace)
            #expect(parsed.user == user)
            #expect(try PrefixFormat.parse(prefix, namespace: namespace).user == user)
        }
    }

    @Test("distinct users never share a prefix, and no prefix starts another's")
    func distinct() {
        let prefixes = Self.users.map { PrefixFormat.prefix(namespace: "api", user: $0) }
        #expect(Set(prefixes).count == prefixes.count)
        for (a, first) in prefixes.enumerated() {
            for (b, second) in prefixes.enumerated() where a != b {
                #expect(!second.hasPrefix(first + ":"), "\(first) would cover \(second)")
            }
        }
    }

    @Test(
        "any other spelling is refused with a reason",
        arguments: [
            "api:{u:4*}", "api:{u:%2a}", "api:{u:%4}", "api:{u:42", "api{u:42}", "other:{u:42}", "", "api:{u:%FF}",
        ]
    )
    func refused(text: String) {
        #expect(throws: PrefixFormat.ParseError.self) { try PrefixFormat.parse(text, namespace: "api") }
    }
}
