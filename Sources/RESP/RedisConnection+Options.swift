import NIOCore

extension RedisConnection {
    /// How a connection is made: timeouts, the name it shows in `CLIENT LIST`, and the TLS files
    /// used when the URL is `rediss://`.
    public struct Options: Sendable {
        /// How long connecting (and the TLS handshake) may take.
        public var connectTimeout: TimeAmount
        /// How long a command may wait for its answer.
        public var commandTimeout: TimeAmount
        /// Sent with `CLIENT SETNAME` on connect (no spaces); `nil` leaves the connection unnamed.
        public var clientName: String?
        /// CA, client certificate and key for `rediss://`; ignored for `redis://`.
        public var tls: RedisTLS
        /// Receives every RESP3 push message (`>`: an `invalidate` of client-side caching, a
        /// message of a subscription) as it is read, on the connection's event loop and in the
        /// order the server sent them; `nil` drops them. Pushes answer no command.
        ///
        /// It also receives what the server sends while no command waits for an answer: on a
        /// RESP2 connection that subscribed, each message's array (`pmessage`, pattern, channel,
        /// message); after `MONITOR`, each line as one simple string. Send nothing else on such a
        /// connection: its answers could not be told from those messages.
        public var onPush: (@Sendable ([RESPValue]) -> Void)?

        /// Creates options; by default 2 s timeouts, no name, and the system's trusted CAs.
        public init(
            connectTimeout: TimeAmount = .seconds(2), commandTimeout: TimeAmount = .seconds(2),
            clientName: String? = nil, tls: RedisTLS = .init(), onPush: (@Sendable ([RESPValue]) -> Void)? = nil
        ) {
            self.onPush = onPush
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.clientName = clientName.map { String($0.map { $0 == " " ? "-" : $0 }) }
            self.tls = tls
        }
    }
}
