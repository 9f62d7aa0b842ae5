import NIOCore

/// One server holds every key: commands go to a pooled connection whatever their key.
extension RedisConnectionPool: RedisExecutor {
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [ByteBuffer]) async throws(RedisError)
        -> RESPValue
    {
        try await connection().evaluate(script, keys: keys, arguments: arguments)
    }

    public func evaluateAll(_ script: RedisScript, calls: [(keys: [String], arguments: [ByteBuffer])])
        async throws(RedisError) -> [RESPValue]
    {
        try await connection().evaluateAll(script, calls: calls)
    }

    @discardableResult
    public func execute(_ command: RESPCommand, key: String?) async throws(RedisError) -> RESPValue {
        try await connection().execute(command)
    }

    public func pipeline(_ commands: [(key: String?, command: RESPCommand)]) async throws(RedisError)
        -> [RESPValue]
    {
        var plain: [RESPCommand] = []
        plain.reserveCapacity(commands.count)
        for entry in commands { plain.append(entry.command) }
        return try await connection().pipeline(plain)
    }

    public func connection(forKey key: String?) async throws(RedisError) -> RedisConnection {
        try await connection()
    }

    /// The one server, named `host:port`.
    public func primaries() async throws(RedisError) -> [RedisNode] {
        [RedisNode(id: "\(url.host):\(url.port)", host: url.host, port: url.port, usesTLS: url.usesTLS)]
    }
}
