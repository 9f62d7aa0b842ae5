import CacheAside
import CacheAsideRedis
import Foundation
import NIOConcurrencyHelpers
import RESP
import TestSupport
import Testing

/// Readers and purgers on several instances of one cluster-backed cache, recording what a user
/// would notice: a request that failed, and a read that served a value computed before a purge of
/// its user that had already returned.
///
/// Every computed value is the time its computation started (nanoseconds on one test-wide clock),
/// so a read can be checked against every purge that returned before the read began.
final class ClusterTraffic: Sendable {
    struct Purge: Sendable {
        let user: String
        let started: ContinuousClock.Instant
        let returned: ContinuousClock.Instant
    }

    private struct State {
        var reads = 0
        var computed = 0
        var failed: [String] = []
        var stale: [String] = []
        var purges: [Purge] = []
    }

    let caches: [CacheAside]
    let users: [String]
    private let origin = ContinuousClock.now
    private let state = NIOLockedValueBox(State())

    init(caches: [CacheAside], users: [String]) {
        self.caches = caches
        self.users = users
    }

    var reads: Int { state.withLockedValue { $0.reads } }
    var computed: Int { state.withLockedValue { $0.computed } }
    var failed: [String] { state.withLockedValue { $0.failed } }
    var stale: [String] { state.withLockedValue { $0.stale } }
    var purgeCount: Int { state.withLockedValue { $0.purges.count } }

    private func nanoseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        CacheClock.nanoseconds(origin.duration(to: instant))
    }

    /// One read of `user`'s dashboard through `cache`, checked.
    func read(_ cache: CacheAside, user: String) async {
        let began = ContinuousClock.now
        do {
            let bytes = try await cache.cachedBytes(key: "/dashboard", user: user, ttl: .seconds(60)) {
                self.state.withLockedValue { $0.computed += 1 }
                return Array(String(self.nanoseconds(.now)).utf8)
            }
            guard let computedAt = Int64(String(decoding: bytes, as: UTF8.self)) else {
                state.withLockedValue { $0.failed.append("\(user): unreadable value") }
                return
            }
            state.withLockedValue { state in
                state.reads += 1
                let before = state.purges.first { purge in
                    purge.user == user && purge.returned < began && computedAt < nanoseconds(purge.started)
                }
                if let before {
                    state.stale.append(
                        "\(user): value computed at \(computedAt) ns served after a purge that started at "
                            + "\(nanoseconds(before.started)) ns and returned before the read")
                }
            }
        } catch {
            state.withLockedValue { $0.failed.append("\(user): \(error)") }
        }
    }

    /// Purges `user` through `cache`, recording when it started and returned.
    func purge(_ cache: CacheAside, user: String) async {
        let started = ContinuousClock.now
        do {
            _ = try await cache.purge(user: user)
            let returned = ContinuousClock.now
            state.withLockedValue { $0.purges.append(Purge(user: user, started: started, returned: returned)) }
        } catch {
            // A purge that throws promised nothing; it is not a failed request of a reader.
            state.withLockedValue { _ in }
        }
    }

    /// Reads and purges on every cache until `until` returns true or `limit` passes; one reader task
    /// per cache and user, and one purger per cache.
    func run(for limit: Duration, until done: @escaping @Sendable () -> Bool) async {
        let deadline = ContinuousClock.now + limit
        await withTaskGroup(of: Void.self) { group in
            for (index, cache) in caches.enumerated() {
                for user in users {
                    group.addTask {
                        while ContinuousClock.now < deadline, !done() {
                            await self.read(cache, user: user)
                            try? await Task.sleep(for: .milliseconds(5))
                        }
                    }
                }
                group.addTask {
                    var turn = index
                    while ContinuousClock.now < deadline, !done() {
                        await self.purge(cache, user: self.users[turn % self.users.count])
                        turn += 1
                        try? await Task.sleep(for: .milliseconds(40))
                    }
                }
            }
        }
    }
}
