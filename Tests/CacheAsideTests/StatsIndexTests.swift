import CacheAdminAPI
import CacheAside
import TestSupport
import Testing

/// The memory store answers statistics from sorted views it keeps up to date; these tests check
/// every answer against ``PrefixPage/select(_:query:)`` over all prefixes, after random traffic.
@Suite("Statistics views")
struct StatsIndexTests {
    /// A store with a hand-moved clock, driven directly so every kind of change can be made.
    struct Harness {
        let clock = ManualClock()
        let store: MemoryStore
        var random: SplitMix
        /// Many users so views split into several blocks; ids that share digits so filters match many.
        let users: [String?]

        init(seed: UInt64, userCount: Int) {
            store = MemoryStore(
                configuration: .init(
                    maxBytes: 400 * 1024, expiringSoonHorizon: .seconds(20), idlePrefixRetention: .seconds(30)),
                clock: clock)
            random = SplitMix(seed: seed)
            users = [nil] + (0..<userCount).map { "U\($0 % 97)-\($0)" }
        }

        mutating func prefix() -> CachePrefix {
            CachePrefix(namespace: "api", user: users[Int(random.next() % UInt64(users.count))])
        }

        /// One random change: reads, writes with short and long lives, purges, time passing.
        mutating func step() {
            let prefix = prefix()
            let key = CacheKey(prefix: prefix, route: "/r\(random.next() % 4)")
            switch random.next() % 10 {
            case 0...4:
                if case .miss(let generation) = store.lookup(key) {
                    let ttl = Duration.seconds(Int64(5 + random.next() % 60))
                    _ = store.store(
                        [UInt8](repeating: 1, count: Int(random.next() % 300)), for: key, ttl: ttl,
                        generation: generation)
                }
            case 5: store.recordUncachedRequest(prefix)
            case 6: _ = store.purge(prefix, reason: PurgeReason())
            case 7:
                clock.advance(by: .seconds(Int64(random.next() % 7)))
                store.sweep()
            default: _ = store.lookup(key)
            }
        }

        /// Every prefix, in no particular order, with its figures.
        func everything() -> [PrefixStats] {
            store.statistics(StatsQuery(sort: .user, limit: StatsQuery.maximumLimit)).prefixes
                + store.statistics(StatsQuery(sort: .user, limit: StatsQuery.maximumLimit, offset: 1000)).prefixes
                + store.statistics(StatsQuery(sort: .user, limit: StatsQuery.maximumLimit, offset: 2000)).prefixes
        }
    }

    static func check(_ harness: inout Harness, queries: Int) {
        let all = harness.everything()
        let prefixCount = harness.store.statistics(StatsQuery(limit: 1)).prefixCount
        #expect(all.count == prefixCount, "the pages together hold every prefix once")
        #expect(Set(all.map(\.prefix)).count == all.count)
        let filters: [String?] = [nil, nil, "u1", "-7", "U96-", "nobody", "", "-"]
        for _ in 0..<queries {
            let sort = StatsQuery.Sort.allCases[Int(harness.random.next() % 8)]
            let order: StatsQuery.Order = harness.random.next() % 2 == 0 ? .ascending : .descending
            let limit = [1, 7, 50][Int(harness.random.next() % 3)]
            let offset = Int(harness.random.next() % UInt64(all.count + 20))
            let filter = filters[Int(harness.random.next() % UInt64(filters.count))]
            let focus =
                harness.random.next() % 3 == 0 ? all[Int(harness.random.next() % UInt64(all.count))].prefix : nil
            let query = StatsQuery(sort: sort, order: order, limit: limit, offset: offset, filter: filter, focus: focus)
            let answer = harness.store.statistics(query)
            let expected = PrefixPage.select(all, query: query)
            #expect(answer.prefixes.map(\.prefix) == expected.page.map(\.prefix), "\(query)")
            #expect(answer.prefixCount == expected.matching, "\(query)")
            #expect(answer.offset == expected.offset, "\(query)")
        }
    }

    @Test("pages at any offset, focus and filter agree with a full sort, as traffic changes every figure")
    func agreesWithFullSort() {
        var harness = Harness(seed: 11, userCount: 1500)
        for round in 0..<8 {
            for _ in 0..<(round == 0 ? 6000 : 1500) { harness.step() }
            Self.check(&harness, queries: 60)
        }
    }

    @Test("prefixes forgotten when idle leave the views, and the others keep their places")
    func forgottenPrefixes() {
        var harness = Harness(seed: 5, userCount: 800)
        for _ in 0..<4000 { harness.step() }
        Self.check(&harness, queries: 20)
        // Everything expires, then the idle prefixes are forgotten in batches while a few stay busy.
        harness.clock.advance(by: .seconds(120))
        harness.store.sweep()
        for _ in 0..<300 { harness.step() }
        harness.clock.advance(by: .seconds(40))
        harness.store.sweep()
        let before = harness.store.statistics(StatsQuery(limit: 1)).prefixCount
        for _ in 0..<100 { harness.step() }
        harness.store.sweep()
        Self.check(&harness, queries: 40)
        #expect(before < 800, "idle prefixes were forgotten")
    }

    @Test("the page of a focused user follows it as its figures change")
    func focusFollows() {
        let clock = ManualClock()
        let store = MemoryStore(clock: clock)
        for user in 0..<700 {
            let key = CacheKey(prefix: CachePrefix(namespace: "api", user: "\(user)"), route: "/")
            for _ in 0...(user % 10) { _ = store.lookup(key) }
        }
        let target = CachePrefix(namespace: "api", user: "123")
        let query = StatsQuery(sort: .misses, limit: 10, focus: target.rawValue)
        let first = store.statistics(query)
        #expect(first.offset > 0 && first.prefixes.contains { $0.prefix == target.rawValue })
        for _ in 0..<50 { _ = store.lookup(CacheKey(prefix: target, route: "/")) }
        let second = store.statistics(query)
        #expect(second.offset == 0, "with the most misses it is on the first page")
        #expect(second.prefixes.first?.prefix == target.rawValue)
    }
}
