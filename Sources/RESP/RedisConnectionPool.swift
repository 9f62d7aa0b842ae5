import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Up to `maximumConnections` pipelined connections to one server, opened when needed and
/// replaced when they die, so a server that goes away and comes back is used again by itself.
///
/// Never more than the maximum are open or being opened: a burst of callers with no connection to
/// use (at start-up, or when the server comes back under load) waits for the connections being
/// opened and shares their outcome, instead of each opening one of its own.
public final class RedisConnectionPool: Sendable {
    public let url: RedisURL
    public let maximumConnections: Int
    let connectTimeout: TimeAmount
    let commandTimeout: TimeAmount
    private let state = NIOLockedValueBox(PoolState())

    private struct PoolState {
        var connections: [RedisConnection] = []
        var next = 0
        /// Connections being opened now; they count against the maximum.
        var opening = 0
        /// Callers waiting for an opening to finish: resumed with its outcome.
        var waiters: [CheckedContinuation<Result<Void, RedisError>, Never>] = []
    }

    private enum Choice {
        case use(RedisConnection)
        case open
        case wait
    }

    public init(
        url: RedisURL, maximumConnections: Int = 4, connectTimeout: TimeAmount = .seconds(1),
        commandTimeout: TimeAmount = .seconds(1)
    ) {
        self.url = url
        self.maximumConnections = max(1, maximumConnections)
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// A live connection: a new one while fewer than the maximum are open or opening, else the
    /// next open one in turn; when every allowed connection is still being opened, it waits for them.
    ///
    /// - Throws: the failure of the connection attempt it opened or waited for.
    public func connection() async throws(RedisError) -> RedisConnection {
        while true {
            let choice = state.withLockedValue { state -> Choice in
                state.connections.removeAll { !$0.isActive }
                if state.connections.count + state.opening < maximumConnections {
                    state.opening += 1
                    return .open
                }
                guard !state.connections.isEmpty else { return .wait }
                state.next = (state.next + 1) % state.connections.count
                return .use(state.connections[state.next])
            }
            switch choice {
            case .use(let connection):
                return connection
            case .open:
                return try await open()
            case .wait:
                let outcome = await withCheckedContinuation { continuation in
                    let waiting = state.withLockedValue { state -> Bool in
                        guard state.opening > 0 else { return false }
                        state.waiters.append(continuation)
                        return true
                    }
                    // The openings finished meanwhile: choose again.
                    if !waiting { continuation.resume(returning: .success(())) }
                }
                if case .failure(let error) = outcome { throw error }
            }
        }
    }

    private func open() async throws(RedisError) -> RedisConnection {
        let result: Result<RedisConnection, RedisError>
        do {
            result = .success(
                try await RedisConnection.connect(
                    to: url, connectTimeout: connectTimeout, commandTimeout: commandTimeout))
        } catch {
            result = .failure(error)
        }
        let waiters = state.withLockedValue { state in
            state.opening -= 1
            if case .success(let connection) = result { state.connections.append(connection) }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: result.map { _ in () }) }
        return try result.get()
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
