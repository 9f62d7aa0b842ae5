import NIOConcurrencyHelpers
import NIOCore

/// One Redis deployment reached from one URL: a standalone server (or a primary with replicas)
/// through a ``RedisConnectionPool``, or a Redis Cluster through a ``RedisClusterClient``,
/// decided at first use from the node's `INFO cluster` unless ``Mode`` says which.
///
/// Until the first use succeeds nothing is decided: a Redis that is down at start-up is asked
/// again by the next command.
///
/// ```swift
/// let redis = RedisClient(url: try RedisURL("redis://10.0.0.7:6379"))
/// try await redis.execute(RESPCommand("GET", "{u:42}#m"), key: "{u:42}#m")
/// ```
public final class RedisClient: RedisExecutor {
    /// How the client talks to the URL's server.
    public enum Mode: String, Sendable, CaseIterable, CustomStringConvertible {
        /// A cluster if the node says `cluster_enabled:1`, else standalone.
        case automatic
        /// One server: every command goes to it (no slot routing, `SELECT` allowed).
        case standalone
        /// A Redis Cluster: commands go to the primary of their key's slot (database 0 only).
        case cluster

        public var description: String { rawValue }
    }

    private enum Chosen: Sendable {
        case standalone(RedisConnectionPool)
        case cluster(RedisClusterClient)

        var executor: any RedisExecutor {
            switch self {
            case .standalone(let pool): pool
            case .cluster(let cluster): cluster
            }
        }
    }

    public let url: RedisURL
    public let mode: Mode
    public let maximumConnections: Int
    public let options: RedisConnection.Options
    private let onConnect: RedisClusterClient.NodeConnectHandler?
    private let chosen = NIOLockedValueBox<Chosen?>(nil)
    private let deciding = NIOLockedValueBox<Task<Result<Chosen, RedisError>, Never>?>(nil)

    /// Creates a client; it connects when first used.
    ///
    /// - Parameters:
    ///   - url: the server, or any node of a cluster, with credentials, database and TLS.
    ///   - mode: standalone, cluster, or decided by the node (the default).
    ///   - maximumConnections: the most connections to each server (each primary of a cluster).
    ///   - options: timeouts, client name and TLS files of every connection.
    ///   - onConnect: runs on each new connection before it is used, told which node.
    public init(
        url: RedisURL, mode: Mode = .automatic, maximumConnections: Int = 4, options: RedisConnection.Options = .init(),
        onConnect: RedisClusterClient.NodeConnectHandler? = nil
    ) {
        self.url = url
        self.mode = mode
        self.maximumConnections = max(1, maximumConnections)
        self.options = options
        self.onConnect = onConnect
    }

    /// Whether the client talks to a cluster; `nil` until it has decided.
    public var isCluster: Bool? {
        switch chosen.withLockedValue({ $0 }) {
        case .cluster: true
        case .standalone: false
        case nil: nil
        }
    }

    /// Whether the client talks to a cluster, deciding now (one probe of the node) if it has not yet.
    public func clusterMode() async throws(RedisError) -> Bool {
        if let known = isCluster { return known }
        _ = try await executor()
        return isCluster ?? false
    }

    private func make(cluster: Bool) -> Chosen {
        if cluster {
            return .cluster(
                RedisClusterClient(
                    url: url, maximumConnections: maximumConnections, options: options, onConnect: onConnect))
        }
        let node = RedisNode(id: "\(url.host):\(url.port)", host: url.host, port: url.port, usesTLS: url.usesTLS)
        return .standalone(
            RedisConnectionPool(
                url: url, maximumConnections: maximumConnections, options: options,
                onConnect: onConnect.map { Self.adapt($0, node: node) }))
    }

    /// A pool's connect handler that calls a node connect handler for `node`.
    private static func adapt(
        _ handler: @escaping RedisClusterClient.NodeConnectHandler, node: RedisNode
    ) -> RedisConnectionPool.ConnectHandler {
        return { connection throws(RedisError) in try await handler(node, connection) }
    }

    /// Asks the node whether it is part of a cluster, on a connection of its own (database 0, so a
    /// cluster node is not asked to `SELECT`).
    private func detect() async -> Result<Chosen, RedisError> {
        do {
            return .success(try await probe())
        } catch {
            return .failure(error)
        }
    }

