import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport
import Testing

/// The Redis store answers statistics from its partition indexes (layout 2) exactly as
/// `PrefixPage.select` orders every prefix's figures: ties by prefix in both orders, no hit ratio
/// as −1, never purged as the oldest, deep offsets, focus and filter (issue 11).
@Suite("Redis statistics from the indexes", .serialized, .timeLimit(.minutes(3)))
struct IndexedStatisticsTests {
    /// One Redis keeps one partition; a cluster 32 by default, or 256, whose pages are merged
    /// from all of them (with 256, a focused page starts from a pivot rather than its window).
    enum Backend: String, CustomStringConvertible, CaseIterable {
        case standalone
        case cluster
        case cluster256
        var description: String { rawValue }
    }

    @Test(
        "pages, deep pages, focus and filters equal PrefixPage.select over every prefix's figures",
        arguments: Backend.allCases)
    func pagesEqualTheFullSelection(_ backend: Backend) async throws {
        switch backend {
        case .standalone:
            let server = try await RedisServer()
            try await pagesEqualTheFullSelection(server, url: nil, partitions: 32)
        case .cluster, .cluster256:
            try await ClusterResilienceTests.withCluster { cluster in
                try await pagesEqualTheFullSelection(
                    cluster.servers[0], url: cluster.url, partitions: backend == .cluster ? 32 : 256)
                // The pages were read with one batched script per primary: a primary that had refused
                // a batch (a key it does not serve) would count an `ERR` error.
                for server in cluster.servers where cluster.primaryPorts.contains(server.port) {
                    let raw = try await RawRedis(server)
                    let errors = try await raw.run("INFO", "errorstats").string ?? ""
                    let scripts = try await raw.info("commandstats", "cmdstat_evalsha") ?? ""
                    await raw.close()
                    #expect(!errors.contains("errorstat_ERR:"), "\(server.port): \(errors)")
                    #expect(!scripts.isEmpty, "\(server.port) ran scripts")
                }
            }
        }
    }

    func pagesEqualTheFullSelection(_ server: RedisServer, url: String?, partitions: Int) async throws {
        // Time stands still for the store, so what expires soon does not change while the test runs.
        // A filter budget for a debug build under a loaded test run: this test is about answers; the
        // budget itself is checked below and measured by `make bench`.
        var configuration = RedisFixture.configuration()
        configuration.filterBudget = .seconds(20)
        configuration.clusterPartitions = partitions
        let fixture = try RedisFixture(
            server, url: url, configuration: configuration, clock: CacheClock(ManualClock()))
        var generator = SplitMix(seed: 11)
        // More prefixes than the shallow read covers, so deep pages start from a pivot cut; small
        // figures, so most of them tie.
        // And sixty users of one partition (slots 0 to 63 are in the first with 32 or 256), next
        // to each other by user: a page of them is more than a partition brings with the summary.
        let crowded: [String] = Array(
            (0..<50_000).lazy.map { (number: Int) -> String in "c\(number)" }
                .filter { HashSlot.slot(of: CachePrefix(namespace: "api", user: $0).rawValue) < 64 }.prefix(60))
        let users = (0..<1_300).map { $0 % 3 == 0 ? "U\($0)x" : "u\($0)" } + crowded
        for user in users {
            for route in 0..<Int.random(in: 1...3, using: &generator) {
                let ttl: Duration = Bool.random(using: &generator) ? .seconds(30) : .seconds(300)
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    _ = try await fixture.read("/r\(route)", user: user, value: "v\(route)", ttl: ttl)
                }
            }
            if Int.random(in: 0..<10, using: &generator) == 0 { _ = try await fixture.cache.purge(user: user) }
        }
        try await fixture.store.flush()

        var all: [PrefixStats] = []
        for offset in stride(from: 0, to: users.count, by: StatsQuery.maximumLimit) {
            let query = StatsQuery(sort: .user, order: .ascending, limit: StatsQuery.maximumLimit, offset: offset)
            all += try await fixture.store.statistics(query).prefixes
        }
        #expect(Set(all.map(\.prefix)).count == users.count, "every prefix is listed once")

