// The statistics queries the monitor sends, at a million users: the top page for every sort, a
// page deep in the list, the page of one focused user, a substring filter and the totals, through
// a store's public `statistics(_:)`. Prints Markdown for docs/benchmarks.md.
//
//   CACHEMON_BENCHMARKS=1 swift run -c release --scratch-path .build-bench StatsBenchmarks \
//       [users] [memory|redis|cluster|cluster:<partitions> …]
//
// A Redis store runs on a private redis-server, a cluster store on a private cluster of 3
// primaries; both are stopped by their pids when the program ends.
//
// `StatsBenchmarks [users] fill redis://host:port` only fills that Redis (or cluster) with the
// users, as the store `cachemon` of namespace `api`, and exits: to watch a million users in the
// monitor (`cachemon serve --redis … --port 8080`, then `cachemon watch`).
// `StatsBenchmarks [users] queries redis://host:port` runs the queries on a Redis filled so,
// without filling it again (to measure a change to the queries in seconds, not minutes);
// `… queries redis://host:port focus [cold|move]` runs only the focused page (`cold`: of another
// user each run; `move`: the next row of such a user's page).
import CacheAdminAPI
import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport

let arguments = CommandLine.arguments.dropFirst()
let users = arguments.compactMap { Int($0) }.first ?? 1_000_000
let kinds = arguments.filter { Int($0) == nil }

/// How many runs of each query count (`STATS_RUNS`, 7 unless set).
let runs = ProcessInfo.processInfo.environment["STATS_RUNS"].flatMap { Int($0) }.map { max(1, $0) } ?? 7

func milliseconds(_ duration: Duration) -> Double { Double(CacheClock.nanoseconds(duration)) / 1e6 }

/// The CPU time this process has used (user and system), in ms.
func processMilliseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func ms(_ time: timeval) -> Double { Double(time.tv_sec) * 1e3 + Double(time.tv_usec) / 1e3 }
    return ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// What `measure` tells of a query: the median and the largest of its runs, and the CPU time this
/// process used per run (the client's share; the rest is Redis's, or waiting).
struct Figures {
    var median: Double
    var max: Double
    var cpu: Double
}

/// The figures of `runs` runs of `body`, after one run not counted; `setup` runs before each,
/// not measured.
func measure(
    runs: Int = runs, setup: () async throws -> Void = {}, _ body: () async throws -> Void
) async rethrows -> Figures {
    try await setup()
    try await body()
    var times: [Double] = []
    var cpu = 0.0
    for _ in 0..<runs {
        try await setup()
        let cpuStart = processMilliseconds()
        let start = ContinuousClock.now
        try await body()
        times.append(milliseconds(start.duration(to: .now)))
        cpu += processMilliseconds() - cpuStart
    }
    cpu /= Double(runs)
    times.sort()
    return Figures(median: times[times.count / 2], max: times[times.count - 1], cpu: cpu)
}

/// A focus on a user not focused before (not measured), then on the next row of its page: what
/// the monitor sends when the selection moves down with an arrow key.
func moveFocus(_ store: some CacheStore, from user: inout Int) async throws -> Figures {
    var next = ""
    var last = user
    // Rows focused already are remembered: a move to one of them would be a refresh.
    var focused: Set<String> = []
    let figures = try await measure {
        last += 1
        let focus = CachePrefix(namespace: "api", user: String(last)).rawValue
        let page = try await store.statistics(StatsQuery(sort: .hitRatio, focus: focus)).prefixes.map(\.prefix)
        focused.insert(focus)
        let position = page.firstIndex(of: focus) ?? 0
        next =
            [position + 1, position - 1].filter(page.indices.contains).map { page[$0] }
            .first { !focused.contains($0) } ?? focus
        focused.insert(next)
    } _: {
        _ = try await store.statistics(StatsQuery(sort: .hitRatio, focus: next))
    }
    user = last
    return figures
}

