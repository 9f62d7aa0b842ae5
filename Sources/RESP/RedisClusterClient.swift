import NIOConcurrencyHelpers
import NIOCore

/// A Redis Cluster, reached from one node's URL: every command goes to the primary serving its
/// key's slot, over a ``RedisConnectionPool`` per primary.
///
/// The slot map comes from `CLUSTER SHARDS` (`CLUSTER SLOTS` before Redis 7) on first use, and
/// again every ``refreshInterval``, after a `MOVED` and after a node refused a connection: one
/// refresh at a time, at most one per 100 ms, asking the known primaries in turn and the seed
/// last. A command follows up to 5 redirections: `MOVED` (the map is corrected at once and the
/// command resent there), `ASK` (`ASKING` and the command on the importing node, the map left
/// alone). `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `LOADING` and a node refusing connections are
/// retried after 5, 10, 20, 40, 80 ms (plus jitter) within ``retryBudget``; then the last
/// answer or error is the caller's.
///
/// Credentials and TLS come from the seed URL and are used for every node; a cluster has only
/// database 0, so a URL naming another is refused with
/// ``RedisError/databaseInCluster(host:port:database:)`` on first use.
///
/// Invariants: a pool exists only for a node of the current map or one a redirection named since;
/// pools of nodes gone from a new map are closed. The map in `state` is replaced whole by a
/// refresh and only corrected slot by slot by `MOVED`.
///
/// ```swift
/// let cluster = RedisClusterClient(url: try RedisURL("redis://10.0.0.7:6379"), maximumConnections: 4)
/// try await cluster.execute(RESPCommand("SET", "{u:42}#m", "1"), key: "{u:42}#m")
/// ```
public final class RedisClusterClient: RedisExecutor {
    /// Runs on every new connection to a node before anyone uses it, told which node; a failure
    /// closes the connection and fails the callers waiting for it.
    public typealias NodeConnectHandler = @Sendable (RedisNode, RedisConnection) async throws(RedisError) -> Void

    /// The seed: the node asked for the map first, and where credentials and TLS come from.
    public let url: RedisURL
    /// How many connections each primary's pool opens at most.
    public let maximumConnections: Int
    /// How connections are made: timeouts, client name, TLS files.
    public let options: RedisConnection.Options
    /// How old the map may get before a command starts a refresh (in the background).
    public let refreshInterval: Duration
    /// How long a command may keep retrying a cluster that cannot serve it now.
    public let retryBudget: Duration
    let onConnect: NodeConnectHandler?
    let state = NIOLockedValueBox(ClusterState())

    /// How many redirections a command follows before ``RedisError/tooManyRedirections(command:last:)``.
    static let maximumRedirections = 5
    /// The shortest time between two map refreshes.
    static let refreshSpacing = Duration.milliseconds(100)

    typealias MapLoad = Task<Result<ClusterSlotMap, RedisError>, Never>

    struct ClusterState: Sendable {
        var map: ClusterSlotMap?
        var loadedAt: ContinuousClock.Instant?
        /// A redirection or a refused connection said the map is out of date.
        var refreshWanted = false
        var refreshing: MapLoad?
        var lastRefreshStart: ContinuousClock.Instant?
        var lastRefreshError: RedisError?
        var pools: [RedisNode.Address: RedisConnectionPool] = [:]
    }

    /// Creates a client; it connects when first used.
    ///
    /// - Parameters:
    ///   - url: a node of the cluster, with the credentials and TLS setting of every node.
    ///   - maximumConnections: the most connections to each primary.
    ///   - options: timeouts, client name and TLS files of every connection.
    ///   - refreshInterval: how often the slot map is read again; 10 s by default.
    ///   - retryBudget: how long a command may be retried while the cluster cannot serve it;
    ///     the command timeout by default.
    ///   - onConnect: runs on each new connection to a node, told which node.
    public init(
        url: RedisURL, maximumConnections: Int = 4, options: RedisConnection.Options = .init(),
        refreshInterval: Duration = .seconds(10), retryBudget: Duration? = nil, onConnect: NodeConnectHandler? = nil
    ) {
        self.url = url
        self.maximumConnections = max(1, maximumConnections)
        self.options = options
        self.refreshInterval = refreshInterval
        self.retryBudget = retryBudget ?? .nanoseconds(options.commandTimeout.nanoseconds)
        self.onConnect = onConnect
    }