        var queries: [StatsQuery] = []
        for sort in StatsQuery.Sort.allCases {
            for order in StatsQuery.Order.allCases {
                for (offset, limit) in [(0, 50), (37, 7), (1_050, 50), (1_290, 50), (2_000, 10)] {
                    queries.append(StatsQuery(sort: sort, order: order, limit: limit, offset: offset))
                }
                // A focused page most often comes whole with the summary, each partition bringing
                // its entries near the cut; pages of 300 are more than some partition brings, and
                // are read again around the cut.
                for limit in [7, 25, 300] {
                    let focus = all[Int.random(in: 0..<all.count, using: &generator)].prefix
                    queries.append(StatsQuery(sort: sort, order: order, limit: limit, offset: 0, focus: focus))
                }
                // Deep in the list: the first prefix of its page (read from the cut at its rank) and
                // one further down (from a pivot near it).
                let deep = PrefixPage.select(all, query: StatsQuery(sort: sort, order: order, limit: 50, offset: 1_050))
                for position in [0, 7] where deep.page.count > position {
                    queries.append(StatsQuery(sort: sort, order: order, limit: 50, focus: deep.page[position].prefix))
                }
                if sort == .user {
                    let focus = CachePrefix(namespace: "api", user: crowded[30]).rawValue
                    queries.append(StatsQuery(sort: sort, order: order, limit: 25, focus: focus))
                    queries.append(StatsQuery(sort: sort, order: order, limit: 50, focus: focus))
                }
                queries.append(StatsQuery(sort: sort, order: order, limit: 20, filter: "u1"))
                queries.append(StatsQuery(sort: sort, order: order, limit: 20, offset: 20, filter: "2X"))
                queries.append(StatsQuery(sort: sort, order: order, limit: 10, filter: "1", focus: all[5].prefix))
            }
        }
        for query in queries {
            let expected = PrefixPage.select(all, query: query)
            let answered = try await fixture.store.statistics(query)
            #expect(answered.prefixes.map(\.prefix) == expected.page.map(\.prefix), "\(query)")
            // The rows too, however the page was read: the figures stand still.
            #expect(answered.prefixes == expected.page, "\(query)")
            #expect(answered.prefixCount == expected.matching, "\(query)")
            #expect(answered.offset == expected.offset, "\(query)")
            #expect(!answered.partial, "\(query)")
        }
    }

    /// The monitor sends the same focus on every refresh; the store then looks for the focused
    /// prefix where it found it last (``FocusHints``). Between the refreshes the figures move, the
    /// prefix's rank with them, by one place or by hundreds: each page must still be the full
    /// selection's.
    @Test(
        "a focus sent again after the figures moved equals the full selection",
        arguments: [Backend.standalone, .cluster])
    func focusAgainAfterMoves(_ backend: Backend) async throws {
        switch backend {
        case .standalone:
            try await focusAgainAfterMoves(try await RedisServer(), url: nil, primaries: [])
        case .cluster, .cluster256:
            try await ClusterResilienceTests.withCluster { cluster in
                try await focusAgainAfterMoves(
                    cluster.servers[0], url: cluster.url,
                    primaries: cluster.servers.filter { cluster.primaryPorts.contains($0.port) })
            }
        }
    }

    func focusAgainAfterMoves(_ server: RedisServer, url: String?, primaries: [RedisServer]) async throws {
        let fixture = try RedisFixture(
            server, url: url, configuration: RedisFixture.configuration(), clock: CacheClock(ManualClock()))
        let users = (0..<400).map { "m\($0)" }
        for (index, user) in users.enumerated() {
            for _ in 0...(index % 3) { _ = try await fixture.read("/a", user: user, value: "v") }
        }
        try await fixture.store.flush()
        func everyPrefix() async throws -> [PrefixStats] {
            try await fixture.store.statistics(StatsQuery(sort: .user, limit: StatsQuery.maximumLimit)).prefixes
        }
        // Every prefix focused, so the last check can pick one the store cannot have remembered.
        var focusedEver: Set<String> = []
        func check(_ query: StatsQuery, _ step: String) async throws {
            if let focus = query.focus { focusedEver.insert(focus) }
            let expected = PrefixPage.select(try await everyPrefix(), query: query)
            let answered = try await fixture.store.statistics(query)
            #expect(answered.prefixes.map(\.prefix) == expected.page.map(\.prefix), "\(step): \(query)")
            #expect(answered.offset == expected.offset, "\(step): \(query)")
        }
        var round = 0
        for sort in StatsQuery.Sort.allCases {
            for order in StatsQuery.Order.allCases {
                // A user in the middle of every order, and its neighbour by name: another each
                // round, as a focused user ends up at an end of the list below.
                round += 1
                let (user, neighbour) = ("m\(200 + 2 * round)", "m\(201 + 2 * round)")
                let focused = CachePrefix(namespace: "api", user: user).rawValue
                let query = StatsQuery(sort: sort, order: order, limit: 20, focus: focused)
                try await check(query, "first")
                try await check(query, "unchanged")
                // The selection moves to other rows of the page (arrow keys, a click), then to one
                // whose figures moved since the page was read.
                let rows = try await fixture.store.statistics(query).prefixes
                let shown = rows.map(\.prefix)
                let position = try #require(shown.firstIndex(of: focused))
                let visited = Set([position - 1, position + 1, 0, shown.count - 1]).filter(shown.indices.contains)
                for row in visited.sorted() {
                    try await check(
                        StatsQuery(sort: sort, order: order, limit: 20, focus: shown[row]), "row \(row) of the page")
                }
                try await check(query, "back")
                // A row not focused yet, so the store knows its score only from the page.
                let moved = rows[try #require(shown.indices.first { $0 != position && !visited.contains($0) })]
                for route in 0..<40 {
                    let path = "/n\(sort.rawValue)\(order.rawValue)\(route)"
                    _ = try await fixture.read(path, user: try #require(moved.user), value: "v")
                }
                try await fixture.store.flush()
                try await check(
                    StatsQuery(sort: sort, order: order, limit: 20, focus: moved.prefix), "a row that moved")
                // One place: the focused user and a neighbour gain a hit or a miss.
                _ = try await fixture.read("/a", user: user, value: "v")
                _ = try await fixture.read("/b", user: neighbour, value: "v")
                try await fixture.store.flush()
                try await check(query, "moved a little")
                // Far: a third of the users gain figures.
                for user in users.prefix(130) {
                    _ = try await fixture.read("/c\(sort.rawValue)", user: user, value: "v")
                }
                try await fixture.store.flush()
                try await check(query, "moved far")
                // Another page size: the last page's shape no longer fits.
                for limit in [50, 7] {
                    try await check(
                        StatsQuery(sort: sort, order: order, limit: limit, focus: focused), "limit \(limit)")
                }
                // The focused user itself moves far, after its score held still twice (then the
                // store reads the page with the score it remembers while it reads the score again).
                try await check(query, "held still")
                for route in 0..<40 {
                    _ = try await fixture.read("/f\(sort.rawValue)\(order.rawValue)\(route)", user: user, value: "v")
                }
                try await fixture.store.flush()
                try await check(query, "focused moved far")
            }
        }
        // Read again with nothing changed, a focus searches no index: its place is read off the
        // entries around where it was (by hits, most first, the index's own order, which needs
        // no count of equal scores to read).
        guard !primaries.isEmpty else { return }
        let focused = CachePrefix(namespace: "api", user: "m100").rawValue
        let query = StatsQuery(sort: .hits, order: .descending, limit: 20, focus: focused)
        _ = try await fixture.store.statistics(query)
        func counts() async throws -> Int {
            var total = 0
            for primary in primaries {
                let raw = try await RawRedis(primary)
                let line = try await raw.info("commandstats", "cmdstat_zcount") ?? ""
                await raw.close()
                total += line.split(separator: ",").first.flatMap { Int($0.dropFirst("calls=".count)) } ?? 0
            }
            return total
        }
        let before = try await counts()
        let page = try await fixture.store.statistics(query).prefixes.map(\.prefix)
        #expect(try await counts() == before, "no ZCOUNT: the rank was not searched")
        // Nor does a focus on another row of that page, not focused before.
        let row = try #require(page.first { $0 != focused && !focusedEver.contains($0) })
        let next = StatsQuery(sort: .hits, order: .descending, limit: 20, focus: row)
        let expected = PrefixPage.select(try await everyPrefix(), query: next)
        let counted = try await counts()
        let answered = try await fixture.store.statistics(next)
        #expect(try await counts() == counted, "no ZCOUNT for a row of the last page")
        #expect(answered.prefixes.map(\.prefix) == expected.page.map(\.prefix))
    }

    @Test("totals add up the partitions: every figure equals the sum over the prefixes")
    func totalsAddUp() async throws {
        let server = try await RedisServer()
        let fixture = try RedisFixture(server)
        for index in 0..<200 {
            _ = try await fixture.read("/a", user: "\(index)", value: "value")
            _ = try await fixture.read("/a", user: "\(index)", value: "value")
        }
        _ = try await fixture.cache.purge(user: "7")
        try await fixture.store.flush()
        let statistics = try await fixture.store.statistics(StatsQuery(limit: StatsQuery.maximumLimit))
        let keys = statistics.prefixes.reduce(0) { $0 + $1.keys }
        let hits = statistics.prefixes.reduce(UInt64(0)) { $0 + $1[.hits] }
        #expect(statistics.totals.keys == keys)
        #expect(statistics.totals.keys == 199)
        #expect(statistics.totals[.hits] == hits)
        #expect(statistics.totals[.purges] == 1)
    }

    @Test("a filter that runs out of its time budget answers what it found and says the answer is partial")
    func filterBudget() async throws {
        let server = try await RedisServer()
        var configuration = RedisFixture.configuration()
        configuration.filterBudget = .zero
        let fixture = try RedisFixture(server, configuration: configuration)
        for index in 0..<50 { _ = try await fixture.read("/a", user: "u\(index)", value: "value") }
        try await fixture.store.flush()
        let cut = try await fixture.store.statistics(StatsQuery(filter: "u"))
        #expect(cut.partial)
        #expect(cut.prefixCount < 50)
        let whole = try await fixture.store.statistics(StatsQuery())
        #expect(!whole.partial, "without a filter nothing is cut")
        #expect(whole.prefixCount == 50)
    }
}
