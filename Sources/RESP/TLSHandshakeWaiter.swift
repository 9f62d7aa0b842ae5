import NIOCore
import NIOSSL
import NIOTLS

/// Sits after the TLS handler and says how its handshake ended: succeeded, failed with the TLS
/// error itself, or the connection closed first. So a connect reports why TLS failed rather than
/// whichever of the error and the close reached the command handler first.
final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    /// Completed once, on the channel's event loop.
    let outcome: EventLoopPromise<Void>
    private var done = false

    init(eventLoop: any EventLoop) {
        outcome = eventLoop.makePromise()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { finish(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.ioOnClosedChannel))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.ioOnClosedChannel))
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        outcome.completeWith(result)
    }
}