    /// Whether the server behind `connection` runs in cluster mode (`cluster_enabled:1` in `INFO cluster`).
    public static func isCluster(_ connection: RedisConnection) async throws(RedisError) -> Bool {
        let info = try await connection.execute(RESPCommand("INFO", "cluster"))
        guard let text = info.string else { throw .protocolError("INFO cluster answered \(info), not text") }
        return text.split(whereSeparator: \.isNewline).contains { $0.hasPrefix("cluster_enabled:1") }
    }

    /// The slot map in use, read from the cluster on first use.
    public func slotMap() async throws(RedisError) -> ClusterSlotMap {
        var backoff = ClusterBackoff(budget: retryBudget)
        return try await routingMap(&backoff)
    }

    /// Closes every connection; the client opens new ones if used again.
    public func close() async {
        let pools = state.withLockedValue { state -> [RedisConnectionPool] in
            defer { state.pools = [:] }
            return Array(state.pools.values)
        }
        for pool in pools { await pool.close() }
    }

    // MARK: - The slot map

    /// The map, loaded on first use; past the refresh interval, or marked out of date, a refresh
    /// starts in the background and this map is used meanwhile.
    func currentMap() async throws(RedisError) -> ClusterSlotMap {
        let now = ContinuousClock.now
        let interval = refreshInterval
        let known = state.withLockedValue { state -> (map: ClusterSlotMap?, stale: Bool) in
            guard let map = state.map, let loadedAt = state.loadedAt else { return (nil, true) }
            return (map, state.refreshWanted || now - loadedAt >= interval)
        }
        if let map = known.map {
            if known.stale { startRefresh() }
            return map
        }
        guard let load = startRefresh() else {
            // A load failed less than 100 ms ago: its error stands until the next may start.
            let lastError = state.withLockedValue { $0.lastRefreshError }
            let notLoaded = RedisError.cannotConnect(host: url.host, port: url.port, reason: "no cluster map yet")
            throw lastError ?? notLoaded
        }
        return try await load.value.get()
    }

    /// The map, waiting (within the backoff's budget) while no node can be reached to load it.
    func routingMap(_ backoff: inout ClusterBackoff) async throws(RedisError) -> ClusterSlotMap {
        while true {
            do throws(RedisError) {
                return try await currentMap()
            } catch {
                guard Self.isUnreachable(error), try await backoff.wait() else { throw error }
            }
        }
    }

    /// Says the map is out of date (a redirection, a node refusing connections) and starts a refresh.
    func requestRefresh() {
        state.withLockedValue { $0.refreshWanted = true }
        startRefresh()
    }

    /// Starts a refresh unless one is running (then returns it) or one started less than 100 ms
    /// ago (then returns `nil`).
    @discardableResult
    private func startRefresh() -> MapLoad? {
        let now = ContinuousClock.now
        return state.withLockedValue { state -> MapLoad? in
            if let running = state.refreshing { return running }
            if let last = state.lastRefreshStart, now - last < Self.refreshSpacing { return nil }
            state.lastRefreshStart = now
            let load = MapLoad { await self.loadMap() }
            state.refreshing = load
            return load
        }
    }

    /// Asks the known primaries in turn, then the seed, for the map, and installs the first answer.
    private func loadMap() async -> Result<ClusterSlotMap, RedisError> {
        let known = state.withLockedValue { $0.map?.nodes ?? [] }
        var candidates: [RedisNode.Address] = []
        for node in known where !candidates.contains(node.address) { candidates.append(node.address) }
        let seed = RedisNode.Address(host: url.host, port: url.port)
        if !candidates.contains(seed) { candidates.append(seed) }
        var failure = RedisError.cannotConnect(host: url.host, port: url.port, reason: "no cluster node answered")
        for address in candidates {
            let map: ClusterSlotMap
            do throws(RedisError) {
                map = try await fetchMap(from: address)
            } catch {
                failure = error
                continue
            }
            guard url.database == 0 else {
                failure = .databaseInCluster(host: url.host, port: url.port, database: url.database)
                break
            }
            await install(map)
            return .success(map)
        }
        state.withLockedValue { state in
            state.refreshing = nil
            state.lastRefreshError = failure
        }
        return .failure(failure)
    }

    /// The map as the node at `address` sees it, over a connection of its own.
    private func fetchMap(from address: RedisNode.Address) async throws(RedisError) -> ClusterSlotMap {
        let connection = try await RedisConnection.connect(to: nodeURL(address), options: options)
        let result: Result<ClusterSlotMap, RedisError>
        do throws(RedisError) {
            let map = try await Self.readMap(connection, usesTLS: url.usesTLS, askedHost: address.host)
            result = .success(map)
        } catch {
            result = .failure(error)
        }
        await connection.close()
        return try result.get()
    }

