import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Up to `maximumConnections` pipelined connections to one server, opened when needed and
/// replaced when they die, so a server that goes away and comes back is used again by itself.
///
/// Connections are opened one at a time: a burst of callers (at start-up, or when the server comes
/// back under load) uses the connections already open, or waits for the one being opened and
/// shares its outcome, instead of each opening one of its own.
public final class RedisConnectionPool: Sendable {
    /// Runs on every new connection before anyone uses it; a failure closes the connection and
    /// is the failure of the callers that waited for it.
    public typealias ConnectHandler = @Sendable (RedisConnection) async throws(RedisError) -> Void

    public let url: RedisURL
    public let maximumConnections: Int
    /// How its connections are made.
    public let options: RedisConnection.Options
    let onConnect: ConnectHandler?
    private let state = NIOLockedValueBox(PoolState())

    private struct PoolState {
        var connections: [RedisConnection] = []
        var next = 0
        /// Connections being opened now (at most one); they count against the maximum.
        var opening = 0
        /// Callers waiting for an opening to finish: resumed with its outcome.
        var waiters: [CheckedContinuation<Result<Void, RedisError>, Never>] = []
    }

    private enum Choice {
        case use(RedisConnection)
        case open
        case wait
    }

    /// Creates a pool; it connects when first used.
    ///
    /// - Parameters:
    ///   - url: where to connect, with credentials and database.
    ///   - maximumConnections: how many connections it opens at most.
    ///   - options: timeouts, client name and TLS files of every connection.
    ///   - onConnect: runs on each new connection before it is used (after `AUTH`, `SELECT` and
    ///     `CLIENT SETNAME`).
    public init(
        url: RedisURL, maximumConnections: Int = 4, options: RedisConnection.Options = .init(),
        onConnect: ConnectHandler? = nil
    ) {
        self.url = url
        self.maximumConnections = max(1, maximumConnections)
        self.options = options
        self.onConnect = onConnect
    }

    /// Creates a pool with default options but these timeouts.
    public convenience init(
        url: RedisURL, maximumConnections: Int = 4, connectTimeout: TimeAmount, commandTimeout: TimeAmount
    ) {
        self.init(
            url: url, maximumConnections: maximumConnections,
            options: .init(connectTimeout: connectTimeout, commandTimeout: commandTimeout))
    }

    /// A live connection: a new one while fewer than the maximum are open and none is being
    /// opened, else the next open one in turn; with none open yet, it waits for the one being opened.
    ///
    /// - Throws: the failure of the connection attempt it opened or waited for.
    public func connection() async throws(RedisError) -> RedisConnection {
        while true {
            let choice = state.withLockedValue { state -> Choice in
                state.connections.removeAll { !$0.isActive }
                if state.opening == 0, state.connections.count < maximumConnections {
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
                // In a task of its own: the caller that happens to open a connection for everyone
                // may be cancelled (its client went away) without failing the others.
                return try await Task { await self.open() }.value.get()
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

    private func open() async -> Result<RedisConnection, RedisError> {
        let result: Result<RedisConnection, RedisError>
        do throws(RedisError) {
            let connection = try await RedisConnection.connect(to: url, options: options)
            do {
                try await onConnect?(connection)
            } catch {
                await connection.close()
                throw error
            }
            result = .success(connection)
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
        return result
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
