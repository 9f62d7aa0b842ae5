import Foundation
import NIOCore
import RESP
import TestSupport
import Testing

/// The cluster client against a real local cluster of 3 primaries and 3 replicas.
@Suite("Redis Cluster client against a real cluster", .serialized, .timeLimit(.minutes(2)))
struct ClusterClientTests {
    /// A key in `slot`, by its tag: `name:{tag}`.
    static func key(_ name: String, inSlot slot: Int) -> String { "\(name):{\(HashSlot.tag(forSlot: slot))}" }

    /// What `redis-cli -p port arguments…` printed, without the line breaks around it.
    static func cli(_ cluster: RedisCluster, _ port: Int, _ arguments: [String]) async throws -> String {
        let output = try await cluster.redisCLI(port: port, arguments)
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("keys spread over the three primaries are written and read back, one by one and pipelined; slots agree")
    func spreadKeys() async throws {
        let cluster = try await RedisCluster()
        let client = RedisClusterClient(url: try RedisURL(cluster.url))
        let keys = (0..<30).map { Self.key("k\($0)", inSlot: $0 * 546) }  // slots 0 to 15834
        for key in keys {
            #expect(try await client.execute(RESPCommand("SET", key, "v-\(key)"), key: key) == .simpleString("OK"))
        }
        for key in keys {
            #expect(try await client.execute(RESPCommand("GET", key), key: key) == .bulk("v-\(key)"))
        }
        for port in cluster.primaryPorts {
            let size = try await Self.cli(cluster, port, ["DBSIZE"])
            #expect((Int(size) ?? 0) >= 5, "primary \(port) holds \(size) of the keys")
        }
        var reads: [(key: String?, command: RESPCommand)] = []
        for key in keys.reversed() { reads.append((key: key, command: RESPCommand("GET", key))) }
        reads.append((key: nil, command: RESPCommand("PING")))
        let answers = try await client.pipeline(reads)
        #expect(answers.count == 31)
        #expect(Array(answers.prefix(30)) == keys.reversed().map { RESPValue.bulk("v-\($0)") }, "in request order")
        #expect(answers.last == .simpleString("PONG"))
        let primaries = try await client.primaries()
        #expect(Set(primaries.map(\.port)) == Set(cluster.primaryPorts))
        for primary in primaries { #expect(primary.id == cluster.nodeIDs[primary.port]) }

        // Routing by HashSlot only works if it agrees with the server's CLUSTER KEYSLOT.
        var samples = ["a", "{}x", "x{a}{b}", "{a", "}{a}", "{}{a}", "{{a}}", "é{ü}", "api:{u:42}#m"]
        for index in 0..<200 { samples.append("user:\(index * 7919){\(index % 13)}#m") }
        var slotQueries: [(key: String?, command: RESPCommand)] = []
        for sample in samples { slotQueries.append((key: nil, command: RESPCommand("CLUSTER", "KEYSLOT", sample))) }
        let slots = try await client.pipeline(slotQueries)
        for (sample, slot) in zip(samples, slots) {
            #expect(slot == .integer(Int64(HashSlot.slot(of: sample))), "\(sample)")
        }
        await client.close()
        await cluster.stop()
    }

    @Test("evaluateAll over keys on three nodes answers in call order; nodes new to the script load it")
    func evaluateAllAcrossNodes() async throws {
        let cluster = try await RedisCluster()
        let client = RedisClusterClient(url: try RedisURL(cluster.url))
        let script = RedisScript(
            "if ARGV[1] == 'boom' then return redis.error_reply('boom') end "
                + "return ARGV[1] .. ':' .. redis.call('INCR', KEYS[1])")
        let sha = try await Self.cli(
            cluster, cluster.primaryPorts[0], ["EVAL", "return redis.sha1hex(ARGV[1])", "0", script.source])
        var calls: [(keys: [String], arguments: [ByteBuffer])] = []
        for index in 0..<60 {
            let argument = index == 7 ? "boom" : String(index)
            let key = Self.key("n\(index)", inSlot: index * 273)
            calls.append((keys: [key], arguments: [ByteBuffer(string: argument)]))
        }
        // The script is learnt on the first key's node; the two others answer NOSCRIPT at first.
        let answers = try await client.evaluateAll(script, calls: calls)
        #expect(answers.count == 60)
        for (index, answer) in answers.enumerated() where index != 7 {
            #expect(answer == .bulk("\(index):1"), "call \(index)")
        }
        #expect(answers[7].errorMessage?.contains("boom") == true, "a Lua error is a value in its place")
        for port in cluster.primaryPorts {
            let exists = try await Self.cli(cluster, port, ["SCRIPT", "EXISTS", sha])
            #expect(exists == "1", "primary \(port) has the script loaded")
        }
        // A node that lost its scripts: one evaluate falls back to EVAL there.
        let lastPort = cluster.primaryPorts[2]
        #expect(try await Self.cli(cluster, lastPort, ["SCRIPT", "FLUSH"]) == "OK")
        let onLast = Self.key("n-last", inSlot: 16_000)
        let answer = try await client.evaluate(script, keys: [onLast], arguments: [ByteBuffer(string: "again")])
        #expect(answer == .bulk("again:1"))
        let luaError = await #expect(throws: RedisError.self) {
            try await client.evaluate(script, keys: [onLast], arguments: [ByteBuffer(string: "boom")])
        }
        #expect(luaError?.description.contains("boom") == true, "a Lua error is thrown")
        await client.close()
        await cluster.stop()
    }

    @Test("a slot moved by hand: ASK while half-moved (map unchanged, scripts too), MOVED once done")
    func migratedSlot() async throws {
        let cluster = try await RedisCluster()
        let client = RedisClusterClient(url: try RedisURL(cluster.url))
        let source = cluster.primaryPorts[0]  // serves slot 0
        let target = cluster.primaryPorts[1]
        let sourceID = try #require(cluster.nodeIDs[source])
        let targetID = try #require(cluster.nodeIDs[target])
        let moved = Self.key("moved", inSlot: 0)
        let stays = Self.key("stays", inSlot: 0)
        let elsewhere = Self.key("elsewhere", inSlot: 16_000)
        for key in [moved, stays, elsewhere] {
            try await client.execute(RESPCommand("SET", key, "v-\(key)"), key: key)
        }
        let get = RedisScript("return redis.call('GET', KEYS[1])")
        #expect(try await client.evaluate(get, keys: [stays], arguments: []) == .bulk("v-\(stays)"))

        // Half-done: `moved` is on the target, `stays` still on the source.
        let setImporting = ["CLUSTER", "SETSLOT", "0", "IMPORTING", sourceID]
        #expect(try await Self.cli(cluster, target, setImporting) == "OK")
        let setMigrating = ["CLUSTER", "SETSLOT", "0", "MIGRATING", targetID]
        #expect(try await Self.cli(cluster, source, setMigrating) == "OK")
        let migrateOne = ["MIGRATE", "127.0.0.1", String(target), "", "0", "5000", "KEYS", moved]
        #expect(try await Self.cli(cluster, source, migrateOne) == "OK")
        #expect(try await Self.cli(cluster, source, ["GET", moved]).hasPrefix("ASK 0 "))

        #expect(try await client.execute(RESPCommand("GET", moved), key: moved) == .bulk("v-\(moved)"), "via ASK")
        #expect(try await client.execute(RESPCommand("GET", stays), key: stays) == .bulk("v-\(stays)"))
        let created = Self.key("created", inSlot: 0)
        #expect(try await client.execute(RESPCommand("SET", created, "new"), key: created) == .simpleString("OK"))
        let onTarget = try await Self.cli(cluster, target, ["CLUSTER", "COUNTKEYSINSLOT", "0"])
        #expect(onTarget == "2", "a new key of a migrating slot goes to the target")
        // The target never saw the script: ASKING + EVALSHA answers NOSCRIPT, then ASKING + EVAL.
        #expect(try await Self.cli(cluster, target, ["SCRIPT", "FLUSH"]) == "OK")
        #expect(try await client.evaluate(get, keys: [moved], arguments: []) == .bulk("v-\(moved)"))
        #expect(try await Self.cli(cluster, target, ["SCRIPT", "FLUSH"]) == "OK")
        let pair: [(keys: [String], arguments: [ByteBuffer])] = [
            (keys: [moved], arguments: []), (keys: [stays], arguments: []),
        ]
        let both = try await client.evaluateAll(get, calls: pair)
        #expect(both == [.bulk("v-\(moved)"), .bulk("v-\(stays)")])
        let duringMigration = try await client.connection(forKey: moved)
        let ownerDuring = try await duringMigration.execute(RESPCommand("CLUSTER", "MYID"))
        #expect(ownerDuring.string == sourceID, "ASK leaves the map alone")

        // Done: every key on the target, every primary told.
        let migrateRest = ["MIGRATE", "127.0.0.1", String(target), "", "0", "5000", "KEYS", stays]
        #expect(try await Self.cli(cluster, source, migrateRest) == "OK")
        for port in [target, source] + cluster.primaryPorts.filter({ $0 != source && $0 != target }) {
            #expect(try await Self.cli(cluster, port, ["CLUSTER", "SETSLOT", "0", "NODE", targetID]) == "OK")
        }
        #expect(try await Self.cli(cluster, source, ["GET", stays]).hasPrefix("MOVED 0 "))
        let reads: [(key: String?, command: RESPCommand)] = [
            (key: moved, command: RESPCommand("GET", moved)),
            (key: elsewhere, command: RESPCommand("GET", elsewhere)),
            (key: stays, command: RESPCommand("GET", stays)),
            (key: created, command: RESPCommand("GET", created)),
        ]
        let answers = try await client.pipeline(reads)
        #expect(answers == [.bulk("v-\(moved)"), .bulk("v-\(elsewhere)"), .bulk("v-\(stays)"), .bulk("new")])
        #expect(try await client.execute(RESPCommand("GET", stays), key: stays) == .bulk("v-\(stays)"))
        let afterMigration = try await client.connection(forKey: moved)
        let ownerAfter = try await afterMigration.execute(RESPCommand("CLUSTER", "MYID"))
        #expect(ownerAfter.string == targetID, "MOVED corrected the map")
        await client.close()
        await cluster.stop()
    }

    @Test("TRYAGAIN is retried until a migration ends; CLUSTERDOWN past the retry budget is thrown")
    func backoff() async throws {
        let cluster = try await RedisCluster()
        let client = RedisClusterClient(url: try RedisURL(cluster.url), retryBudget: .seconds(5))
        let source = cluster.primaryPorts[0]  // serves slot 0
        let target = cluster.primaryPorts[1]
        let sourceID = try #require(cluster.nodeIDs[source])
        let targetID = try #require(cluster.nodeIDs[target])
        let first = Self.key("first", inSlot: 0)
        let second = Self.key("second", inSlot: 0)
        try await client.execute(RESPCommand("MSET", first, "1", second, "2"), key: first)
        #expect(try await Self.cli(cluster, target, ["CLUSTER", "SETSLOT", "0", "IMPORTING", sourceID]) == "OK")
        #expect(try await Self.cli(cluster, source, ["CLUSTER", "SETSLOT", "0", "MIGRATING", targetID]) == "OK")
        let migrateFirst = ["MIGRATE", "127.0.0.1", String(target), "", "0", "5000", "KEYS", first]
        #expect(try await Self.cli(cluster, source, migrateFirst) == "OK")
        let split = try await Self.cli(cluster, source, ["MGET", first, second])
        #expect(split.hasPrefix("TRYAGAIN"), "keys on both sides of a migration: \(split)")

        let started = ContinuousClock.now
        async let both = client.execute(RESPCommand("MGET", first, second), key: first)
        try await Task.sleep(for: .milliseconds(300))
        let migrateSecond = ["MIGRATE", "127.0.0.1", String(target), "", "0", "5000", "KEYS", second]
        #expect(try await Self.cli(cluster, source, migrateSecond) == "OK")
        for port in [target, source, cluster.primaryPorts[2]] {
            #expect(try await Self.cli(cluster, port, ["CLUSTER", "SETSLOT", "0", "NODE", targetID]) == "OK")
        }
        #expect(try await both == .array([.bulk("1"), .bulk("2")]), "answered once the migration ended")
        #expect(ContinuousClock.now - started >= .milliseconds(300))

        // A slot its primary no longer serves: CLUSTERDOWN until the budget is spent.
        let impatient = RedisClusterClient(url: try RedisURL(cluster.url), retryBudget: .milliseconds(300))
        let last = cluster.primaryPorts[2]
        let unserved = Self.key("unserved", inSlot: 16_000)
        try await impatient.execute(RESPCommand("SET", unserved, "x"), key: unserved)
        #expect(try await Self.cli(cluster, last, ["CLUSTER", "DELSLOTS", "16000"]) == "OK")
        let refusedAt = ContinuousClock.now
        let refused = await #expect(throws: RedisError.self) {
            try await impatient.execute(RESPCommand("GET", unserved), key: unserved)
        }
        let waited = ContinuousClock.now - refusedAt
        #expect(refused == .server("CLUSTERDOWN Hash slot not served"))
        #expect(waited >= .milliseconds(100), "it backed off before giving up (\(waited))")
        #expect(waited < .seconds(2), "within the budget (\(waited))")
        #expect(try await Self.cli(cluster, last, ["CLUSTER", "ADDSLOTS", "16000"]) == "OK")
        #expect(try await impatient.execute(RESPCommand("GET", unserved), key: unserved) == .bulk("x"))
        await impatient.close()
        await client.close()
        await cluster.stop()
    }

