import CacheAside
import Foundation
import TestSupport
import Testing

@Suite("Statistics")
struct StatsTests {
    /// Users 0…9: user n has n+1 keys and n hits.
    func populated() async throws -> Fixture {
        let fixture = Fixture()
        for user in 0..<10 {
            for key in 0...user { _ = try await fixture.read("/k\(key)", user: "\(user)") }
            for _ in 0..<user { _ = try await fixture.read("/k0", user: "\(user)") }
        }
        return fixture
    }

    @Test("totals and per-prefix counters agree with what happened")
    func counters() async throws {
        let fixture = try await populated()
        let snapshot = try await fixture.cache.stats(StatsQuery(sort: .user, order: .ascending, limit: 100))
        #expect(snapshot.totals.keys == 55 && snapshot.totals[.sets] == 55)
        #expect(snapshot.totals[.hits] == 45 && snapshot.totals[.misses] == 55)
        #expect(snapshot.prefixCount == 10 && snapshot.prefixes.count == 10)
        #expect(snapshot.prefixes.map(\.keys) == Array(1...10))
        #expect(snapshot.prefixes.reduce(0) { $0 + $1.bytes } == snapshot.totals.bytes)
        #expect(snapshot.backend == "memory" && snapshot.namespace == "api")
        #expect(snapshot.schemaVersion == CacheStatsSchema.version)
    }

    @Test("sorting by each column, both ways, with ties broken by prefix")
    func sorting() async throws {
        let fixture = try await populated()
        let byHits = try await fixture.cache.stats(StatsQuery(sort: .hits, limit: 3)).prefixes.map(\.user)
        #expect(byHits == ["9", "8", "7"])
        let fewestKeys = try await fixture.cache.stats(StatsQuery(sort: .keys, order: .ascending, limit: 2))
        #expect(fewestKeys.prefixes.map(\.user) == ["0", "1"])
        let byRatio = try await fixture.cache.stats(StatsQuery(sort: .hitRatio, limit: 10)).prefixes
        #expect(byRatio.map { $0.hitRatio ?? 0 } == byRatio.map { $0.hitRatio ?? 0 }.sorted(by: >))
        try await fixture.cache.purge(user: "3")
        let byPurge = try await fixture.cache.stats(StatsQuery(sort: .lastPurge, limit: 1)).prefixes
        #expect(byPurge.first?.user == "3" && byPurge.first?.lastPurgeAt != nil)
        // Users with the same figures, so every column has ties to break.
        for user in ["t3", "t1", "t2"] {
            _ = try await fixture.read("/k0", user: user)
            _ = try await fixture.read("/k0", user: user)
        }
        for sort in StatsQuery.Sort.allCases {
            for order in StatsQuery.Order.allCases {
                let all = try await fixture.cache.stats(StatsQuery(sort: sort, order: order, limit: 1000)).prefixes
                #expect(all.count == 13)
                #expect(all.map(\.prefix) == Self.reference(all, sort, order), "\(sort) \(order)")
                var paged: [PrefixStats] = []
                for offset in stride(from: 0, to: 13, by: 3) {
                    paged += try await fixture.cache.stats(
                        StatsQuery(sort: sort, order: order, limit: 3, offset: offset)
                    ).prefixes
                }
                #expect(paged.map(\.prefix) == all.map(\.prefix), "pages of \(sort) \(order) match the full list")
            }
        }
    }

    /// What the order must be, written independently of the stores: the column's value in the
    /// requested direction, then the prefix ascending for ties.
    static func reference(_ prefixes: [PrefixStats], _ sort: StatsQuery.Sort, _ order: StatsQuery.Order) -> [String] {
        func by<Value: Comparable>(_ value: (PrefixStats) -> Value) -> [String] {
            prefixes.sorted { a, b in
                let (left, right) = (value(a), value(b))
                if left != right { return order == .descending ? left > right : left < right }
                return a.prefix < b.prefix
            }.map(\.prefix)
        }
        switch sort {
        case .user: return by { $0.user ?? "" }
        case .keys: return by(\.keys)
        case .bytes: return by(\.bytes)
        case .hits: return by { $0[.hits] }
        case .misses: return by { $0[.misses] }
        case .expiringSoon: return by(\.expiringSoon)
        case .lastPurge: return by { $0.lastPurgeAt ?? .distantPast }
        case .hitRatio: return by { $0.hitRatio ?? -1 }
        }
    }

