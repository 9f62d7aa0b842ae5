import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Up to `maximumConnections` pipelined connections to one server, opened when needed and
/// replaced when they die, so a server that goes away and comes back is used again by itself.
public final class RedisConnectionPool: Sendable {
    public let url: RedisURL
    public let maximumConnections: Int
    let connectTimeout: TimeAmount
    let commandTimeout: TimeAmount
    private let state = NIOLockedValueBox<(connections: [RedisConnection], next: Int)>(([], 0))

    public init(
        url: RedisURL, maximumConnections: Int = 4, connectTimeout: TimeAmount = .seconds(1),
        commandTimeout: TimeAmount = .seconds(1)
    ) {
        self.url = url
        self.maximumConnections = max(1, maximumConnections)
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// A live connection: the next one in turn, or a new one while fewer than the maximum are open.
    public func connection() async throws(RedisError) -> RedisConnection {
        let chosen = state.withLockedValue { state -> RedisConnection? in
            state.connections.removeAll { !$0.isActive }
            guard state.connections.count >= maximumConnections, !state.connections.isEmpty else { return nil }
            state.next = (state.next + 1) % state.connections.count
            return state.connections[state.next]
        }
        if let chosen { return chosen }
        let fresh = try await RedisConnection.connect(
            to: url, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
        let surplus = state.withLockedValue { state -> RedisConnection? in
            guard state.connections.count < maximumConnections else { return fresh }
            state.connections.append(fresh)
            return nil
        }
        if let surplus { await surplus.close() }
        return surplus == nil ? fresh : try await connection()
    }

    /// Runs a command on a pooled connection.
    @discardableResult
    public func execute(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        try await connection().execute(command)
    }

    /// How many connections are open now.
    public var openConnections: Int { state.withLockedValue { $0.connections.filter(\.isActive).count } }

    /// Closes every connection.
    public func close() async {
        let connections = state.withLockedValue { state in
            defer { state.connections = [] }
            return state.connections
        }
        for connection in connections { await connection.close() }
    }
}
