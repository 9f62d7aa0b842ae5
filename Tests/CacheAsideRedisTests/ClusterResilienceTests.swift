import CacheAside
import CacheAsideRedis
import Foundation
import NIOConcurrencyHelpers
import RESP
import TestSupport
import Testing

/// A cache on a real Redis Cluster while its slots move and a primary dies, with two instances
/// reading and purging all along: no request fails, and no read serves a value computed before a
/// purge that had returned.
@Suite("Redis Cluster under resharding and failover", .serialized, .timeLimit(.minutes(3)))
struct ClusterResilienceTests {
    static func store(_ port: Int) throws -> (RedisStore, CacheAside) {
        let store = RedisStore(
            url: try RedisURL("redis://127.0.0.1:\(port)"),
            configuration: .init(
                connectTimeout: .seconds(2), commandTimeout: .seconds(2), flushInterval: .milliseconds(100),
                purgeReplicas: 1, purgeReplicationTimeout: .seconds(2)))
        let cache = CacheAside(
            store: store, configuration: .init(namespace: "api", defaultTTL: .seconds(60), ttlJitter: 0))
        return (store, cache)
    }

    /// The slots that hold keys of `user`, found by scanning every primary.
    static func slots(of user: String, in cluster: RedisCluster) async throws -> Set<Int> {
        var slots: Set<Int> = []
        for port in cluster.primaryPorts {
            let keys = try await cluster.redisCLI(port: port, ["--scan", "--pattern", "*{u:\(user)}*"])
            for key in keys.split(whereSeparator: \.isNewline) where !key.isEmpty {
                slots.insert(HashSlot.slot(of: String(key)))
            }
        }
        return slots
    }

    /// The primary port serving `slot` now, by asking the cluster.
    static func owner(of slot: Int, in cluster: RedisCluster) async throws -> Int {
        let client = RedisClusterClient(url: try RedisURL(cluster.url))
        let node = try? await client.slotMap().node(forSlot: slot)
        await client.close()
        guard let node else { throw RedisServer.Failure(description: "no primary serves slot \(slot)") }
        return node.port
    }

