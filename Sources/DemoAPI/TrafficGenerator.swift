import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Sends dashboard traffic to the demo API: Zipf-skewed users and pages, an occasional write.
///
/// Loopback only: it refuses any other host. It stops when its duration is over, when cancelled, or
/// on graceful shutdown.
public struct TrafficGenerator: Service {
    /// What traffic to send.
    public struct Configuration: Sendable {
        /// Requests per second.
        public var rate: Double
        /// How many users the traffic spreads over (user ids 1…users).
        public var users: Int
        /// The share of requests that are writes (which purge the user's entries).
        public var writeShare: Double
        /// The share of requests that rename the user (`PATCH …/profile`), which forgets to purge.
        public var renameShare: Double
        /// How long to send for; `nil` until stopped.
        public var duration: Duration?
        /// Requests allowed in flight at once; beyond it, ticks are skipped rather than queued.
        public var maxInFlight: Int

        /// Creates a configuration; by default 200 requests/s over 1,000 users, 1% writes, 0.2% renames.
        public init(
            rate: Double = 200, users: Int = 1_000, writeShare: Double = 0.01, renameShare: Double = 0.002,
            duration: Duration? = nil, maxInFlight: Int = 64
        ) {
            self.renameShare = min(max(renameShare, 0), 1)
            self.rate = rate
            self.users = max(1, users)
            self.writeShare = min(max(writeShare, 0), 1)
            self.duration = duration
            self.maxInFlight = max(1, maxInFlight)
        }
    }

    /// Why a generator cannot start.
    public enum ConfigurationError: Error, CustomStringConvertible {
        case notLoopback(String)
        case invalidRate(Double)

        public var description: String {
            switch self {
            case .notLoopback(let host): "traffic is only sent to a loopback address, not \(host)"
            case .invalidRate(let rate): "the traffic rate must be above 0 requests/s, got \(rate)"
            }
        }
    }

    let configuration: Configuration
    let baseURL: @Sendable () async throws -> String
    let httpClient: HTTPClient
    let logger: Logger

    /// Creates a generator.
    ///
    /// - Parameter baseURL: where the API listens, for example `http://127.0.0.1:8080`; asked when
    ///   the generator starts, so a server on port 0 can announce its port first.
    public init(
        configuration: Configuration, httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "cachemon.traffic"), baseURL: @escaping @Sendable () async throws -> String
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.baseURL = baseURL
    }

    public func run() async throws {
        guard configuration.rate > 0, configuration.rate.isFinite else {
            throw ConfigurationError.invalidRate(configuration.rate)
        }
        // The server may never listen (its port is taken): wait for its address only until shutdown.
        let base: String
        do {
            base = try await cancelWhenGracefulShutdown { try await baseURL() }
        } catch is CancellationError {
            return
        }
        guard let host = URL(string: base)?.host, ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host) else {
            throw ConfigurationError.notLoopback(base)
        }
        let users = ZipfDistribution(count: configuration.users)
        let pages = ZipfDistribution(count: 5)
        let interval = Duration.seconds(1 / configuration.rate)
        let deadline = configuration.duration.map { ContinuousClock.now + $0 }
        let inFlight = NIOLockedValueBox(0)
        await cancelWhenGracefulShutdown {
            var generator = SystemRandomNumberGenerator()
            await withDiscardingTaskGroup { group in
                var next = ContinuousClock.now
                while !Task.isCancelled, deadline.map({ ContinuousClock.now < $0 }) ?? true {
                    next = next + interval
                    try? await Task.sleep(until: next, clock: .continuous)
                    // A slow server makes ticks skip rather than pile up requests.
                    let started = inFlight.withLockedValue { count -> Bool in
                        guard count < configuration.maxInFlight else { return false }
                        count += 1
                        return true
                    }
                    guard started else { continue }
                    let request = makeRequest(
                        base: base, user: users.sample(using: &generator), page: pages.sample(using: &generator),
                        generator: &generator)
                    group.addTask {
                        await send(request)
                        inFlight.withLockedValue { $0 -= 1 }
                    }
                }
                group.cancelAll()
            }
        }
    }

    private func makeRequest(
        base: String, user: Int, page: Int, generator: inout SystemRandomNumberGenerator
    ) -> HTTPClientRequest {
        let path = "\(base)/api/users/\(user)"
        let draw = Double.random(in: 0..<1, using: &generator)
        if draw < configuration.renameShare {
            var request = HTTPClientRequest(url: path + "/profile")
            request.method = .PATCH
            return request
        }
        if draw < configuration.renameShare + configuration.writeShare {
            var request = HTTPClientRequest(url: path + "/orders")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"amount": 42.5}"#))
            return request
        }
        switch Int.random(in: 0..<10, using: &generator) {
        case 0..<5: return HTTPClientRequest(url: path + "/dashboard/summary")
        case 5..<8: return HTTPClientRequest(url: path + "/orders?page=\(page)")
        default: return HTTPClientRequest(url: path + "/alerts")
        }
    }

    private func send(_ request: HTTPClientRequest) async {
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 1024 * 1024)
        } catch {
            logger.debug("traffic request failed", metadata: ["url": "\(request.url)", "error": "\(error)"])
        }
    }
}
