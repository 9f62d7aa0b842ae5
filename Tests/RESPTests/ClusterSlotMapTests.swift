import RESP
import Testing

/// The slot map read from `CLUSTER SHARDS` and `CLUSTER SLOTS` answers as the parser produces
/// them (RESP2 flat arrays, RESP3 maps), and refused with a clear error when they do not fit.
@Suite("Cluster slot map parsing")
struct ClusterSlotMapTests {
    /// A map field list, as RESP2 sends it (`[name, value, …]`) or as RESP3 does (a map).
    static func fields(_ pairs: [(String, RESPValue)], resp3: Bool) -> RESPValue {
        if resp3 {
            var map: [RESPValue: RESPValue] = [:]
            for (name, value) in pairs { map[.bulk(name)] = value }
            return .map(map)
        }
        var items: [RESPValue] = []
        for (name, value) in pairs {
            items.append(.bulk(name))
            items.append(value)
        }
        return .array(items)
    }

    /// Two shards: `a` serves 0–99 and 200–299 (a replica listed first), `b` serves 100–199 with
    /// a hostname and a TLS port; slots from 300 on are served by nobody.
    static func shards(resp3: Bool) -> RESPValue {
        let replica = fields(
            [
                ("id", .bulk("r")), ("port", .integer(7003)), ("ip", .bulk("10.0.0.3")),
                ("endpoint", .bulk("10.0.0.3")), ("role", .bulk("replica")), ("health", .bulk("online")),
            ], resp3: resp3)
        let nodeA = fields(
            [
                ("id", .bulk("a")), ("port", .integer(7001)), ("ip", .bulk("10.0.0.1")),
                ("endpoint", .bulk("10.0.0.1")), ("role", .bulk("master")), ("replication-offset", .integer(0)),
                ("health", .bulk("online")),
            ], resp3: resp3)
        let nodeB = fields(
            [
                ("id", .bulk("b")), ("port", .integer(7002)), ("tls-port", .integer(7102)), ("ip", .bulk("10.0.0.2")),
                ("endpoint", .bulk("10.0.0.2")), ("hostname", .bulk("redis-b.internal")), ("role", .bulk("master")),
                ("health", .bulk("online")),
            ], resp3: resp3)
        let shardA = fields(
            [
                ("slots", .array([.integer(0), .integer(99), .integer(200), .integer(299)])),
                ("nodes", .array([replica, nodeA])),
            ], resp3: resp3)
        let shardB = fields(
            [("slots", .array([.integer(100), .integer(199)])), ("nodes", .array([nodeB]))], resp3: resp3)
        return .array([shardA, shardB])
    }

    /// The reason of a ``RedisError/protocolError(_:)`` thrown while reading `answer`.
    static func refusal(shards answer: RESPValue) -> String? {
        do throws(RedisError) {
            _ = try ClusterSlotMap(shards: answer, usesTLS: false, askedHost: "seed")
            return nil
        } catch {
            guard case .protocolError(let reason) = error else { return "another error: \(error)" }
            return reason
        }
    }

    @Test("CLUSTER SHARDS: each slot to its online primary; hostname first, then endpoint")
    func readsShards() throws {
        let map = try ClusterSlotMap(shards: Self.shards(resp3: false), usesTLS: false, askedHost: "seed")
        #expect(map.nodes.map(\.id) == ["a", "b"], "replicas are not primaries")
        #expect(map.node(forSlot: 0)?.id == "a")
        #expect(map.node(forSlot: 250)?.id == "a")
        #expect(map.node(forSlot: 150)?.id == "b")
        #expect(map.node(forSlot: 150)?.host == "redis-b.internal")
        #expect(map.node(forSlot: 150)?.port == 7002)
        #expect(map.node(forSlot: 0)?.host == "10.0.0.1")
        #expect(map.node(forSlot: 300) == nil, "a slot nobody serves")
        let nodeA = try #require(map.node(forSlot: 0))
        #expect(map.slotCount(of: nodeA) == 200)
    }

    @Test("RESP3 maps read the same as RESP2 flat arrays")
    func resp3() throws {
        let fromMaps = try ClusterSlotMap(shards: Self.shards(resp3: true), usesTLS: false, askedHost: "seed")
        let fromArrays = try ClusterSlotMap(shards: Self.shards(resp3: false), usesTLS: false, askedHost: "seed")
        for slot in [0, 99, 100, 199, 200, 299, 300] {
            #expect(fromMaps.node(forSlot: slot) == fromArrays.node(forSlot: slot), "slot \(slot)")
        }
    }

