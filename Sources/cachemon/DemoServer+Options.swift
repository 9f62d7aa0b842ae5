import DemoAPI
import Foundation
import Metrics
import Prometheus

extension DemoServer {
    /// A demo server as the command line asks for it, with swift-metrics exporting to its `/metrics`.
    init(options: ServeOptions) throws {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        self.init(
            configuration: .init(
                host: options.host, port: options.port,
                token: options.token
                    ?? ProcessInfo.processInfo.environment["CACHEMON_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
                trafficRate: options.traffic, users: options.users, maxBytes: options.maxMemory * 1024 * 1024,
                redis: try options.redis.parsedURL(), redisTLS: options.redis.tls,
                redisMode: try options.redis.parsedMode(), redisPartitions: try options.redis.parsedPartitions(),
                nearCacheBytes: try options.redis.parsedNearCacheBytes(), cachesResponses: !options.noCache,
                verifySample: options.verifySample),
            registry: registry)
    }
}