/// Fills `store` with `users` users of one 100-byte entry each, some read a few times so every
/// column has spread and ties, and returns how long it took.
func fill(_ store: some CacheStore) async throws -> Duration {
    let value = [UInt8](repeating: 0x61, count: 100)
    let start = ContinuousClock.now
    // Many tasks for a shared store (each lookup a round trip); one is as fast for the memory store.
    let workers = store is MemoryStore ? 1 : 64
    // A Redis store writes its batched counters every second when run as a service: so here too.
    let flushing = Task {
        while !Task.isCancelled, let redis = store as? RedisStore {
            try? await Task.sleep(for: .seconds(1))
            try? await redis.flush()
        }
    }
    defer { flushing.cancel() }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<workers {
            group.addTask {
                for user in stride(from: worker, to: users, by: workers) {
                    let key = CacheKey(
                        prefix: CachePrefix(namespace: "api", user: String(user)), route: "GET /dashboard")
                    guard case .miss(let generation) = try await store.lookup(key) else { continue }
                    _ = try await store.store(value, for: key, ttl: .seconds(3600), generation: generation)
                    for _ in 0..<(user % 4) { _ = try await store.lookup(key) }
                }
            }
        }
        try await group.waitForAll()
    }
    if let redis = store as? RedisStore { try await redis.flush() }
    return start.duration(to: .now)
}

func report(_ name: String, _ store: some CacheStore, redis: [RedisConnection] = []) async throws {
    let filling = try await fill(store)
    print("\(name): filled \(users) users in \(String(format: "%.1f", milliseconds(filling) / 1000)) s")
    try await queries(name, store, redis: redis)
}

/// The queries, on a store holding the users `fill` makes.
func queries(_ name: String, _ store: some CacheStore, redis: [RedisConnection] = []) async throws {
    for node in redis { _ = try await node.execute(RESPCommand("CONFIG", "RESETSTAT")) }
    var rows: [(String, Figures)] = []
    // The first query of a sort makes its view: measured on its own, once.
    let firstStart = ContinuousClock.now
    _ = try await store.statistics(StatsQuery(sort: .hits))
    let first = milliseconds(firstStart.duration(to: .now))
    rows.append(("first query of a sort (makes its view, once)", Figures(median: first, max: first, cpu: .nan)))
    for sort in StatsQuery.Sort.allCases {
        _ = try await store.statistics(StatsQuery(sort: sort))
    }
    var worstTop = Figures(median: 0, max: 0, cpu: 0)
    var slowest = ""
    for sort in StatsQuery.Sort.allCases where sort != .expiringSoon {
        for order in StatsQuery.Order.allCases {
            let figures = try await measure { _ = try await store.statistics(StatsQuery(sort: sort, order: order)) }
            if figures.median > worstTop.median {
                worstTop = figures
                slowest = "\(sort) \(order)"
            }
        }
    }
    rows.append(("top-50 page, slowest of the 14 sorts but expiring soon (\(slowest))", worstTop))
    rows.append(
        (
            "top-50 page by entries expiring soon",
            try await measure { _ = try await store.statistics(StatsQuery(sort: .expiringSoon)) }
        ))
    rows.append(
        (
            "page at offset \(users / 2), by hits",
            try await measure { _ = try await store.statistics(StatsQuery(sort: .hits, offset: users / 2)) }
        ))
    let focus = CachePrefix(namespace: "api", user: String(users / 3 + 7)).rawValue
    rows.append(
        (
            "`focus` on one user, by hit ratio (the monitor's refreshes while a row is selected)",
            try await measure { _ = try await store.statistics(StatsQuery(sort: .hitRatio, focus: focus)) }
        ))
    // A store may remember where it found a focus (the Redis store does): a user never focused
    // before, each run another.
    var fresh = users / 5
    rows.append(
        (
            "`focus` on a user not focused before, by hit ratio",
            try await measure {
                fresh += 1
                let other = CachePrefix(namespace: "api", user: String(fresh)).rawValue
                _ = try await store.statistics(StatsQuery(sort: .hitRatio, focus: other))
            }
        ))
    rows.append(("`focus` moved to the next row of its page (an arrow key)", try await moveFocus(store, from: &fresh)))
    // Whether each filter's answer was cut by the filter budget (`partial`), and what it counted.
    for (label, query) in [
        (
            "filter `9999` (matches \(users / 10_000 * 2 + 1)-ish users), by keys",
            StatsQuery(sort: .keys, filter: "9999")
        ),
        ("filter `1` (matches about half), by hits", StatsQuery(sort: .hits, filter: "1")),
    ] {
        var last: StoreStatistics?
        let figures = try await measure { last = try await store.statistics(query) }
        let note =
            last.map { $0.partial ? ", partial: ≥ \($0.prefixCount) found" : ", complete: \($0.prefixCount)" } ?? ""
        rows.append((label + note, figures))
    }
    rows.append(("totals (a page of 1)", try await measure { _ = try await store.statistics(StatsQuery(limit: 1)) }))
    // A hit now also marks its prefix as changed for the views.
    let key = CacheKey(prefix: CachePrefix(namespace: "api", user: "7"), route: "GET /dashboard")
    let hits = store is MemoryStore ? 200_000 : 5_000
    let hitStart = ContinuousClock.now
    for _ in 0..<hits { _ = try await store.lookup(key) }
    let perHit = milliseconds(hitStart.duration(to: .now)) * 1e6 / Double(hits)
    print("\n| \(name), \(users) users | median | max | client CPU |\n|---|---|---|---|")
    for (label, figures) in rows {
        print(String(format: "| %@ | %.2f ms | %.2f ms | %.2f ms |", label, figures.median, figures.max, figures.cpu))
    }
    print(String(format: "| hit through `lookup`, 1 task | %.0f ns | | |", perHit))
    for (index, node) in redis.enumerated() {
        guard let stats = try await node.execute(RESPCommand("INFO", "commandstats")).string else { continue }
        // Where Redis spent its time during the queries (and the hits): for docs/benchmarks.md's notes.
        if redis.count > 1 { print("  node \(index + 1):") }
        for line in stats.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
            print("  \(line)")
        }
        let errors = try await node.execute(RESPCommand("INFO", "errorstats")).string ?? ""
        for line in errors.split(whereSeparator: \.isNewline) where line.hasPrefix("errorstat_") {
            print("  \(line)")
        }
    }
}

