/// `redis://[:password@]host:port/db`, parsed.
public struct RedisURL: Equatable, Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int

    /// Parses a Redis URL; the port defaults to 6379 and the database to 0.
    public init(_ text: String) throws(RedisError) {
        guard text.hasPrefix("redis://") else { throw .invalidURL(text, reason: "it must start with redis://") }
        var rest = Substring(text.dropFirst("redis://".count))
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            password = String(
                credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).last ?? "")
            rest = rest[rest.index(after: at)...]
        }
        let (authority, path) =
            rest.firstIndex(of: "/").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, "")
        var host = String(authority)
        var port = 6379
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(parsed) else {
                throw .invalidURL(text, reason: "the port must be 1 to 65535")
            }
            port = parsed
            host = String(authority[..<colon])
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .invalidURL(text, reason: "no host") }
        var database = 0
        if !path.isEmpty {
            guard let parsed = Int(path), parsed >= 0 else {
                throw .invalidURL(text, reason: "the database must be a number")
            }
            database = parsed
        }
        self.host = host
        self.port = port
        self.password = password.flatMap { $0.isEmpty ? nil : $0 }
        self.database = database
    }
}
