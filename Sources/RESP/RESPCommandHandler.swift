import NIOCore

/// Pipelines commands on one channel: answers arrive in the order commands were written, so each
/// answer belongs to the oldest batch still waiting for answers. A batch of commands is written as
/// one buffer and completes one promise with all its answers, in order. When the channel closes or
/// fails, every pending batch fails with that reason; none is left waiting.
final class RESPCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = Batch
    typealias OutboundOut = ByteBuffer

    /// Commands written together, and the promise of their answers.
    struct Batch {
        var commands: [RESPCommand]
        var answers: EventLoopPromise<[RESPValue]>
    }

    /// A batch waiting for its answers.
    private struct Waiting {
        var expected: Int
        var promise: EventLoopPromise<[RESPValue]>
    }

    private var pending = CircularBuffer<Waiting>()
    /// The answers of the oldest pending batch so far (kept out of the buffer, whose elements
    /// cannot be changed in place: appending there would copy them all on every answer).
    private var headAnswers: [RESPValue] = []
    private var closedReason: RedisError?
    /// Where push messages go (see ``RedisConnection/Options/onPush``).
    private let onPush: (@Sendable ([RESPValue]) -> Void)?

    init(onPush: (@Sendable ([RESPValue]) -> Void)? = nil) {
        self.onPush = onPush
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let batch = unwrapOutboundIn(data)
        if let closedReason {
            batch.answers.fail(closedReason)
            promise?.fail(closedReason)
            return
        }
        guard !batch.commands.isEmpty else {
            batch.answers.succeed([])
            promise?.succeed()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 * batch.commands.count)
        for command in batch.commands { command.write(to: &buffer) }
        pending.append(Waiting(expected: batch.commands.count, promise: batch.answers))
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if case .push(let parts) = value {
            // Out-of-band messages answer no command.
            onPush?(parts)
            return
        }
        guard let head = pending.first else {
            // Nothing asked: a message of a RESP2 subscription (an array) or a line of MONITOR.
            if case .array(let parts) = value { onPush?(parts) } else { onPush?([value]) }
            return
        }
        if headAnswers.isEmpty { headAnswers.reserveCapacity(head.expected) }
        headAnswers.append(value)
        if headAnswers.count == head.expected {
            pending.removeFirst()
            let answers = headAnswers
            headAnswers = []
            head.promise.succeed(answers)
        }
        if let message = value.errorMessage, Self.meansWrongServer(message) {
            // A demoted primary or a Redis still loading: this connection will keep failing, so
            // drop it; the pool opens a new one, which may reach the right server.
            failAll(.connectionClosed("Redis answered \(message.prefix(40)); reconnecting"))
            context.close(promise: nil)
        }
    }

    /// Errors that say this server cannot serve us now: `READONLY` (a replica, such as a primary
    /// demoted by a failover), `LOADING` (a restart still reading its data), `MASTERDOWN` (a
    /// replica that lost its primary).
    static func meansWrongServer(_ message: String) -> Bool {
        message.hasPrefix("READONLY") || message.hasPrefix("LOADING") || message.hasPrefix("MASTERDOWN")
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: RedisError =
            if let error = error as? RESPError { .protocolError(error.description) } else {
                .connectionClosed("\(error)")
            }
        failAll(reason)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed("the server went away"))
        context.fireChannelInactive()
    }

    private func failAll(_ reason: RedisError) {
        closedReason = closedReason ?? reason
        headAnswers = []
        while let waiting = pending.popFirst() { waiting.promise.fail(reason) }
    }
}
