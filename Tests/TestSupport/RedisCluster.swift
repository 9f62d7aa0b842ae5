import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private Redis Cluster: 3 primaries and 3 replicas, each a ``RedisServer`` on a free loopback
/// port ≤ 22000 (its cluster bus port, 10000 higher, free too) in a directory of its own, joined
/// with `redis-cli --cluster create … --cluster-replicas 1`. Ready when every node says
/// `cluster_state:ok` and every replica `master_link_status:up`. Every process is stopped by its
/// pid: by ``stop()``, or when the object goes away (a failed test included).
///
/// Nodes time out after 1 s (`--cluster-node-timeout 1000`), so a killed primary's replica takes
/// over within about 4 s, and `--cluster-require-full-coverage no` keeps the other primaries
/// serving meanwhile. Starting takes about 2.5 s.
public final class RedisCluster: Sendable {
    /// Every node, in the order started.
    public let servers: [RedisServer]
    /// The ports of the primaries, by the slots they serve (0–5460 first).
    public let primaryPorts: [Int]
    /// The ports of the replicas.
    public let replicaPorts: [Int]
    /// Each node's cluster id, by port.
    public let nodeIDs: [Int: String]

    /// Starts the nodes and forms the cluster; at most about a minute.
    ///
    /// - Parameter replicas: whether each primary gets a replica (3 more nodes).
    public init(replicas: Bool = true) async throws {
        var servers: [RedisServer] = []
        var taken: Set<Int> = []
        for _ in 0..<(replicas ? 6 : 3) {
            // A port free when checked may be taken by another test before the server binds it:
            // try another (a few times).
            var started: RedisServer?
            var lastError: (any Error)?
            for _ in 0..<5 where started == nil {
                let port = try Self.freeNodePort(avoiding: taken)
                taken.insert(port)
                do {
                    started = try await RedisServer(
                        port: port,
                        arguments: [
                            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                            "--cluster-node-timeout", "1000", "--cluster-require-full-coverage", "no",
                            // A replica's first sync starts at once, not after the default 5 s.
                            "--repl-diskless-sync-delay", "0",
                        ])
                } catch {
                    lastError = error
                }
            }
            guard let started else {
                throw lastError ?? RedisServer.Failure(description: "no cluster node could start")
            }
            servers.append(started)
        }
        self.servers = servers
        let ports = servers.map(\.port)
        let addresses = ports.map { "127.0.0.1:\($0)" }
        let create = try await SpawnedProcess.run(
            ["redis-cli", "--cluster", "create"] + addresses + [
                "--cluster-replicas", replicas ? "1" : "0", "--cluster-yes",
            ],
            timeLimit: .seconds(60))
        guard create.status == 0, create.output.contains("All 16384 slots covered") else {
            throw RedisServer.Failure(description: "redis-cli --cluster create failed:\n\(create.output)")
        }
        var ids: [Int: String] = [:]
        for port in ports {
            let id = try await Self.redisCLI(port: port, ["CLUSTER", "MYID"])
            ids[port] = id.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        nodeIDs = ids
        try await Self.waitFor("cluster_state:ok on every node") {
            for port in ports {
                guard try await Self.redisCLI(port: port, ["CLUSTER", "INFO"]).contains("cluster_state:ok") else {
                    return false
                }
            }
            return true
        }
        var primaries: [(port: Int, firstSlot: Int)] = []
        var replicaPorts: [Int] = []
        for port in ports {
            let role = try await Self.redisCLI(port: port, ["ROLE"])
            if role.hasPrefix("master") {
                let firstSlot = try await Self.firstSlot(ofPort: port)
                primaries.append((port: port, firstSlot: firstSlot))
            } else {
                replicaPorts.append(port)
            }
        }
        guard primaries.count == 3, replicaPorts.count == (replicas ? 3 : 0) else {
            throw RedisServer.Failure(
                description: "the cluster formed with \(primaries.count) primaries and \(replicaPorts.count) replicas")
        }
        primaryPorts = primaries.sorted { $0.firstSlot < $1.firstSlot }.map(\.port)
        self.replicaPorts = replicaPorts
        let replicasToWaitFor = replicaPorts
        try await Self.waitFor("master_link_status:up on every replica") {
            for port in replicasToWaitFor {
                guard try await Self.redisCLI(port: port, ["INFO", "replication"]).contains("master_link_status:up")
                else { return false }
            }
            return true
        }
    }

    /// `redis://127.0.0.1:PORT` of the first primary: a seed for a cluster client.
    public var url: String { "redis://127.0.0.1:\(primaryPorts[0])" }

    /// The process id of the node on `port`.
    public func pid(ofPort port: Int) -> pid_t? {
        servers.first(where: { $0.port == port })?.process.pid
    }

    /// Kills the node on `port` at once (SIGKILL), by its pid.
    public func kill(port: Int) async {
        await servers.first(where: { $0.port == port })?.kill()
    }

    /// Kills every node by its pid and removes their directories.
    public func stop() async {
        for server in servers {
            await server.kill()
            try? FileManager.default.removeItem(at: server.directory)
        }
    }

    /// Runs `redis-cli -p port arguments…` and returns what it printed (answers as raw text,
    /// one per line; an error answer as its message).
    public func redisCLI(port: Int, _ arguments: [String]) async throws -> String {
        try await Self.redisCLI(port: port, arguments)
    }

    static func redisCLI(port: Int, _ arguments: [String]) async throws -> String {
        let run = try await SpawnedProcess.run(["redis-cli", "-p", String(port)] + arguments, timeLimit: .seconds(10))
        guard run.status == 0 else {
            throw RedisServer.Failure(description: "redis-cli -p \(port) \(arguments) failed: \(run.output)")
        }
        return run.output
    }

    /// The lowest slot the node on `port` serves, from its own line of `CLUSTER NODES`
    /// (`<id> <ip:port@bus> myself,master - 0 <ms> <epoch> connected 0 5461-10922`).
    static func firstSlot(ofPort port: Int) async throws -> Int {
        let nodes = try await redisCLI(port: port, ["CLUSTER", "NODES"])
        guard let own = nodes.split(whereSeparator: \.isNewline).first(where: { $0.contains("myself") }) else {
            throw RedisServer.Failure(description: "CLUSTER NODES on \(port) has no line for itself: \(nodes)")
        }
        var lowest = Int.max
        for field in own.split(separator: " ").dropFirst(8) {
            if let first = field.split(separator: "-").first, let start = Int(first) { lowest = min(lowest, start) }
        }
        return lowest
    }

    /// Checks `condition` every 100 ms for at most 30 s.
    static func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<300 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RedisServer.Failure(description: "the cluster did not reach \(what) within 30 s")
    }

    /// A port ≤ 22000 that is free, with its cluster bus port (10000 higher) free too.
    static func freeNodePort(avoiding taken: Set<Int>) throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: 20_000...22_000)
            if !taken.contains(port), RedisServer.canBind(port: port), RedisServer.canBind(port: port + 10_000) {
                return port
            }
        }
        throw RedisServer.Failure(description: "no free port pair (port, port + 10000) between 20000 and 22000")
    }
}
