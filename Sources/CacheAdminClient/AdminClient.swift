import AsyncHTTPClient
import CacheAdminAPI
import Foundation
import NIOCore
import NIOHTTP1

/// A client of the admin API (`/_cache/*`) that `cachemon` and its monitor use.
///
/// ```swift
/// let client = try AdminClient(url: "http://127.0.0.1:8080", token: token)
/// let snapshot = try await client.stats(StatsQuery(sort: .hits, limit: 20))
/// let result = try await client.purge(user: "42")
/// ```
public struct AdminClient: Sendable {
    /// The server, without a trailing slash.
    public let baseURL: String
    let token: String?
    let timeout: TimeAmount
    let httpClient: HTTPClient

    /// The HTTP client every ``AdminClient`` uses unless given another: a refused or reset connection
    /// fails the request at once instead of being retried until the request's deadline.
    ///
    /// AsyncHTTPClient's default pool retries a refused connect with backoff until the deadline, so
    /// a monitor whose server had died went on saying `● live` for the whole request timeout (5 s).
    /// A server that accepts and never answers still takes the request timeout, as it must. Global
    /// and never shut down, as `HTTPClient.shared` is.
    public static let failingFast: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - timeout: how long a request may wait for its whole answer (a server that hangs fails after it).
    ///   - httpClient: the transport; the default, ``failingFast``, reports a dead server at once.
    /// - Throws: ``AdminClientError/invalidURL(_:)`` unless `url` is an http(s) URL with a host.
    public init(
        url: String, token: String?, timeout: Duration = .seconds(5), httpClient: HTTPClient = AdminClient.failingFast
    ) throws(AdminClientError) {
        var trimmed = url
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let parsed = URL(string: trimmed), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
        else { throw .invalidURL(url) }
        self.baseURL = trimmed
        self.token = token
        self.timeout = .nanoseconds(
            Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        self.httpClient = httpClient
    }

    /// Totals and one page of prefixes.
    public func stats(_ query: StatsQuery = StatsQuery()) async throws(AdminClientError) -> StatsSnapshot {
        var parameters = [
            ("sort", query.sort.rawValue), ("order", query.order.rawValue), ("limit", "\(query.limit)"),
            ("offset", "\(query.offset)"),
        ]
        if let filter = query.filter, !filter.isEmpty { parameters.append(("filter", filter)) }
        if let focus = query.focus { parameters.append(("focus", focus)) }
        return try await get("/_cache/stats", parameters)
    }

    /// One page of route templates (see ``RoutesSnapshot``).
    public func routes(_ query: RoutesQuery = RoutesQuery()) async throws(AdminClientError) -> RoutesSnapshot {
        var parameters = [
            ("sort", query.sort.rawValue), ("order", query.order.rawValue), ("limit", "\(query.limit)"),
            ("offset", "\(query.offset)"),
        ]
        if let filter = query.filter, !filter.isEmpty { parameters.append(("filter", filter)) }
        return try await get("/_cache/routes", parameters)
    }

    /// The entries of a prefix, such as `api:{u:42}`.
    public func keys(prefix: String, limit: Int = 100, offset: Int = 0) async throws(AdminClientError) -> [KeyInfo] {
        try await get(
            "/_cache/prefixes/\(Self.pathSegment(prefix))/keys", [("limit", "\(limit)"), ("offset", "\(offset)")])
    }

    /// Events after a sequence number.
    public func events(after: UInt64, limit: Int = 500) async throws(AdminClientError) -> EventPage {
        try await get("/_cache/events", [("after", "\(after)"), ("limit", "\(limit)")])
    }

    /// Every instance sharing the cache's store, alive or recently dead, ordered by id.
    ///
    /// ```swift
    /// let list = try await client.instances()
    /// print("\(list.aliveCount) of \(list.instances.count) instances alive")
    /// ```
    public func instances() async throws(AdminClientError) -> InstanceList {
        try await get("/_cache/instances", [])
    }

    /// The latest events of a prefix, newest first: stored, first hits, purges with their reason.
    public func timeline(prefix: String, limit: Int = 100) async throws(AdminClientError) -> PrefixTimeline {
        try await get("/_cache/prefixes/\(Self.pathSegment(prefix))/events", [("limit", "\(limit)")])
    }

    /// Computes each entry of a prefix again on the server, without the cache, and says which are
    /// still true; waits up to `timeout` for the server's verification, plus this client's timeout.
    public func verify(
        prefix: String, limit: Int = 100, concurrency: Int = 4, timeout: Duration = .seconds(10)
    ) async throws(AdminClientError) -> VerifyReport {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let query = [("limit", "\(limit)"), ("concurrency", "\(concurrency)"), ("timeout", "\(seconds)")]
            .map { "\($0.0)=\(Self.queryValue($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: baseURL + "/_cache/prefixes/\(Self.pathSegment(prefix))/verify?" + query)
        request.method = .POST
        return try await send(request, timeout: self.timeout + .nanoseconds(Int64(seconds * 1e9)))
    }

    /// Purges a user's prefix, saying why and who asked (see ``PurgeReason``).
    public func purge(user: String, reason: String? = nil, origin: String? = nil) async throws(AdminClientError)
        -> PurgeResult
    {
        try await post("/_cache/purge", body: Self.purgeBody(["user": user], reason: reason, origin: origin))
    }

    /// Purges a prefix given as text, saying why and who asked.
    public func purge(prefix: String, reason: String? = nil, origin: String? = nil) async throws(AdminClientError)
        -> PurgeResult
    {
        try await post("/_cache/purge", body: Self.purgeBody(["prefix": prefix], reason: reason, origin: origin))
    }

    private static func purgeBody(_ target: [String: String], reason: String?, origin: String?) -> [String: String] {
        var body = target
        if let reason { body["reason"] = reason }
        if let origin { body["origin"] = origin }
        return body
    }

    /// Who runs this process, for a purge's origin: `$USER`, or `$LOGNAME`, or `unknown`.
    public static var loginName: String {
        let environment = ProcessInfo.processInfo.environment
        return [environment["USER"], environment["LOGNAME"]].compactMap { $0 }.first { !$0.isEmpty } ?? "unknown"
    }

    // MARK: Transport

    private func get<T: Decodable>(_ path: String, _ parameters: [(String, String)]) async throws(AdminClientError)
        -> T
    {
        let query = parameters.map { "\($0.0)=\(Self.queryValue($0.1))" }.joined(separator: "&")
        return try await send(HTTPClientRequest(url: baseURL + path + (query.isEmpty ? "" : "?" + query)))
    }

    private func post<T: Decodable>(_ path: String, body: [String: String]) async throws(AdminClientError) -> T {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        request.body = .bytes(ByteBuffer(bytes: data))
        return try await send(request)
    }

    private func send<T: Decodable>(
        _ request: HTTPClientRequest, timeout: TimeAmount? = nil
    ) async throws(AdminClientError) -> T {
        var request = request
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: timeout ?? self.timeout)
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        } catch {
            throw .cannotConnect(url: baseURL, reason: Self.describe(error))
        }
        let bytes = Data(body.readableBytesView)
        guard (200..<300).contains(status) else {
            let apiError = try? JSONDecoder().decode(APIError.self, from: bytes)
            if status == 401 { throw .unauthorized(apiError?.error.message ?? "no token or a wrong one") }
            throw .rejected(status: status, error: apiError)
        }
        do {
            return try WireFormat.decoder().decode(T.self, from: bytes)
        } catch {
            throw .malformedResponse("\(error)")
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return "timed out" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }

    /// Percent-encodes a path segment: a prefix holds `:`, `{`, `}` and `%`.
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
    }
}
