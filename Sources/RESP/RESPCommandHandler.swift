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

    /// A batch whose answers are arriving.
    private struct Waiting {
        var expected: Int
        var received: [RESPValue]
        var promise: EventLoopPromise<[RESPValue]>
    }

    private var pending = CircularBuffer<Waiting>()
    private var closedReason: RedisError?

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
        var received: [RESPValue] = []
        received.reserveCapacity(batch.commands.count)
        pending.append(Waiting(expected: batch.commands.count, received: received, promise: batch.answers))
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if case .push = value { return }  // out-of-band messages answer no command
        guard !pending.isEmpty else { return }
        pending[pending.startIndex].received.append(value)
        if pending[pending.startIndex].received.count == pending[pending.startIndex].expected {
            let done = pending.removeFirst()
            done.promise.succeed(done.received)
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
        while let waiting = pending.popFirst() { waiting.promise.fail(reason) }
    }
}
