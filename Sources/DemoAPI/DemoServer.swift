import AsyncHTTPClient
import CacheAside
import CacheAsideHummingbird
import CacheAsideRedis
import Hummingbird
import Logging
import Prometheus
import RESP
import ServiceLifecycle

/// The demo dashboard API, ready to run: memory or Redis store, cache, routes, admin API, optional traffic.
///
/// ```swift
/// let server = DemoServer(configuration: .init(port: 0, trafficRate: 200))
/// try await server.run { url, token in print("serving \(url) (token: \(token))") }
/// ```
public struct DemoServer: Sendable {
    /// How the demo runs.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The admin token; `nil` generates one.
        public var token: String?
        /// Requests per second the server sends itself; `nil` for none.
        public var trafficRate: Double?
        /// How many users the traffic spreads over.
        public var users: Int
        /// The memory store's budget.
        public var maxBytes: Int
        /// Where the shared Redis store is; `nil` for the memory store.
        public var redis: RedisURL?
        /// CA, client certificate and key for a `rediss://` Redis.
        public var redisTLS: RedisTLS
        /// Standalone Redis, Redis Cluster, or decided by the server (the default).
        public var redisMode: RedisClient.Mode
        /// How many partitions the store has on Redis Cluster (see
        /// ``RedisStore/Configuration/clusterPartitions``).
        public var redisPartitions: Int
        /// The Redis store's near cache in bytes (see ``RedisStore/Configuration/nearCacheBytes``).
        public var nearCacheBytes: Int
        /// The cost of a read in the demo database (see ``DemoDatabase/init(workRounds:)``).
        public var workRounds: Int
        /// Whether the per-user routes go through the response cache (off only to compare).
        public var cachesResponses: Bool
        /// The share of hits verified in the background (see ``CacheAside/Configuration/verifySample``).
        public var verifySample: Double

        /// Creates a configuration; by default 127.0.0.1:8080, no traffic, 1,000 users, 256 MiB.
        public init(
            host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, trafficRate: Double? = nil,
            users: Int = 1_000, maxBytes: Int = 256 * 1024 * 1024, redis: RedisURL? = nil,
            redisTLS: RedisTLS = .init(), redisMode: RedisClient.Mode = .automatic, redisPartitions: Int = 32,
            nearCacheBytes: Int = 64 << 20, workRounds: Int = 300_000, cachesResponses: Bool = true,
            verifySample: Double = 0
        ) {
            self.verifySample = verifySample
            self.nearCacheBytes = nearCacheBytes
            self.host = host
            self.port = port
            self.token = token
            self.trafficRate = trafficRate
            self.users = users
            self.maxBytes = maxBytes
            self.redis = redis
            self.redisTLS = redisTLS
            self.redisMode = redisMode
            self.redisPartitions = redisPartitions
            self.workRounds = workRounds
            self.cachesResponses = cachesResponses
        }
    }

    public let configuration: Configuration
    /// A ``MemoryStore``, or a ``RedisStore`` when the configuration names a Redis.
    public let store: any CacheStore & Service
    public let cache: CacheAside
    public let database: DemoDatabase
    /// The admin token in force.
    public let token: String
    /// Announces `http://host:port` once the server listens.
    public let announcement = PortAnnouncement()
    let metrics: CacheMetrics

    /// Creates the server.
    ///
    /// - Parameter registry: where `/metrics` series go; pass the registry swift-metrics was
    ///   bootstrapped with to export request metrics too.
    public init(configuration: Configuration, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.configuration = configuration
        if let redis = configuration.redis {
            self.store = RedisStore(
                url: redis,
                configuration: .init(
                    tls: configuration.redisTLS, mode: configuration.redisMode,
                    clusterPartitions: configuration.redisPartitions, nearCacheBytes: configuration.nearCacheBytes))
        } else {
            self.store = MemoryStore(configuration: .init(maxBytes: configuration.maxBytes))
        }
        self.cache = CacheAside(
            store: store,
            configuration: .init(
                namespace: "api", defaultTTL: .seconds(300), verifySample: configuration.verifySample))
        self.database = DemoDatabase(workRounds: configuration.workRounds)
        self.token = configuration.token ?? Self.randomToken()
        self.metrics = CacheMetrics(cache: cache, registry: registry)
    }

    /// The application: router, the store's service (sweeper, and flusher for Redis), the cache's
    /// heartbeat (for the instances list), and the traffic generator if asked for.
    public func makeApplication(
        logger: Logger = Logger(label: "cachemon"), onListening: @escaping @Sendable (_ url: String) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let cache = cache
        var services: [any Service] = [store, cache]
        if let rate = configuration.trafficRate {
            services.append(
                TrafficGenerator(
                    configuration: .init(rate: rate, users: configuration.users), logger: logger,
                    baseURL: { [announcement] in try await announcement.url() }))
        }
        let announcement = announcement
        let host = configuration.host
        return Application(
            router: DemoRoutes.router(
                cache: cache, database: database, token: token, metrics: metrics,
                cachesResponses: configuration.cachesResponses),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "cachemon"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                announcement.announce(url)
                cache.advertise(url: url)
                onListening(url)
            },
            logger: logger)
    }

    /// Runs until SIGINT or SIGTERM, then shuts down gracefully.
    public func run(onListening: @escaping @Sendable (_ url: String, _ token: String) -> Void) async throws {
        var logger = Logger(label: "cachemon")
        logger.logLevel = .warning
        let token = token
        try await makeApplication(logger: logger) { url in onListening(url, token) }.runService()
    }

    /// 32 hex digits from the system's random source: the token made up when none is given.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }
}
