import NIOCore

/// Pipelines commands on one channel: answers arrive in the order commands were written, so
/// each answer completes the oldest pending promise. When the channel closes or fails, every
/// pending command fails with that reason; none is left waiting.
final class RESPCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = (RESPCommand, EventLoopPromise<RESPValue>)
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var closedReason: RedisError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let (command, answer) = unwrapOutboundIn(data)
        if let closedReason {
            answer.fail(closedReason)
            promise?.fail(closedReason)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        command.write(to: &buffer)
        pending.append(answer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if case .push = value { return }  // out-of-band messages answer no command
        guard let answer = pending.popFirst() else { return }
        answer.succeed(value)
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
        while let answer = pending.popFirst() { answer.fail(reason) }
    }
}
