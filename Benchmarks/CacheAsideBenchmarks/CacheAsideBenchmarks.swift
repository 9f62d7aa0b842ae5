import Benchmark
import CacheAside
import Foundation
import Synchronization

// Figures and the command that produced them are in docs/benchmarks.md.

/// A store of 1,000,000 entries over 10,000 users (100 entries of 100 bytes each), the scale the
/// purge and stats targets are stated at.
final class LargeStore: Sendable {
    static let users = 10_000
    static let entriesPerUser = 100
    static let value = [UInt8](repeating: 0x2A, count: 100)

    let store = MemoryStore(configuration: .init(maxBytes: 4 * 1024 * 1024 * 1024))
    let cache: CacheAside
    private let nextUser = Atomic<Int>(0)

    init() async throws {
        cache = CacheAside(store: store, configuration: .init(namespace: "api", defaultTTL: .seconds(3600)))
        for user in 0..<Self.users { try await fill(user: user) }
    }

    static func route(_ index: Int) -> String { "GET /api/orders?page=\(index)" }

    func fill(user: Int) async throws {
        for index in 0..<Self.entriesPerUser {
            _ = try await cache.cachedBytes(key: Self.route(index), user: "\(user)") { Self.value }
        }
    }

    /// Users in turn, so every purge removes a full set of 100 entries.
    func takeUser() -> Int { nextUser.add(1, ordering: .relaxed).oldValue % Self.users }
}

/// A cache holding one warm 1 KiB entry, with an optional second task hitting it all the time, and
/// optionally a share of hits verified in the background (against a recompute closure that
/// answers the same value, at most 10 a second: the default cap).
final class WarmCache: Sendable {
    let cache: CacheAside
    let value = [UInt8](repeating: 7, count: 1024)
    private static let stop = Atomic<Bool>(false)
    private static let competingHits = Atomic<Int>(0)

    init(competingTasks: Int, verifySample: Double = 0) async throws {
        cache = CacheAside(
            store: MemoryStore(),
            configuration: .init(namespace: "api", defaultTTL: .seconds(3600), verifySample: verifySample))
        Self.stop.store(false, ordering: .relaxed)
        let value = value
        cache.registerRecompute { _, _ in value }
        _ = try await cache.cachedBytes(key: "/dashboard/summary", user: "42") { value }
        for _ in 0..<competingTasks {
            Task.detached { [self] in
                // Bounded: stops when the benchmark ends or after 120 s.
                let deadline = ContinuousClock.now + .seconds(120)
                while !Self.stop.load(ordering: .relaxed), ContinuousClock.now < deadline {
                    for _ in 0..<1000 { blackHole(try await self.hit()) }
                    Self.competingHits.add(1000, ordering: .relaxed)
                }
            }
        }
    }

    func hit() async throws -> [UInt8] {
        try await cache.cachedBytes(key: "/dashboard/summary", user: "42") { [] }
    }

    /// Stops the competing tasks, checking that they really competed.
    static func stopCompetingTasks() {
        stop.store(true, ordering: .relaxed)
        precondition(competingHits.load(ordering: .relaxed) > 0, "the competing task never ran")
    }
}

/// Resident set size of this process, from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .nanoseconds, warmupIterations: 100,
        maxDuration: .seconds(5), maxIterations: 100_000)

    Benchmark(
        "hit 1 KiB warm, 1 task",
        configuration: .init(scalingFactor: .kilo),
        closure: { benchmark, warm in
            for _ in benchmark.scaledIterations { blackHole(try? await warm.hit()) }
        },
        setup: { try await WarmCache(competingTasks: 0) })

    Benchmark(
        "hit 1 KiB warm, 1 task, 1% of hits verified",
        configuration: .init(scalingFactor: .kilo),
        closure: { benchmark, warm in
            for _ in benchmark.scaledIterations { blackHole(try? await warm.hit()) }
        },
        setup: { try await WarmCache(competingTasks: 0, verifySample: 0.01) })

    Benchmark(
        "hit 1 KiB warm, 2 concurrent tasks",
        configuration: .init(scalingFactor: .kilo),
        closure: { benchmark, warm in
            for _ in benchmark.scaledIterations { blackHole(try? await warm.hit()) }
        },
        setup: { try await WarmCache(competingTasks: 1) },
        teardown: { WarmCache.stopCompetingTasks() })

    Benchmark(
        "miss + set 1 KiB",
        closure: { benchmark, warm in
            let key = "/orders?page=\(benchmark.currentIteration)"
            let value = warm.value
            blackHole(try? await warm.cache.cachedBytes(key: key, user: "7") { value })
        },
        setup: { try await WarmCache(competingTasks: 0) })

    Benchmark(
        "purge one user's 100 entries, 1M entries / 10k users",
        configuration: .init(metrics: [.wallClock], timeUnits: .microseconds, maxIterations: 3_000),
        closure: { benchmark, large in
            let user = large.takeUser()
            benchmark.startMeasurement()
            let result = try? await large.cache.purge(user: "\(user)")
            benchmark.stopMeasurement()
            precondition(result?.removedKeys == LargeStore.entriesPerUser, "each purge removes a full user")
            try? await large.fill(user: user)
        },
        setup: { try await LargeStore() })

    Benchmark(
        "stats top-50 page, 1M entries / 10k users",
        configuration: .init(metrics: [.wallClock], timeUnits: .microseconds, maxIterations: 1_000),
        closure: { _, large in
            blackHole(try? await large.cache.stats(StatsQuery(sort: .hits, limit: 50)))
        },
        setup: { try await LargeStore() })

    Benchmark(
        "memory: resident bytes per entry beyond key and value (1M entries)",
        configuration: .init(
            metrics: [.wallClock, .custom("overhead bytes/entry")], timeUnits: .milliseconds, warmupIterations: 0,
            maxIterations: 1),
        closure: { benchmark in
            let before = residentBytes()
            let large = try? await LargeStore()
            let after = residentBytes()
            let entries = LargeStore.users * LargeStore.entriesPerUser
            let payload =
                (0..<LargeStore.entriesPerUser).reduce(0) { $0 + LargeStore.route($1).utf8.count }
                * LargeStore.users + entries * LargeStore.value.count
            benchmark.measurement(.custom("overhead bytes/entry"), (after - before - payload) / entries)
            blackHole(large)
        })
}
