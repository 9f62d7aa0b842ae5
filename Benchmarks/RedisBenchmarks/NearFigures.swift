// `RedisBenchmarks near`: the near cache on a private redis-server. A near hit in process (1 task,
// and 64 tasks), beside a hit in Redis; and the invalidation lag: two stores A and B with traffic
// on both, 10,000 rounds of B holding a near copy, A purging its user, and B reading until it
// stops serving the copy: how long after A's purge returned B's last copy was served.
import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport

func nearFigures() async throws {
    let redis = try await RedisServer()
    defer { redis.process.signal(SIGKILL) }
    let url = try RedisURL(redis.url)
    let near = RedisStore.Configuration(commandTimeout: .seconds(30), nearCacheBytes: 64 << 20)
    let a = RedisStore(url: url, configuration: near)
    let b = RedisStore(url: url, configuration: near)
    let plain = RedisStore(url: url, configuration: .init(commandTimeout: .seconds(30)))
    let value = [UInt8](repeating: 0x61, count: 100)
    var rows: [(String, String, String)] = []

    func fill(_ store: RedisStore, _ key: CacheKey) async throws {
        if case .miss(let generation) = try await store.lookup(key) {
            _ = try await store.store(value, for: key, ttl: .seconds(3600), generation: generation)
        }
    }
    let keys = (0..<64).map { CacheKey(prefix: CachePrefix(namespace: "api", user: "n\($0)"), route: "GET /d") }
    for key in keys { try await fill(a, key) }
    // Until both track Redis (bounded), then until B holds every key.
    for _ in 0..<400 where a.nearCacheFigures?.live != true || b.nearCacheFigures?.live != true {
        for key in keys.prefix(2) {
            _ = try await a.lookup(key)
            _ = try await b.lookup(key)
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    for _ in 0..<2 { for key in keys { _ = try await b.lookup(key) } }

    for (name, store) in [("hit in Redis (no near cache)", plain), ("near hit", b)] {
        for index in 0..<2_000 { _ = try await store.lookup(keys[index % keys.count]) }
        var samples: [Duration] = []
        for index in 0..<100_000 {
            let start = ContinuousClock.now
            _ = try await store.lookup(keys[index % keys.count])
            samples.append(start.duration(to: .now))
        }
        samples.sort()
        rows.append(("\(name), 1 task", format(percentile(samples, 0.5)), format(percentile(samples, 0.99))))
        let total = store === plain ? 200_000 : 2_000_000
        let elapsed = try await time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<64 {
                    group.addTask { for _ in 0..<(total / 64) { _ = try await store.lookup(keys[task]) } }
                }
                try await group.waitForAll()
            }
        }
        let perSecond = Double(total) / (Double(CacheClock.nanoseconds(elapsed)) / 1e9)
        rows.append(("\(name), 64 tasks", String(format: "%.0f/s", perSecond), ""))
    }

    // The lag, with 8 tasks of traffic on each store (other users), bounded in time.
    let traffic = Task {
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                let store = worker % 2 == 0 ? a : b
                group.addTask {
                    let mine = CacheKey(prefix: CachePrefix(namespace: "api", user: "busy\(worker)"), route: "GET /d")
                    for _ in 0..<10_000_000 where !Task.isCancelled { _ = try? await store.lookup(mine) }
                }
            }
        }
    }
    var lags: [Duration] = []
    var copiesAfterReturn = 0
    var held = 0
    let rounds = 10_000
    for round in 0..<rounds {
        let key = keys[round % keys.count]
        try await fill(b, key)
        _ = try await b.lookup(key)  // a hit in Redis that fills B's copy
        let nearBefore = b.nearHitsCounted
        _ = try await b.lookup(key)
        if b.nearHitsCounted > nearBefore { held += 1 }
        _ = try await a.purge(key.prefix)
        let returned = ContinuousClock.now
        var lag = Duration.zero
        // B reads until it misses (its copy gone), for 1 s at most.
        while returned.duration(to: .now) < .seconds(1) {
            let read = ContinuousClock.now
            guard case .hit = try await b.lookup(key) else { break }
            lag = returned.duration(to: read)
            copiesAfterReturn += 1
        }
        lags.append(lag)
        if case .miss(let generation) = try await b.lookup(key) {
            _ = try await b.store(value, for: key, ttl: .seconds(3600), generation: generation)
        }
    }
    traffic.cancel()
    lags.sort()
    let served = lags.filter { $0 > .zero }.count
    rows.append(
        (
            "invalidation lag: B's last copy after A's purge returned, \(rounds) purges (p50 / p99)",
            format(percentile(lags, 0.5)), format(percentile(lags, 0.99))
        ))
    rows.append(
        (
            "… max; purges after which B served its copy at all", format(lags.last ?? .zero),
            "\(served) of \(rounds) (\(copiesAfterReturn) reads)"
        ))
    rows.append(("… rounds in which B held a copy when A purged", "\(held) of \(rounds)", ""))
    print("\n| near cache, private redis-server | p50 or rate | p99 |\n|---|---|---|")
    for (name, p50, p99) in rows { print("| \(name) | \(p50) | \(p99) |") }
    await a.close()
    await b.close()
    await plain.close()
}