    /// `CLUSTER SHARDS`, or `CLUSTER SLOTS` on a server that does not know it (before Redis 7).
    static func readMap(_ connection: RedisConnection, usesTLS: Bool, askedHost: String) async throws(RedisError)
        -> ClusterSlotMap
    {
        let shards = try await connection.send(RESPCommand("CLUSTER", "SHARDS"))
        guard let message = shards.errorMessage else {
            return try ClusterSlotMap(shards: shards, usesTLS: usesTLS, askedHost: askedHost)
        }
        // "ERR unknown subcommand 'SHARDS'. Try CLUSTER HELP." (older: "ERR Unknown subcommand or …")
        guard message.lowercased().contains("unknown subcommand") else { throw .server(message) }
        let slots = try await connection.execute(RESPCommand("CLUSTER", "SLOTS"))
        return try ClusterSlotMap(slots: slots, usesTLS: usesTLS, askedHost: askedHost)
    }

    /// Makes `map` the one in use and closes the pools of nodes it no longer has.
    private func install(_ map: ClusterSlotMap) async {
        let now = ContinuousClock.now
        let retired = state.withLockedValue { state -> [RedisConnectionPool] in
            state.map = map
            state.loadedAt = now
            state.refreshWanted = false
            state.refreshing = nil
            state.lastRefreshError = nil
            var retired: [RedisConnectionPool] = []
            for address in Array(state.pools.keys) where map.node(at: address) == nil {
                if let pool = state.pools.removeValue(forKey: address) { retired.append(pool) }
            }
            return retired
        }
        for pool in retired { await pool.close() }
    }

    /// Learns from an error answer to a command sent outside the client's routing (on a
    /// connection from ``connection(forKey:)``): a `MOVED` corrects the map and starts a refresh.
    /// Returns whether the answer was a redirection, so the caller may try again.
    public func learn(fromError message: String) -> Bool {
        switch ClusterReply(errorMessage: message, askedHost: url.host) {
        case .moved(let slot, let address):
            noteMoved(slot: slot, to: address)
            return true
        case .ask:
            return true
        default:
            return false
        }
    }

    /// Corrects the map after `MOVED`: `slot` is served at `address`.
    func noteMoved(slot: Int, to address: RedisNode.Address) {
        let usesTLS = url.usesTLS
        _ = state.withLockedValue { $0.map?.assign(slot: slot, to: address, usesTLS: usesTLS) }
        requestRefresh()
    }

    /// The address the map knows a node by, for an address a redirection gave (which may be
    /// another of its names): one pool per node.
    func canonical(_ address: RedisNode.Address) -> RedisNode.Address {
        state.withLockedValue { $0.map?.node(at: address)?.address } ?? address
    }

    /// Errors that say no node could be reached: worth a pause and another try.
    static func isUnreachable(_ error: RedisError) -> Bool {
        switch error {
        case .cannotConnect, .connectionClosed: true
        default: false
        }
    }

    // MARK: - Pools

    /// The pool of the node at `address`, made on first use.
    func pool(for address: RedisNode.Address) -> RedisConnectionPool {
        state.withLockedValue { state -> RedisConnectionPool in
            if let pool = state.pools[address] { return pool }
            let node =
                state.map?.node(at: address)
                ?? RedisNode(id: "", host: address.host, port: address.port, usesTLS: url.usesTLS)
            let pool = makePool(for: node, at: address)
            state.pools[address] = pool
            return pool
        }
    }

    private func makePool(for node: RedisNode, at address: RedisNode.Address) -> RedisConnectionPool {
        var handler: RedisConnectionPool.ConnectHandler?
        if let onConnect {
            handler = { (connection: RedisConnection) async throws(RedisError) -> Void in
                try await onConnect(node, connection)
            }
        }
        return RedisConnectionPool(
            url: nodeURL(address), maximumConnections: maximumConnections, options: options, onConnect: handler)
    }

    /// The seed URL (credentials, TLS) pointed at `address`, database 0.
    func nodeURL(_ address: RedisNode.Address) -> RedisURL {
        var nodeURL = url
        nodeURL.host = address.host
        nodeURL.port = address.port
        nodeURL.database = 0
        return nodeURL
    }
}