    @Test("a killed primary's replica takes over and the client finds it")
    func failover() async throws {
        let cluster = try await RedisCluster()
        let client = RedisClusterClient(url: try RedisURL(cluster.url))
        let key = Self.key("survivor", inSlot: 6_000)
        let victim = cluster.primaryPorts[1]  // serves 5461-10922
        try await client.execute(RESPCommand("SET", key, "kept"), key: key)
        let connection = try await client.connection(forKey: key)
        #expect(try await connection.execute(RESPCommand("WAIT", "1", "1000")) == .integer(1))
        await cluster.kill(port: victim)
        var answer: RESPValue?
        let deadline = ContinuousClock.now + .seconds(30)
        while answer == nil, ContinuousClock.now < deadline {
            // Each try waits up to the retry budget (the 2 s command timeout) before it fails.
            answer = try? await client.execute(RESPCommand("GET", key), key: key)
            if answer == nil { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(answer == .bulk("kept"), "served by the promoted replica within 30 s")
        var ports: [Int] = []
        for _ in 0..<50 {
            ports = try await client.primaries().map(\.port)
            if !ports.contains(victim) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!ports.contains(victim), "the dead primary left the map")
        #expect(ports.count == 3)
        await client.close()
        await cluster.stop()
    }

    @Test(
        "a URL naming a database is refused by a cluster node; isCluster and RedisClient tell cluster from standalone")
    func databaseAndDetection() async throws {
        let cluster = try await RedisCluster()
        let port = cluster.primaryPorts[0]
        let expected =
            "Redis at 127.0.0.1:\(port) is a cluster node: Redis Cluster has only database 0; drop \"/2\" from the URL"
        let client = RedisClusterClient(url: try RedisURL("redis://127.0.0.1:\(port)/2"))
        let refused = await #expect(throws: RedisError.self) {
            try await client.execute(RESPCommand("GET", "k"), key: "k")
        }
        #expect(refused == .databaseInCluster(host: "127.0.0.1", port: port, database: 2))
        #expect(refused?.description == expected)
        let direct = await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(to: RedisURL("redis://127.0.0.1:\(port)/2"))
        }
        #expect(direct?.description == expected, "a plain connection says the same")

        let node = try await RedisConnection.connect(to: RedisURL(cluster.url))
        #expect(try await RedisClusterClient.isCluster(node))
        await node.close()
        let server = try await RedisServer()
        let standalone = try await RedisConnection.connect(to: RedisURL(server.url))
        #expect(try await RedisClusterClient.isCluster(standalone) == false)
        await standalone.close()

        // One URL, either kind: RedisClient decides from the node, unless told.
        let automatic = RedisClient(url: try RedisURL(cluster.url))
        for user in 0..<30 {
            try await automatic.execute(RESPCommand("SET", "{u:\(user)}#m", "v\(user)"), key: "{u:\(user)}#m")
        }
        #expect(automatic.isCluster == true)
        #expect(try await automatic.primaries().count == 3, "every primary took keys")
        let plain = RedisClient(url: try RedisURL("redis://127.0.0.1:\(server.port)/3"))
        try await plain.execute(RESPCommand("SET", "k", "v"), key: "k")
        #expect(plain.isCluster == false)
        let database3 = try await RedisConnection.connect(to: RedisURL("redis://127.0.0.1:\(server.port)/3"))
        #expect(try await database3.execute(RESPCommand("GET", "k")).string == "v", "standalone keeps its database")
        await database3.close()
        let wrongDatabase = RedisClient(url: try RedisURL("redis://127.0.0.1:\(port)/2"))
        let refusedAgain = await #expect(throws: RedisError.self) {
            try await wrongDatabase.execute(RESPCommand("GET", "k"), key: "k")
        }
        #expect(refusedAgain?.description == expected)
        let forced = RedisClient(url: try RedisURL(cluster.url), mode: .standalone)
        let pong = try await forced.execute(RESPCommand("PING"), key: nil)
        #expect(pong.string == "PONG")
        #expect(forced.isCluster == false, "mode standalone is not second-guessed")
        await automatic.close()
        await plain.close()
        await forced.close()
        await server.kill()
        await client.close()
        await cluster.stop()
    }
}