    /// Moves `slot` from `source` to `target` the way `redis-cli --cluster reshard` does, ten keys
    /// at a time with a pause between batches so traffic meets the slot half moved.
    static func move(slot: Int, from source: Int, to target: Int, in cluster: RedisCluster) async throws {
        guard let sourceID = cluster.nodeIDs[source], let targetID = cluster.nodeIDs[target] else {
            throw RedisServer.Failure(description: "unknown node")
        }
        _ = try await cluster.redisCLI(port: target, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID])
        _ = try await cluster.redisCLI(port: source, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID])
        for _ in 0..<2_000 {
            let keys = try await cluster.redisCLI(port: source, ["CLUSTER", "GETKEYSINSLOT", String(slot), "10"])
                .split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            if keys.isEmpty { break }
            let answer = try await cluster.redisCLI(
                port: source, ["MIGRATE", "127.0.0.1", String(target), "", "0", "5000", "KEYS"] + keys)
            guard answer.contains("OK") || answer.contains("NOKEY") else {
                throw RedisServer.Failure(description: "MIGRATE answered \(answer)")
            }
            try await Task.sleep(for: .milliseconds(30))
        }
        for port in cluster.primaryPorts {
            _ = try await cluster.redisCLI(port: port, ["CLUSTER", "SETSLOT", String(slot), "NODE", targetID])
        }
    }

    /// Runs `body` on a private cluster and stops every node by its pid afterwards, failed or not
    /// (a `defer` could only start the stop, and the test process may end before it is done).
    static func withCluster(_ body: (RedisCluster) async throws -> Void) async throws {
        let cluster = try await RedisCluster()
        do {
            try await body(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    @Test("moving the busiest users' slots to another primary under traffic: no failed request, no stale read")
    func reshardUnderTraffic() async throws {
        try await Self.withCluster(reshard)
    }

    func reshard(_ cluster: RedisCluster) async throws {
        let (storeA, cacheA) = try Self.store(cluster.primaryPorts[0])
        let (storeB, cacheB) = try Self.store(cluster.primaryPorts[1])
        let users = ["7", "42", "1001", "hot"]
        let traffic = ClusterTraffic(caches: [cacheA, cacheB], users: users)
        for user in users { await traffic.read(cacheA, user: user) }
        try await storeA.flush()
        var moves: [(slot: Int, from: Int, to: Int)] = []
        for slot in try await Self.slots(of: "42", in: cluster).union(Self.slots(of: "hot", in: cluster)) {
            let from = try await Self.owner(of: slot, in: cluster)
            let to = cluster.primaryPorts.first { $0 != from } ?? from
            moves.append((slot, from, to))
        }
        #expect(!moves.isEmpty, "the users' keys were found in the cluster")

        let finished = NIOLockedValueBox(false)
        let running = Task { await traffic.run(for: .seconds(60)) { finished.withLockedValue { $0 } } }
        try await Task.sleep(for: .milliseconds(500))
        for move in moves { try await Self.move(slot: move.slot, from: move.from, to: move.to, in: cluster) }
        try await Task.sleep(for: .milliseconds(1_500))
        finished.withLockedValue { $0 = true }
        await running.value

        #expect(traffic.failed.isEmpty, "failed requests: \(traffic.failed.prefix(5))")
        #expect(traffic.stale.isEmpty, "stale reads: \(traffic.stale.prefix(5))")
        #expect(traffic.reads > 100 && traffic.purgeCount >= 3, "\(traffic.reads) reads, \(traffic.purgeCount) purges")
        for move in moves {
            let owner = try await Self.owner(of: move.slot, in: cluster)
            #expect(owner == move.to, "slot \(move.slot) moved")
        }
        // The moved users are cached again, on their new primary.
        _ = try await cacheA.cachedBytes(key: "/after", user: "42") { [2] }
        var computedAgain = false
        _ = try await cacheB.cachedBytes(key: "/after", user: "42") {
            computedAgain = true
            return [3]
        }
        #expect(!computedAgain, "a value stored after the move is a hit for the other instance")
        await storeA.close()
        await storeB.close()
    }

    @Test("a primary killed under traffic: requests keep answering, and purges after the failover hold")
    func failoverUnderTraffic() async throws {
        try await Self.withCluster(failover)
    }

    func failover(_ cluster: RedisCluster) async throws {
        let (storeA, cacheA) = try Self.store(cluster.primaryPorts[0])
        let (storeB, cacheB) = try Self.store(cluster.primaryPorts[2])
        let users = ["7", "42", "1001", "hot"]
        let traffic = ClusterTraffic(caches: [cacheA, cacheB], users: users)
        for user in users { await traffic.read(cacheA, user: user) }
        try await storeA.flush()
        guard let slot = try await Self.slots(of: "42", in: cluster).first else {
            Issue.record("user 42 has no keys in the cluster")
            return
        }
        let victim = try await Self.owner(of: slot, in: cluster)
        // A purge confirmed by a replica before the kill survives the failover.
        _ = try await cacheA.purge(user: "42")

        let finished = NIOLockedValueBox(false)
        let running = Task { await traffic.run(for: .seconds(90)) { finished.withLockedValue { $0 } } }
        try await Task.sleep(for: .milliseconds(500))
        await cluster.kill(port: victim)
        var promoted = false
        for _ in 0..<300 {
            let owner = try? await Self.owner(of: slot, in: cluster)
            if let owner, owner != victim {
                promoted = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(promoted, "a replica took over the dead primary's slots")
        // Traffic goes on over the promoted replica, with purges made after the failover.
        try await Task.sleep(for: .seconds(3))
        finished.withLockedValue { $0 = true }
        await running.value

        #expect(traffic.failed.isEmpty, "failed requests: \(traffic.failed.prefix(5))")
        #expect(traffic.stale.isEmpty, "stale reads: \(traffic.stale.prefix(5))")
        #expect(traffic.reads > 100)
        // A purge now holds for both instances: the next reads compute again.
        var purged = false
        var lastError = ""
        for _ in 0..<50 where !purged {
            do {
                _ = try await cacheB.purge(user: "42")
                purged = true
            } catch {
                lastError = "\(error)"
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(purged, "a purge after the failover succeeds; the last attempt said: \(lastError)")
        var computed = false
        _ = try await cacheA.cachedBytes(key: "/dashboard", user: "42") {
            computed = true
            return [9]
        }
        #expect(computed, "after the purge the value is computed again")
        await storeA.close()
        await storeB.close()
    }
}
