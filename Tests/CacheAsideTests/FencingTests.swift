import CacheAside
import TestSupport
import Testing

@Suite("Generation fencing")
struct FencingTests {
    @Test("a purge during a computation drops that computation's write and counts it")
    func purgeWinsOverLateWrite() async throws {
        let fixture = Fixture()
        let gate = Gate()
        let slow = Task {
            try await fixture.cache.cachedBytes(key: "/summary", user: "42") {
                await gate.wait()
                return Array("before purge".utf8)
            }
        }
        try await gate.waitForArrivals(1)
        let purge = try await fixture.cache.purge(user: "42")
        gate.open()
        #expect(
            try await slow.value == Array("before purge".utf8), "the caller that started first still gets its value")

        let after = try await fixture.read("/summary", user: "42", value: Array("after purge".utf8))
        #expect(after.computed && after.bytes == Array("after purge".utf8))
        let totals = try await fixture.totals()
        #expect(totals.staleSetsRejected == 1)
        #expect(try await fixture.events().contains { $0.kind == .staleSetRejected && $0.user == "42" })
        #expect(try await fixture.cache.keys(user: "42").allSatisfy { $0.generation == purge.generation })
    }

    @Test("a reader arriving after a purge does not join a computation that started before it")
    func noJoiningAcrossGenerations() async throws {
        let fixture = Fixture()
        let gate = Gate()
        let slow = Task {
            try await fixture.cache.cachedBytes(key: "/k", user: "1") {
                await gate.wait()
                return [0]
            }
        }
        try await gate.waitForArrivals(1)
        try await fixture.cache.purge(user: "1")
        let fresh = try await fixture.read("/k", user: "1", value: [1])
        gate.open()
        _ = try await slow.value
        #expect(fresh.computed && fresh.bytes == [1])
        #expect(try await fixture.read("/k", user: "1").bytes == [1])
    }

    @Test("randomized: after every purge, no value computed before it is ever served (10,000 operations)")
    func randomizedInterleavings() async throws {
        let cache = CacheAside(
            store: MemoryStore(), configuration: .init(namespace: "api", defaultTTL: .seconds(3600)))
        let users = ["1", "2", "3"]
        let keys = ["/a", "/b"]
        // The "database": a version per user, bumped by every write before its purge.
        let versions = Locked([String: Int](uniqueKeysWithValues: users.map { ($0, 0) }))
        // The version every purge that has completed guarantees a reader.
        let guaranteed = Locked([String: Int](uniqueKeysWithValues: users.map { ($0, 0) }))
        let violations = CallCounter()
        let operations = CallCounter()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var generator = SplitMix(seed: UInt64(worker + 1))
                    for _ in 0..<1_250 {
                        operations.increment()
                        let user = users[Int(generator.next() % 3)]
                        if generator.next() % 5 == 0 {
                            let written = versions.withLock { versions -> Int in
                                versions[user, default: 0] += 1
                                return versions[user, default: 0]
                            }
                            try await cache.purge(user: user)
                            guaranteed.withLock { $0[user] = max($0[user, default: 0], written) }
                        } else {
                            let required = guaranteed.withLock { $0[user, default: 0] }
                            let delay = Int(generator.next() % 4)
                            let bytes = try await cache.cachedBytes(key: keys[Int(generator.next() % 2)], user: user) {
                                let seen = versions.withLock { $0[user, default: 0] }
                                for _ in 0..<delay { await Task.yield() }
                                return withUnsafeBytes(of: seen) { Array($0) }
                            }
                            let served = bytes.withUnsafeBytes { $0.load(as: Int.self) }
                            if served < required { violations.increment() }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(operations.value >= 10_000)
        #expect(violations.value == 0)
        let totals = try await cache.stats().totals
        #expect(totals.purges > 1_000 && totals.hits > 0)
        #expect(totals.staleSetsRejected > 0, "the run must have raced purges against computations")
    }
}

/// A small seeded generator, so a failing interleaving can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
