import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// One connection to Redis, pipelined: many commands may be in flight; answers are matched in order.
///
/// ```swift
/// let connection = try await RedisConnection.connect(to: RedisURL("redis://127.0.0.1:6379/0"))
/// let pong = try await connection.send(RESPCommand("PING"))
/// ```
public final class RedisConnection: Sendable {
    let channel: any Channel
    /// How long a command may wait for its answer.
    public let commandTimeout: TimeAmount

    init(channel: any Channel, commandTimeout: TimeAmount) {
        self.channel = channel
        self.commandTimeout = commandTimeout
    }

    /// Connects, then authenticates and selects the database the URL names.
    public static func connect(
        to url: RedisURL, connectTimeout: TimeAmount = .seconds(2), commandTimeout: TimeAmount = .seconds(2),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(RedisError) -> RedisConnection {
        try await connect(
            to: url, options: Options(connectTimeout: connectTimeout, commandTimeout: commandTimeout), group: group)
    }

    /// Connects (with TLS for `rediss://`), then authenticates (`AUTH [user] password`), selects
    /// the database the URL names and names the connection (`CLIENT SETNAME`), so an operator
    /// sees whose it is in `CLIENT LIST` and can kill it.
    ///
    /// - Throws: ``RedisError/cannotConnect(host:port:reason:)``, ``RedisError/tlsFailed(host:port:reason:)``,
    ///   or the server's refusal of a login or database.
    public static func connect(
        to url: RedisURL, options: Options, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(RedisError) -> RedisConnection {
        let tls: RedisTLS.ClientContext?
        do {
            tls = url.usesTLS ? try options.tls.clientContext(for: url) : nil
        } catch {
            throw .tlsFailed(host: url.host, port: url.port, reason: error.description)
        }
        let channel: any Channel
        // How the TLS handshake ended, learnt before any command is sent.
        let handshake = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(options.connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            let waiter = TLSHandshakeWaiter(eventLoop: channel.eventLoop)
                            try channel.pipeline.syncOperations.addHandler(try tls.makeHandler())
                            try channel.pipeline.syncOperations.addHandler(waiter)
                            handshake.withLockedValue { $0 = waiter.outcome.futureResult }
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPMessageDecoder()))
                        try channel.pipeline.syncOperations.addHandler(RESPCommandHandler(onPush: options.onPush))
                    }
                }
                .connect(host: url.host, port: url.port).get()
        } catch {
            throw .cannotConnect(host: url.host, port: url.port, reason: Self.reason(error))
        }
        let connection = RedisConnection(channel: channel, commandTimeout: options.commandTimeout)
        if url.usesTLS {
            // The handshake ends before the first answer: wait for it, then for an answer (any, even
            // NOAUTH), both within the connect timeout, and report a failure as the TLS failure it is.
            do {
                if let outcome = handshake.withLockedValue({ $0 }) {
                    let timedOut = NIOLockedValueBox(false)
                    let timeout = channel.eventLoop.scheduleTask(in: options.connectTimeout) {
                        timedOut.withLockedValue { $0 = true }
                        channel.close(promise: nil)
                    }
                    defer { timeout.cancel() }
                    do {
                        try await outcome.get()
                    } catch {
                        guard !timedOut.withLockedValue({ $0 }) else {
                            throw RedisError.tlsFailed(
                                host: url.host, port: url.port, reason: "no TLS handshake within the connect timeout")
                        }
                        throw error
                    }
                }
                _ = try await connection.send(RESPCommand("PING"), timeout: options.connectTimeout)
            } catch let error as RedisError {
                await connection.close()
                if case .tlsFailed = error { throw error }
                throw .tlsFailed(host: url.host, port: url.port, reason: RedisTLS.explain(error.description))
            } catch {
                await connection.close()
                throw .tlsFailed(host: url.host, port: url.port, reason: RedisTLS.explain("\(error)"))
            }
        }
        do {
            if let password = url.password {
                let login = url.user.map { RESPCommand("AUTH", $0, password) } ?? RESPCommand("AUTH", password)
                try await connection.expectOK(login, describedAs: "AUTH")
            }
            if url.database != 0 { try await connection.select(url) }
            if let name = options.clientName {
                try await connection.expectOK(RESPCommand("CLIENT", "SETNAME", name), describedAs: "CLIENT SETNAME")
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// The system's words for a failed connect ("Connection refused"), not NIO's whole story.
    static func reason(_ error: any Error) -> String {
        let underlying = (error as? NIOConnectionError)?.connectionErrors.first?.error ?? error
        if let io = underlying as? IOError { return String(cString: strerror(io.errnoCode)) }
        if case ChannelError.connectTimeout = underlying { return "no answer within the connect timeout" }
        return "\(underlying)"
    }

    /// Whether the connection can still carry commands.
    public var isActive: Bool { channel.isActive }

    /// Calls `body` once the connection has closed, for whatever reason (at once if it has).
    public func whenClosed(_ body: @escaping @Sendable () -> Void) {
        channel.closeFuture.whenComplete { _ in body() }
    }

    /// Sends a command and waits for its answer; a server error (`-ERR`) comes back as a value.
    ///
    /// Cancelling the calling task stops the wait at once with ``RedisError/cancelled``; the
    /// answer, when it comes, is read and dropped, so later commands stay in step.
    public func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        try await pipeline([command], describedAs: command.name)[0]
    }

    /// Sends a command that may take longer than the command timeout (such as `WAIT`), with its own deadline.
    public func send(_ command: RESPCommand, timeout: TimeAmount) async throws(RedisError) -> RESPValue {
        try await pipeline([command], describedAs: command.name, deadline: timeout)[0]
    }

    /// Sends many commands with one flush and waits for all their answers, in order; a server
    /// error (`-ERR`) comes back as a value in its place.
    ///
    /// The whole batch has one deadline: the command timeout, plus as much again per 10,000 commands.
    public func pipeline(_ commands: [RESPCommand]) async throws(RedisError) -> [RESPValue] {
        try await pipeline(commands, describedAs: "a pipeline of \(commands.count) commands")
    }

    private func pipeline(_ commands: [RESPCommand], describedAs what: String, deadline: TimeAmount? = nil)
        async throws(RedisError) -> [RESPValue]
    {
        guard !commands.isEmpty else { return [] }
        let channel = channel
        let answers = channel.eventLoop.makePromise(of: [RESPValue].self)
        let deadline = deadline ?? commandTimeout * Int64(1 + commands.count / 10_000)
        // One hop to the event loop for the whole batch: the deadline, one write and the flush.
        channel.eventLoop.execute {
            let timeout = channel.eventLoop.scheduleTask(in: deadline) {
                answers.fail(RedisError.timedOut(command: what))
            }
            answers.futureResult.whenComplete { _ in timeout.cancel() }
            // A write that fails (the channel is already closed) fails the answers at once.
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure { error in
                answers.fail(error as? RedisError ?? RedisError.connectionClosed("\(error)"))
            }
            channel.writeAndFlush(RESPCommandHandler.Batch(commands: commands, answers: answers), promise: written)
        }
        do {
            return try await withTaskCancellationHandler {
                try await answers.futureResult.get()
            } onCancel: {
                answers.fail(RedisError.cancelled)
            }
        } catch let error as RedisError {
            if case .timedOut = error { channel.close(promise: nil) }  // answers would now be out of step
            throw error
        } catch {
            throw .connectionClosed("\(error)")
        }
    }

    /// Sends a command and turns a server error into a thrown ``RedisError/server(_:)``.
    @discardableResult
    public func execute(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        let value = try await send(command)
        if let message = value.errorMessage { throw .server(message) }
        return value
    }

    public func close() async {
        try? await channel.close()
    }

    /// Selects the URL's database; a cluster node, which has only database 0, is refused with
    /// ``RedisError/databaseInCluster(host:port:database:)``.
    private func select(_ url: RedisURL) async throws(RedisError) {
        let answer = try await send(RESPCommand("SELECT", String(url.database)))
        if let message = answer.errorMessage {
            // "ERR SELECT is not allowed in cluster mode"
            if message.contains("cluster mode") {
                throw .databaseInCluster(host: url.host, port: url.port, database: url.database)
            }
            throw .server("SELECT: \(message)")
        }
        guard answer == .simpleString("OK") else { throw .protocolError("SELECT answered \(answer)") }
    }

    /// Sends a command that must answer `OK`; `describedAs` names it in errors without its
    /// arguments (a password must never appear in a message).
    private func expectOK(_ command: RESPCommand, describedAs name: String? = nil) async throws(RedisError) {
        let what = name ?? command.name
        let value = try await send(command)
        if let message = value.errorMessage { throw .server("\(what): \(message)") }
        guard value == .simpleString("OK") else { throw .protocolError("\(what) answered \(value)") }
    }
}
