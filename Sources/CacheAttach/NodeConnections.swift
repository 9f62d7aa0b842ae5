import NIOConcurrencyHelpers
import RESP

/// One connection to each server, opened when first needed and again after it closes: the scan
/// and the figures use these, so each primary of a cluster is paced on its own.
actor NodeConnections {
    let url: RedisURL
    let options: RedisConnection.Options
    /// Each server's connection, or the connect under way (callers that arrive meanwhile share it).
    private var open: [String: Task<RedisConnection, any Error>] = [:]
    private var closed = false

    init(url: RedisURL, options: RedisConnection.Options) {
        self.url = url
        self.options = options
    }

    /// The connection to the server at `nodeURL`, opened if there is none that works.
    func connection(to nodeURL: RedisURL) async throws -> RedisConnection {
        let name = "\(nodeURL.host):\(nodeURL.port)"
        if let held = open[name], let connection = try? await held.value, connection.isActive {
            return connection
        }
        if closed { throw RedisError.connectionClosed("attach has stopped") }
        // Another caller may have started a connect while this one waited.
        if let pending = open[name], let connection = try? await pending.value, connection.isActive {
            return connection
        }
        let options = options
        let connect = Task { () throws -> RedisConnection in
            try await RedisConnection.connect(to: nodeURL, options: options)
        }
        open[name] = connect
        return try await connect.value
    }

    /// Closes every connection; later calls of ``connection(to:)`` fail.
    func closeAll() async {
        closed = true
        let all = open.values
        open = [:]
        for task in all { await (try? task.value)?.close() }
    }
}