    @Test("filtering by a substring of the user, ignoring case")
    func filtering() async throws {
        let fixture = Fixture()
        for user in ["42", "142", "420", "7", "Alice", "alina"] { _ = try await fixture.read("/k", user: user) }
        _ = try await fixture.read("/k", user: nil)
        let digits = try await fixture.cache.stats(StatsQuery(sort: .user, order: .ascending, filter: "42"))
        #expect(digits.prefixes.map(\.user) == ["142", "42", "420"] && digits.prefixCount == 3)
        let names = try await fixture.cache.stats(StatsQuery(sort: .user, order: .ascending, filter: "AL"))
        #expect(names.prefixes.map(\.user) == ["Alice", "alina"])
        let all = try await fixture.cache.stats(StatsQuery(filter: ""))
        #expect(all.prefixCount == 7)
    }

    @Test("a limit outside 1…1000 or a negative offset is refused", arguments: [(0, 0), (1001, 0), (10, -1)])
    func limits(limit: Int, offset: Int) async throws {
        let fixture = Fixture()
        await #expect(throws: CacheAsideError.self) {
            _ = try await fixture.cache.stats(StatsQuery(limit: limit, offset: offset))
        }
        await #expect(throws: CacheAsideError.self) {
            _ = try await fixture.cache.keys(user: "1", limit: limit, offset: offset)
        }
    }

    @Test("purge results report keys, bytes and the new generation; the prefix remembers the purge")
    func purgeResult() async throws {
        let fixture = try await populated()
        let before = try await fixture.cache.stats(StatsQuery(sort: .user, order: .ascending, filter: "4")).prefixes
        let result = try await fixture.cache.purge(user: "4")
        #expect(result.removedKeys == 5 && result.prefix == "api:{u:4}" && result.user == "4")
        #expect(result.removedBytes == before.first?.bytes)
        #expect(result.generation != before.first?.generation)
        let after = try await fixture.cache.stats(StatsQuery(filter: "4")).prefixes.first
        #expect(after?.keys == 0 && after?[.purges] == 1 && after?.generation == result.generation)
        let totals = try await fixture.totals()
        #expect(totals[.purges] == 1 && totals[.purgedKeys] == 5 && totals.keys == 50)
        #expect(try await fixture.events().last?.kind == .purged)
        #expect(try await fixture.events().last?.count == 5)
    }

    @Test("purge by prefix text refuses prefixes outside the namespace and purges nothing")
    func purgeByPrefix() async throws {
        let fixture = try await populated()
        await #expect(throws: CacheAsideError.self) { try await fixture.cache.purge(prefix: "other:{u:4}") }
        await #expect(throws: CacheAsideError.self) { try await fixture.cache.purge(prefix: "api:{u:4*}") }
        #expect(try await fixture.totals()[.purges] == 0)
        #expect(try await fixture.cache.purge(prefix: "api:{u:4}").removedKeys == 5)
    }

    @Test("keys of a prefix are listed in route order and paged; an unknown prefix is nil")
    func keysListing() async throws {
        let fixture = try await populated()
        let all = try await fixture.cache.keys(user: "9", limit: 100)
        #expect(all.map(\.key) == (0...9).map { "/k\($0)" }.sorted())
        let page = try await fixture.cache.keys(user: "9", limit: 3, offset: 3)
        #expect(page.map(\.key) == Array(all.map(\.key)[3..<6]))
        #expect(try await fixture.cache.keys(in: fixture.cache.prefix(user: "nobody")) == nil)
    }
}

@Suite("Statistics focus")
struct StatsFocusTests {
    @Test("focus returns the page holding the focused prefix, under any sort, and reports its offset")
    func focus() async throws {
        let fixture = Fixture()
        for user in 0..<25 {
            for key in 0...user { _ = try await fixture.read("/k\(key)", user: "\(user)") }
        }
        let focused = fixture.cache.prefix(user: "7").rawValue
        let byKeys = try await fixture.cache.stats(StatsQuery(sort: .keys, limit: 10, focus: focused))
        #expect(byKeys.query.offset == 10 && byKeys.prefixes.contains { $0.user == "7" })
        let ascending = try await fixture.cache.stats(
            StatsQuery(sort: .keys, order: .ascending, limit: 10, offset: 20, focus: focused))
        #expect(ascending.query.offset == 0 && ascending.prefixes.contains { $0.user == "7" })
        let filteredOut = try await fixture.cache.stats(StatsQuery(limit: 10, offset: 10, filter: "2", focus: focused))
        #expect(filteredOut.query.offset == 10, "a focus the filter hides leaves the offset alone")
        let unknown = try await fixture.cache.stats(StatsQuery(limit: 5, offset: 5, focus: "api:{u:nobody}"))
        #expect(unknown.query.offset == 5)
    }
}
