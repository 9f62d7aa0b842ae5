import CacheAside
import CacheAsideRedis
import Foundation
import RESP
import TestSupport
import Testing

/// A Redis whose data goes back in time: restarted from a snapshot taken before a purge, or a
/// replica promoted before it received one (issue 10, item 2).
@Suite("Purges survive a restored snapshot and a failover", .serialized, .timeLimit(.minutes(1)))
struct TimeTravelTests {
    @Test(
        "after a restart from a snapshot taken before a purge, the purged value is not served and a computation from before is not stored"
    )
    func restoredSnapshot() async throws {
        let server = try await RedisServer(arguments: ["--dbfilename", "dump.rdb"])
        let fixture = try RedisFixture(server)
        _ = try await fixture.read("/orders", user: "42", value: "before purge")
        let gate = Gate()
        let held = try await fixture.cache.computationHeld(
            at: gate, key: "/summary", user: "42", value: Array("computed before purge".utf8))
        let raw = try await RawRedis(server)
        #expect(try await raw.run("SAVE") == .simpleString("OK"))
        await raw.close()
        _ = try await fixture.cache.purge(user: "42")

        await server.kill()
        let restored = try await RedisServer(
            port: server.port, arguments: ["--dbfilename", "dump.rdb"], directory: server.directory)
        try await fixture.waitUntilReachable()
        let check = try await RawRedis(restored)
        #expect(
            try await check.run("HGET", RedisFixture.valuesKey("api:{u:42}"), "/orders").string == "before purge",
            "the snapshot came back")
        await check.close()

        // The instance that purged, and one that never saw the purge, both miss.
        let read = try await fixture.read("/orders", user: "42", value: "after purge")
        #expect(read == ("after purge", true), "a value from before the purge was served")
        let other = try RedisFixture(restored)
        #expect(try await other.read("/orders", user: "42", value: "after purge") == ("after purge", false))

        try await fixture.waitUntilReachable()
        gate.open()
        _ = try await held.value
        #expect(try await other.totals()[.staleSetsRejected] >= 1, "the late store reached Redis and was refused")
        let summary = try await other.read("/summary", user: "42", value: "fresh")
        #expect(summary == ("fresh", true), "a computation that started before the purge was stored")
    }

    @Test("a snapshot loaded in place (same process, connections kept) is noticed by the next sweep")
    func snapshotLoadedInPlace() async throws {
        let server = try await RedisServer(arguments: ["--dbfilename", "dump.rdb", "--enable-debug-command", "local"])
        let fixture = try RedisFixture(server)
        _ = try await fixture.read("/orders", user: "42", value: "before purge")
        let raw = try await RawRedis(server)
        #expect(try await raw.run("SAVE") == .simpleString("OK"))
        _ = try await fixture.cache.purge(user: "42")
        #expect(try await raw.run("DEBUG", "RELOAD", "NOSAVE") == .simpleString("OK"))
        #expect(
            try await raw.run("HGET", RedisFixture.valuesKey("api:{u:42}"), "/orders").string == "before purge",
            "the snapshot is back")
        await raw.close()

        try await fixture.store.sweep()  // what the store's service does every second
        let read = try await fixture.read("/orders", user: "42", value: "after purge")
        #expect(read == ("after purge", true), "a value from before the purge was served")
    }

    @Test("a replica promoted before it received a purge does not serve the purged value")
    func failoverToStaleReplica() async throws {
        let primary = try await RedisServer()
        let replica = try await RedisServer(arguments: ["--replicaof", "127.0.0.1", String(primary.port)])
        let primaryRaw = try await RawRedis(primary)
        try await Self.waitForReplica(primaryRaw)
        // Not waiting for the replica: the primary may still list the one just cut off.
        let fixture = try RedisFixture(primary, configuration: RedisFixture.configuration(purgeReplicas: 0))
        _ = try await fixture.read("/orders", user: "42", value: "before purge")
        // Until the replica has the value (WAIT on this connection would not wait: it wrote
        // nothing; the store wrote on its own connections).
        let replicaRaw = try await RawRedis(replica)
        for _ in 0..<500 {
            let held = try await replicaRaw.run("HGET", RedisFixture.valuesKey("api:{u:42}"), "/orders").string
            if held == "before purge" { break }
            try await Task.sleep(for: .milliseconds(10))
        }

        // The replica stops replicating (it will be the one promoted), then the purge: it never
        // receives it. Then the primary dies.
        #expect(try await replicaRaw.run("REPLICAOF", "NO", "ONE") == .simpleString("OK"))
        _ = try await fixture.cache.purge(user: "42")
        await primary.kill()
        #expect(
            try await replicaRaw.run("HGET", RedisFixture.valuesKey("api:{u:42}"), "/orders").string == "before purge",
            "the promoted replica holds the pre-purge value")
        await replicaRaw.close()

        let promoted = try RedisFixture(replica)
        let read = try await promoted.read("/orders", user: "42", value: "after purge")
        #expect(read == ("after purge", true), "the promoted replica served a purged value")
    }

    @Test("with a replica, a purge waits for it; one the replica does not confirm in time is reported as failed")
    func purgeWaitsForReplica() async throws {
        let primary = try await RedisServer()
        let replica = try await RedisServer(
            arguments: ["--replicaof", "127.0.0.1", String(primary.port), "--enable-debug-command", "local"])
        let primaryRaw = try await RawRedis(primary)
        try await Self.waitForReplica(primaryRaw)
        let fixture = try RedisFixture(
            primary, configuration: RedisFixture.configuration(purgeReplicationTimeout: .seconds(1)))
        _ = try await fixture.read("/orders", user: "42", value: "v")
        let confirmed = try await fixture.cache.purge(user: "42")
        #expect(confirmed.removedKeys == 1)

        // A replica that stops answering for 4 s: the purge is applied on the primary but not confirmed.
        let replicaRaw = try await RawRedis(replica)
        let sleeping = Task { try await replicaRaw.run("DEBUG", "SLEEP", "4") }
        try await Task.sleep(for: .milliseconds(100))
        _ = try await fixture.read("/orders", user: "42", value: "v")
        let error = await #expect(throws: CacheAsideError.self) { try await fixture.cache.purge(user: "42") }
        #expect(error?.description.contains("0 of its 1 replicas confirmed it") == true, "\(String(describing: error))")

        // Hits are not queued behind a purge waiting for its replica: they use other connections.
        let waiting = Task { try? await fixture.cache.purge(user: "7") }
        for _ in 0..<50 where try await primaryRaw.info("clients", "blocked_clients") == "0" {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await primaryRaw.info("clients", "blocked_clients") == "1", "the purge is waiting in WAIT")
        #expect(try await fixture.read("/orders", user: "42", value: "v2").value == "v2")
        #expect(try await primaryRaw.info("clients", "blocked_clients") == "1", "the lookup did not wait for the purge")
        _ = await waiting.value
        _ = try await sleeping.value
        await replicaRaw.close()
    }

    /// Waits until the primary lists its replica as online, bounded.
    static func waitForReplica(_ primary: RawRedis) async throws {
        for _ in 0..<200 {
            let text = try await primary.run("INFO", "replication").string ?? ""
            if text.contains("state=online") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RedisServer.Failure(description: "the replica did not come online within 10 s")
    }
}
