// `RedisBenchmarks cluster`: the hit path and the purge on one Redis and on a cluster of 3
// primaries, side by side: hit latency (1 task), hits/s (64 tasks), and the purge of one user's
// 100 entries among 1,000 users.
import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport

/// The figures of one store: its name and its rows.
func clusterFigures(_ name: String, url: String) async throws -> [(String, String, String)] {
    let store = RedisStore(url: try RedisURL(url), configuration: .init(commandTimeout: .seconds(30)))
    let value = [UInt8](repeating: 0x61, count: 100)
    var rows: [(String, String, String)] = []

    // Hits spread over 64 users, so a cluster serves them from every primary.
    let keys = (0..<64).map {
        CacheKey(prefix: CachePrefix(namespace: "api", user: "hit\($0)"), route: "GET /dashboard")
    }
    for key in keys {
        if case .miss(let generation) = try await store.lookup(key) {
            _ = try await store.store(value, for: key, ttl: .seconds(3600), generation: generation)
        }
    }
    for index in 0..<2_000 { _ = try await store.lookup(keys[index % keys.count]) }
    var hits: [Duration] = []
    for index in 0..<20_000 { hits.append(try await time { _ = try await store.lookup(keys[index % keys.count]) }) }
    hits.sort()
    rows.append(
        ("\(name): hit, 1 task", format(percentile(hits, 0.5)), format(percentile(hits, 0.99))))

    let total = 200_000
    let elapsed = try await time {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<64 {
                group.addTask {
                    for _ in 0..<(total / 64) { _ = try await store.lookup(keys[task]) }
                }
            }
            try await group.waitForAll()
        }
    }
    let perSecond = Double(total) / (Double(CacheClock.nanoseconds(elapsed)) / 1e9)
    rows.append(("\(name): hits/s, 64 tasks", String(format: "%.0f/s", perSecond), ""))

    // 1,000 users of 100 entries; purge eleven of them, refilled between purges (not timed).
    let routes = (0..<100).map { "GET /api/orders?page=\($0)" }
    func fill(_ user: Int) async throws {
        let prefix = CachePrefix(namespace: "api", user: String(user))
        for route in routes {
            let key = CacheKey(prefix: prefix, route: route)
            if case .miss(let generation) = try await store.lookup(key) {
                _ = try await store.store(value, for: key, ttl: .seconds(3600), generation: generation)
            }
        }
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<32 {
            group.addTask { for user in stride(from: worker, to: 1_000, by: 32) { try await fill(user) } }
        }
        try await group.waitForAll()
    }
    var purges: [Duration] = []
    for trial in 0..<11 {
        let user = (trial * 97 + 13) % 1_000
        var removed = 0
        purges.append(
            try await time {
                removed = try await store.purge(CachePrefix(namespace: "api", user: String(user))).removedKeys
            })
        precondition(removed == routes.count, "a purge must remove the user's entries")
        try await fill(user)
    }
    purges.sort()
    rows.append(
        (
            "\(name): purge one user's 100 entries", format(percentile(purges, 0.5)),
            format(purges.last ?? .zero)
        ))
    await store.close()
    return rows
}

/// One Redis, then a cluster of 3 primaries (no replicas), each started here and stopped by pid.
func compareClusterFigures() async throws {
    var rows: [(String, String, String)] = []
    let single = try await RedisServer()
    rows += try await clusterFigures("one Redis", url: single.url)
    await single.kill()
    let cluster = try await RedisCluster(replicas: false)
    do {
        rows += try await clusterFigures("cluster of 3 primaries", url: cluster.url)
    } catch {
        await cluster.stop()
        throw error
    }
    await cluster.stop()
    print("\n| benchmark | p50 / median | p99 / max |\n|---|---|---|")
    for (name, middle, high) in rows { print("| \(name) | \(middle) | \(high) |") }
}