if kinds.first == "fill", let url = kinds.dropFirst().first {
    let store = RedisStore(
        url: try RedisURL(url), configuration: .init(connectTimeout: .seconds(30), commandTimeout: .seconds(30)))
    let filling = try await fill(store)
    print("filled \(users) users in \(String(format: "%.1f", milliseconds(filling) / 1000)) s")
    await store.close()
    exit(0)
}

if kinds.first == "queries", let url = kinds.dropFirst().first {
    let parsed = try RedisURL(url)
    let store = RedisStore(
        url: parsed, configuration: .init(connectTimeout: .seconds(30), commandTimeout: .seconds(30)))
    if kinds.dropFirst(2).first == "focus" {
        // `focus cold`: another user each run; `focus move`: the next row after another user.
        let cold = kinds.dropFirst(3).first == "cold"
        var user = users / 3 + 7
        if kinds.dropFirst(3).first == "move" {
            let figures = try await moveFocus(store, from: &user)
            print(
                String(
                    format: "focus moved: median %.2f ms, max %.2f ms, client CPU %.2f ms", figures.median, figures.max,
                    figures.cpu))
            await store.close()
            exit(0)
        }
        let figures = try await measure {
            if cold { user += 1 }
            let focus = CachePrefix(namespace: "api", user: String(user)).rawValue
            _ = try await store.statistics(StatsQuery(sort: .hitRatio, focus: focus))
        }
        print(
            String(
                format: "focus: median %.2f ms, max %.2f ms, client CPU %.2f ms", figures.median, figures.max,
                figures.cpu))
    } else {
        try await queries("Redis store at \(url)", store)
    }
    await store.close()
    exit(0)
}

for kind in kinds.isEmpty ? ["memory"] : kinds {
    switch kind {
    case "memory":
        try await report("memory store", MemoryStore(configuration: .init(maxBytes: 4 << 30)))
    case "redis":
        let server = try await RedisServer()
        let store = RedisStore(
            url: try RedisURL(server.url),
            configuration: .init(connectTimeout: .seconds(30), commandTimeout: .seconds(30)))
        let probe = try await RedisConnection.connect(to: RedisURL(server.url))
        try await report("Redis store, one redis-server", store, redis: [probe])
        await probe.close()
        await store.close()
        await server.kill()
    case let kind where kind.hasPrefix("cluster"):
        // `cluster` (the store's default count of partitions) or `cluster:64` and so on.
        let partitions =
            kind.split(separator: ":").dropFirst().first.flatMap { Int($0) }
            ?? RedisStore.Configuration().clusterPartitions
        let cluster = try await RedisCluster(replicas: false)
        let store = RedisStore(
            url: try RedisURL(cluster.url),
            configuration: .init(
                connectTimeout: .seconds(30), commandTimeout: .seconds(30), clusterPartitions: partitions))
        var probes: [RedisConnection] = []
        for port in cluster.primaryPorts {
            probes.append(try await RedisConnection.connect(to: RedisURL("redis://127.0.0.1:\(port)")))
        }
        try await report("Redis store, cluster of 3 primaries, \(partitions) partitions", store, redis: probes)
        for probe in probes { await probe.close() }
        await store.close()
        await cluster.stop()
    default:
        print("unknown store \(kind): memory, redis or cluster")
    }
}
