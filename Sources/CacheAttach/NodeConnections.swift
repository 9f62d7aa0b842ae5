import NIOConcurrencyHelpers
import RESP

/// One connection to each server, opened when first needed and again after it closes: the scan
/// and the figures use these, so each primary of a cluster is paced on its own.
actor NodeConnections {
    let url: RedisURL
    let options: RedisConnection.Options
    private var open: [String: RedisConnection] = [:]

    init(url: RedisURL, options: RedisConnection.Options) {
        self.url = url
        self.options = options
    }

    /// The connection to the server at `nodeURL`, opened if there is none that works.
    func connection(to nodeURL: RedisURL) async throws(RedisError) -> RedisConnection {
        let name = "\(nodeURL.host):\(nodeURL.port)"
        if let held = open[name], held.isActive { return held }
        let connection = try await RedisConnection.connect(to: nodeURL, options: options)
        open[name] = connection
        return connection
    }

    func closeAll() async {
        for connection in open.values { await connection.close() }
        open = [:]
    }
}
