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
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPMessageDecoder()))
                        try channel.pipeline.syncOperations.addHandler(RESPCommandHandler())
                    }
                }
                .connect(host: url.host, port: url.port).get()
        } catch {
            throw .cannotConnect(host: url.host, port: url.port, reason: Self.reason(error))
        }
        let connection = RedisConnection(channel: channel, commandTimeout: commandTimeout)
        do {
            if let password = url.password { try await connection.expectOK(RESPCommand("AUTH", password)) }
            if url.database != 0 { try await connection.expectOK(RESPCommand("SELECT", String(url.database))) }
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

    /// Sends a command and waits for its answer; a server error (`-ERR`) comes back as a value.
    ///
    /// Cancelling the calling task stops the wait at once with ``RedisError/cancelled``; the
    /// answer, when it comes, is read and dropped, so later commands stay in step.
    public func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        try await pipeline([command], describedAs: command.name)[0]
    }

    /// Sends many commands with one flush and waits for all their answers, in order; a server
    /// error (`-ERR`) comes back as a value in its place.
    ///
    /// The whole batch has one deadline: the command timeout, plus as much again per 10,000 commands.
    public func pipeline(_ commands: [RESPCommand]) async throws(RedisError) -> [RESPValue] {
        try await pipeline(commands, describedAs: "a pipeline of \(commands.count) commands")
    }

    private func pipeline(_ commands: [RESPCommand], describedAs what: String) async throws(RedisError)
        -> [RESPValue]
    {
        guard !commands.isEmpty else { return [] }
        let channel = channel
        let answers = commands.map { _ in channel.eventLoop.makePromise(of: RESPValue.self) }
        let all = EventLoopFuture.whenAllSucceed(answers.map(\.futureResult), on: channel.eventLoop)
        let deadline = commandTimeout * Int64(1 + commands.count / 10_000)
        // One hop to the event loop for the whole batch: the deadline, the writes and the flush
        // (each of these from another thread would wake the loop once more).
        channel.eventLoop.execute {
            let timeout = channel.eventLoop.scheduleTask(in: deadline) {
                for answer in answers { answer.fail(RedisError.timedOut(command: what)) }
            }
            all.whenComplete { _ in timeout.cancel() }
            for (command, answer) in zip(commands, answers) {
                // A write that fails (the channel is already closed) fails the answer at once.
                let written = channel.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenFailure { error in
                    answer.fail(error as? RedisError ?? RedisError.connectionClosed("\(error)"))
                }
                channel.write((command, answer), promise: written)
            }
            channel.flush()
        }
        do {
            return try await withTaskCancellationHandler {
                try await all.get()
            } onCancel: {
                for answer in answers { answer.fail(RedisError.cancelled) }
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

    private func expectOK(_ command: RESPCommand) async throws(RedisError) {
        let value = try await execute(command)
        guard value == .simpleString("OK") else { throw .protocolError("\(command.name) answered \(value)") }
    }
}
