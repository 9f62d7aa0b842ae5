/// Why a Redis command did not get an answer, in words a person can act on.
public enum RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    /// The connection could not be made (refused, unreachable, no answer in time).
    case cannotConnect(host: String, port: Int, reason: String)
    /// The TLS settings could not be used, or the TLS handshake failed (why, in `reason`).
    case tlsFailed(host: String, port: Int, reason: String)
    /// The connection was lost before the answer came.
    case connectionClosed(String)
    /// No answer within the command timeout.
    case timedOut(command: String)
    /// The server answered with an error (`-ERR …`).
    case server(String)
    /// The bytes from the server were not RESP.
    case protocolError(String)
    /// The task waiting for the answer was cancelled.
    case cancelled
    /// A Redis Cluster node was given a URL with a database other than 0, which a cluster does not have.
    case databaseInCluster(host: String, port: Int, database: Int)
    /// A cluster kept redirecting a command (`MOVED`, `ASK`) more times than the client follows;
    /// `last` is the last redirection.
    case tooManyRedirections(command: String, last: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): "invalid Redis URL \(url): \(reason)"
        case .cannotConnect(let host, let port, let reason): "cannot connect to Redis at \(host):\(port): \(reason)"
        case .tlsFailed(let host, let port, let reason): "TLS with Redis at \(host):\(port) failed: \(reason)"
        case .connectionClosed(let reason): "the Redis connection closed: \(reason)"
        case .timedOut(let command): "Redis did not answer \(command) in time"
        case .server(let message): "Redis answered: \(message)"
        case .protocolError(let reason): "Redis sent something that is not RESP: \(reason)"
        case .cancelled: "the task waiting for Redis was cancelled"
        case .databaseInCluster(let host, let port, let database):
            "Redis at \(host):\(port) is a cluster node: Redis Cluster has only database 0; drop \"/\(database)\" from the URL"
        case .tooManyRedirections(let command, let last):
            "Redis Cluster redirected \(command) too many times (last: \(last)); its slot map keeps changing"
        }
    }
}
