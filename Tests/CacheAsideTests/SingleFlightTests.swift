import CacheAside
import TestSupport
import Testing

@Suite("Single-flight")
struct SingleFlightTests {
    @Test("100 concurrent misses on one key compute once; the 99 others wait for it and share its value")
    func hundredCallersOneComputation() async throws {
        let fixture = Fixture()
        let gate = Gate()
        let counter = CallCounter()
        let started = CallCounter()
        let results = try await withThrowingTaskGroup(of: CachedBytes.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    started.increment()
                    return try await fixture.cache.lookupOrCompute(key: "/slow", user: "42") {
                        counter.increment()
                        await gate.wait()
                        return ComputedValue(bytes: [7, 7])
                    }
                }
            }
            // Let every caller reach the cache before the computation finishes.
            try await gate.waitForArrivals(1)
            try await waitUntil { started.value == 100 }
            for _ in 0..<200 { await Task.yield() }
            gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counter.value == 1)
        #expect(results.count == 100)
        #expect(results.allSatisfy { $0.bytes == [7, 7] })
        // The callers overlapped: one computed, every other waited for it. A caller that came after
        // the computation would be a plain hit and prove nothing about single-flight.
        #expect(results.filter { $0.source == .computed }.count == 1)
        #expect(results.filter { $0.source == .shared }.count == 99)
        #expect(try await fixture.totals()[.sets] == 1)
    }

    @Test("when the computation throws, every waiting caller gets the error and nothing is cached")
    func errorReachesEveryCaller() async throws {
        struct Boom: Error {}
        let fixture = Fixture()
        let gate = Gate()
        let counter = CallCounter()
        let started = CallCounter()
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    started.increment()
                    do {
                        _ = try await fixture.cache.cachedBytes(key: "/boom", user: "1") {
                            counter.increment()
                            await gate.wait()
                            throw Boom()
                        }
                        return false
                    } catch {
                        return error is Boom
                    }
                }
            }
            try? await gate.waitForArrivals(1)
            try? await waitUntil { started.value == 20 }
            for _ in 0..<200 { await Task.yield() }
            gate.open()
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 20)
        // One computation for all: callers that came after the failure would have run their own.
        #expect(counter.value == 1, "callers that arrive together share one computation and its error")
        #expect(try await fixture.totals().keys == 0)
        #expect(try await fixture.read("/boom", user: "1", value: [1]).computed)
    }

    @Test("a computation's own error is thrown once and the computation is not run again")
    func computationErrorIsNotRetried() async throws {
        struct Boom: Error {}
        let fixture = Fixture()
        let counter = CallCounter()
        await #expect(throws: Boom.self) {
            _ = try await fixture.cache.cachedBytes(key: "/boom", user: "1") {
                counter.increment()
                throw Boom()
            }
        }
        #expect(counter.value == 1)
        #expect(try await fixture.totals()[.errors] == 0, "a computation error is not a store error")
    }

    @Test("a value that is not cacheable is neither stored nor handed to the callers that waited")
    func notShareable() async throws {
        let fixture = Fixture()
        let gate = Gate()
        let counter = CallCounter()
        let started = CallCounter()
        let results = try await withThrowingTaskGroup(of: CachedBytes.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    started.increment()
                    return try await fixture.cache.lookupOrCompute(key: "/private", user: "1") {
                        let call = counter.increment()
                        await gate.wait()
                        return ComputedValue(bytes: [UInt8(call)], isCacheable: false)
                    }
                }
            }
            try await gate.waitForArrivals(1)
            try await waitUntil { started.value == 10 }
            for _ in 0..<200 { await Task.yield() }
            // The callers overlapped: all were in, yet only one was computing; the others waited.
            #expect(gate.arrived == 1)
            gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counter.value == 10)
        #expect(Set(results.map(\.bytes)).count == 10, "every caller got its own computation")
        #expect(results.allSatisfy { $0.source == .uncached })
        #expect(try await fixture.totals().keys == 0)
    }

    @Test("callers waiting on a cancelled computation start over instead of failing")
    func leaderCancelled() async throws {
        let fixture = Fixture()
        let gate = Gate()
        let leader = Task {
            try await fixture.cache.cachedBytes(key: "/k", user: "1") {
                await gate.wait()
                try Task.checkCancellation()
                return [0]
            }
        }
        try await gate.waitForArrivals(1)
        let follower = Task {
            try await fixture.cache.lookupOrCompute(key: "/k", user: "1") { ComputedValue(bytes: [1]) }
        }
        for _ in 0..<200 { await Task.yield() }
        leader.cancel()
        gate.open()
        await #expect(throws: CancellationError.self) { try await leader.value }
        let result = try await follower.value
        #expect(result.bytes == [1] && result.source == .computed)
    }

    @Test("lookupOrCompute says whether the bytes were a hit, computed, or shared")
    func sources() async throws {
        let fixture = Fixture()
        let first = try await fixture.cache.lookupOrCompute(key: "/k", user: "1") { ComputedValue(bytes: [1]) }
        let second = try await fixture.cache.lookupOrCompute(key: "/k", user: "1") { ComputedValue(bytes: [2]) }
        #expect(first == CachedBytes(bytes: [1], source: .computed))
        #expect(second == CachedBytes(bytes: [1], source: .hit))
    }
}
