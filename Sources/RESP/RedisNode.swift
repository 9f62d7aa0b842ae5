/// One Redis server a client sends commands to: a cluster primary, or the one standalone server.
///
/// ```swift
/// for node in try await executor.primaries() {
///     print(node.id, node.host, node.port)      // "0339861c…", "10.0.0.7", 6379
/// }
/// ```
public struct RedisNode: Hashable, Sendable, CustomStringConvertible {
    /// The cluster node id (40 hex digits); `host:port` for a standalone server, and "" for a
    /// node known only from a redirection (`MOVED`, `ASK`) so far.
    public var id: String
    /// The name or address to connect to: the node's announced hostname, else its preferred
    /// endpoint, else its IP address.
    public var host: String
    /// The port to connect to: its TLS port when the client uses TLS and the node has one.
    public var port: Int
    /// Whether connections to it use TLS (as the seed URL says: `rediss://`).
    public var usesTLS: Bool

    public init(id: String, host: String, port: Int, usesTLS: Bool) {
        self.id = id
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// `host:port`, as Redis writes it in `MOVED` and `ASK`.
    public var description: String { "\(host):\(port)" }

    /// Where a node listens, as a redirection names it: what connections are pooled by.
    struct Address: Hashable, Sendable, CustomStringConvertible {
        var host: String
        var port: Int

        /// Reads `host:port` (the port after the last colon, so an IPv6 address works, with or
        /// without brackets); an empty host, which Redis sends when the node's address is not
        /// known to it, stands for `defaultHost`, the host that was asked.
        init?(_ text: Substring, defaultHost: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (1...65_535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.host = host.isEmpty ? defaultHost : host
            self.port = port
        }

        init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        var description: String { "\(host):\(port)" }
    }

    /// Where it listens.
    var address: Address { Address(host: host, port: port) }
}
