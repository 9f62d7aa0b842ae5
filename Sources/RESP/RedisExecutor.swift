import NIOCore

/// What a store needs from Redis, routed by key: a ``RedisConnectionPool`` (one server, keys
/// ignored) or a ``RedisClusterClient`` (each command to the primary owning its key's slot,
/// following `MOVED` and `ASK`).
///
/// Commands that name keys must keep them in one slot (hash tags, see ``HashSlot``): the first
/// key routes the command.
///
/// ```swift
/// let redis: any RedisExecutor = isCluster ? RedisClusterClient(url: url) : RedisConnectionPool(url: url)
/// try await redis.execute(RESPCommand("SET", "{u:42}#m", "1"), key: "{u:42}#m")
/// let hits = try await redis.evaluate(countHit, keys: ["{u:42}#m"], arguments: [])
/// ```
public protocol RedisExecutor: Sendable {
    /// Runs `script` (`EVALSHA`, `EVAL` on a server that does not know it) on the primary of
    /// `keys[0]`, or any server with no keys. A Lua error is thrown as ``RedisError/server(_:)``.
    @discardableResult
    func evaluate(_ script: RedisScript, keys: [String], arguments: [ByteBuffer]) async throws(RedisError)
        -> RESPValue

    /// Runs `script` once per call, pipelined (per node in a cluster, the nodes concurrently);
    /// the answers in call order, a Lua error as a value in its place.
    func evaluateAll(_ script: RedisScript, calls: [(keys: [String], arguments: [ByteBuffer])])
        async throws(RedisError) -> [RESPValue]

    /// Runs a command on the primary of `key` (any server when `nil`); a server error is thrown
    /// as ``RedisError/server(_:)``.
    @discardableResult
    func execute(_ command: RESPCommand, key: String?) async throws(RedisError) -> RESPValue

    /// Runs commands pipelined, each on the primary of its key (per node in a cluster, the nodes
    /// concurrently); the answers in the order of `commands`, a server error as a value in its place.
    func pipeline(_ commands: [(key: String?, command: RESPCommand)]) async throws(RedisError) -> [RESPValue]

    /// A connection to the primary of `key` (any server when `nil`), for commands that must run
    /// together on one server, such as a purge followed by `WAIT`. Nothing follows a redirection
    /// on it: the caller reads `MOVED` or `ASK` answers as errors.
    func connection(forKey key: String?) async throws(RedisError) -> RedisConnection

    /// The primaries: one entry for a standalone server.
    func primaries() async throws(RedisError) -> [RedisNode]

    /// Closes every connection.
    func close() async
}
