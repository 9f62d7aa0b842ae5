import CacheAside
import TestSupport
import Testing

@Suite("Concurrent use")
struct ConcurrencyTests {
    @Test("many tasks reading, writing, purging and sweeping keep the counters consistent")
    func hammer() async throws {
        let store = MemoryStore(configuration: .init(maxBytes: 200_000))
        let cache = CacheAside(store: store, configuration: .init(namespace: "api", defaultTTL: .milliseconds(50)))
        let reads = 16 * 2_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var generator = SplitMix(seed: UInt64(worker))
                    for step in 0..<2_000 {
                        let user = "\(generator.next() % 50)"
                        let key = "/k\(generator.next() % 20)"
                        let value = [UInt8](repeating: UInt8(step % 256), count: Int(generator.next() % 2_000))
                        let bytes = try await cache.cachedBytes(key: key, user: user) { value }
                        #expect(bytes.allSatisfy { $0 == bytes.first })
                        if step % 97 == 0 { try await cache.purge(user: user) }
                        if step % 211 == 0 { store.sweep() }
                        if step % 307 == 0 { _ = try await cache.stats(StatsQuery(sort: .bytes, limit: 10)) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let snapshot = try await cache.stats(StatsQuery(limit: 1000))
        let totals = snapshot.totals
        #expect(totals[.hits] + totals[.misses] == UInt64(reads))
        #expect(totals.bytes <= 200_000 && totals.bytes >= 0)
        #expect(snapshot.prefixes.reduce(0) { $0 + $1.keys } == totals.keys)
        #expect(snapshot.prefixes.reduce(0) { $0 + $1.bytes } == totals.bytes)
        #expect(totals[.sets] >= UInt64(totals.keys) + totals[.evictions] + totals[.purgedKeys])
        #expect(totals[.purges] > 0 && totals[.evictions] > 0, "the run exercised purges and the byte budget")
    }
}