    private func probe() async throws(RedisError) -> Chosen {
        var probe = url
        probe.database = 0
        let connection = try await RedisConnection.connect(to: probe, options: options)
        let cluster: Bool
        do {
            cluster = try await RedisClusterClient.isCluster(connection)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        if cluster, url.database != 0 {
            throw .databaseInCluster(host: url.host, port: url.port, database: url.database)
        }
        return make(cluster: cluster)
    }

    /// The pool or cluster client, decided now if it was not yet.
    private func executor() async throws(RedisError) -> any RedisExecutor {
        if let known = chosen.withLockedValue({ $0 }) { return known.executor }
        switch mode {
        case .standalone, .cluster:
            let made = chosen.withLockedValue { chosen in
                if let chosen { return chosen }
                let made = make(cluster: mode == .cluster)
                chosen = made
                return made
            }
            return made.executor
        case .automatic:
            let task = deciding.withLockedValue { deciding in
                if let deciding { return deciding }
                let task = Task { await self.detect() }
                deciding = task
                return task
            }
            let outcome = await task.value
            switch outcome {
            case .success(let made):
                let kept = chosen.withLockedValue { chosen in
                    if let chosen { return chosen }
                    chosen = made
                    return made
                }
                return kept.executor
            case .failure(let error):
                // Not decided: the next command asks again.
                deciding.withLockedValue { deciding in if deciding == task { deciding = nil } }
                throw error
            }
        }
    }

    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [ByteBuffer]) async throws(RedisError)
        -> RESPValue
    {
        try await executor().evaluate(script, keys: keys, arguments: arguments)
    }

    public func evaluateAll(_ script: RedisScript, calls: [(keys: [String], arguments: [ByteBuffer])])
        async throws(RedisError) -> [RESPValue]
    {
        try await executor().evaluateAll(script, calls: calls)
    }

    /// Runs `script` once per call, declaring no keys, on the primary serving the call's `slot`
    /// (see ``RedisClusterClient/evaluateAll(_:routed:)``); on a standalone server, all on it.
    public func evaluateAll(_ script: RedisScript, routed calls: [(slot: Int, arguments: [ByteBuffer])])
        async throws(RedisError) -> [RESPValue]
    {
        switch try await chosenAfterDeciding() {
        case .cluster(let cluster): return try await cluster.evaluateAll(script, routed: calls)
        default:
            return try await executor().evaluateAll(script, calls: calls.map { (keys: [], arguments: $0.arguments) })
        }
    }

    @discardableResult
    public func execute(_ command: RESPCommand, key: String?) async throws(RedisError) -> RESPValue {
        try await executor().execute(command, key: key)
    }

    public func pipeline(_ commands: [(key: String?, command: RESPCommand)]) async throws(RedisError) -> [RESPValue] {
        try await executor().pipeline(commands)
    }

    public func connection(forKey key: String?) async throws(RedisError) -> RedisConnection {
        try await executor().connection(forKey: key)
    }

    public func primaries() async throws(RedisError) -> [RedisNode] {
        try await executor().primaries()
    }

    /// The cluster's slot map; `nil` for a standalone server.
    public func slotMap() async throws(RedisError) -> ClusterSlotMap? {
        guard case .cluster(let cluster) = try await chosenAfterDeciding() else { return nil }
        return try await cluster.slotMap()
    }

    /// The URL of the server that holds `key`: the client's own for a standalone server, the
    /// primary of the key's slot (database 0, same credentials and TLS) on a cluster. For a
    /// connection of one's own, such as one a `WAIT` may block.
    public func url(forKey key: String) async throws(RedisError) -> RedisURL {
        guard let map = try await slotMap(), let node = map.node(forSlot: HashSlot.slot(of: key)) else { return url }
        var nodeURL = url
        nodeURL.host = node.host
        nodeURL.port = node.port
        nodeURL.database = 0
        return nodeURL
    }

    /// Learns from an error answer to a command sent on a connection from
    /// ``connection(forKey:)``: on a cluster, a `MOVED` corrects the slot map. Returns whether the
    /// answer was a redirection (the command may be sent again on a new connection for its key).
    public func learn(fromError message: String) -> Bool {
        guard case .cluster(let cluster) = chosen.withLockedValue({ $0 }) else { return false }
        return cluster.learn(fromError: message)
    }

    private func chosenAfterDeciding() async throws(RedisError) -> Chosen? {
        _ = try await executor()
        return chosen.withLockedValue { $0 }
    }

    public func close() async {
        await chosen.withLockedValue({ $0 })?.executor.close()
    }
}