    @Test("with TLS, a node's tls-port is used when it has one")
    func tlsPort() throws {
        let map = try ClusterSlotMap(shards: Self.shards(resp3: false), usesTLS: true, askedHost: "seed")
        #expect(map.node(forSlot: 150)?.port == 7102)
        #expect(map.node(forSlot: 150)?.usesTLS == true)
        #expect(map.node(forSlot: 0)?.port == 7001, "no tls-port: the port it has")
    }

    @Test("a shard whose primary is not online leaves its slots unassigned")
    func failedPrimary() throws {
        let failed = Self.fields(
            [
                ("id", .bulk("c")), ("port", .integer(7004)), ("ip", .bulk("10.0.0.4")), ("role", .bulk("master")),
                ("health", .bulk("failed")),
            ], resp3: false)
        let shardC = Self.fields(
            [("slots", .array([.integer(300), .integer(16_383)])), ("nodes", .array([failed]))], resp3: false)
        guard case .array(var shards) = Self.shards(resp3: false) else { return }
        shards.append(shardC)
        let map = try ClusterSlotMap(shards: .array(shards), usesTLS: false, askedHost: "seed")
        #expect(map.node(forSlot: 16_383) == nil)
        #expect(map.nodes.count == 2)
    }

    @Test("CLUSTER SLOTS: primaries deduplicated by id, an empty IP is the host asked")
    func readsSlots() throws {
        let primaryA: RESPValue = .array([.bulk("10.0.0.1"), .integer(7001), .bulk("a"), .array([])])
        let replicaA: RESPValue = .array([.bulk("10.0.0.3"), .integer(7003), .bulk("r"), .array([])])
        let primaryB: RESPValue = .array([
            .bulk(""), .integer(7002), .bulk("b"), .array([.bulk("hostname"), .bulk("redis-b.internal")]),
        ])
        let primaryC: RESPValue = .array([.bulk(""), .integer(7005), .bulk("c")])
        let answer: RESPValue = .array([
            .array([.integer(0), .integer(99), primaryA, replicaA]),
            .array([.integer(100), .integer(199), primaryB]),
            .array([.integer(200), .integer(299), primaryA]),
            .array([.integer(300), .integer(399), primaryC]),
        ])
        let map = try ClusterSlotMap(slots: answer, usesTLS: false, askedHost: "seed.internal")
        #expect(map.nodes.map(\.id) == ["a", "b", "c"])
        #expect(map.node(forSlot: 250)?.id == "a")
        #expect(map.node(forSlot: 150)?.host == "redis-b.internal")
        #expect(map.node(forSlot: 350)?.host == "seed.internal")
        #expect(map.node(forSlot: 400) == nil)
    }

    @Test("answers that do not fit are refused with a protocol error saying what is wrong")
    func malformed() {
        #expect(Self.refusal(shards: .bulk("nope"))?.contains("not a list of shards") == true)
        #expect(Self.refusal(shards: .array([.array([.bulk("slots")])]))?.contains("name/value pairs") == true)
        #expect(Self.refusal(shards: .array([.integer(1)]))?.contains("not a map") == true)
        let noNodes = Self.fields([("slots", .array([.integer(0), .integer(1)]))], resp3: false)
        #expect(Self.refusal(shards: .array([noNodes]))?.contains("no list of nodes") == true)
        #expect(Self.refusal(shards: .array([]))?.contains("no primary that is online") == true)
        guard case .array(var shards) = Self.shards(resp3: false), case .array(var shardB) = shards[1] else { return }
        shardB[1] = .array([.integer(100), .integer(16_384)])
        shards[1] = .array(shardB)
        #expect(Self.refusal(shards: .array(shards))?.contains("slots 100-16384, not a range within 0-16383") == true)
        let noPort = Self.fields(
            [("id", .bulk("x")), ("ip", .bulk("10.0.0.9")), ("role", .bulk("master")), ("health", .bulk("online"))],
            resp3: false)
        let shardX = Self.fields([("slots", .array([])), ("nodes", .array([noPort]))], resp3: false)
        #expect(Self.refusal(shards: .array([shardX]))?.contains("no valid port") == true)
        #expect(throws: RedisError.self) {
            try ClusterSlotMap(slots: .array([.array([.integer(0)])]), usesTLS: false, askedHost: "seed")
        }
    }
}
