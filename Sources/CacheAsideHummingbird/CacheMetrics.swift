import CacheAside
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore
import Prometheus

/// `GET /metrics`: the cache's global counters and gauges in Prometheus text, plus whatever else
/// was recorded in the same registry (request metrics from swift-metrics, for example).
///
/// Only global figures are exported: per-user labels would give Prometheus one series per user.
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))  // once per process
/// let metrics = CacheMetrics(cache: cache, registry: registry)
/// ```
public final class CacheMetrics: Sendable {
    /// The registry the cache's series are written to.
    public let registry: PrometheusCollectorRegistry
    private let cache: any CacheAdministration
    private let counters: [(name: CacheCounter, counter: Counter)]
    private let gauges: [(value: @Sendable (CacheTotals) -> Int, gauge: Gauge)]
    private let circuitOpen: Gauge
    private let consistency: Gauge
    /// The totals exported last time, so counters move by the difference.
    private let exported = NIOLockedValueBox(CacheTotals())

    /// Creates the exporter.
    public convenience init(cache: CacheAside, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.init(source: cache, registry: registry)
    }

    /// Creates the exporter of any ``CacheAdministration``, such as a cache attached by `cachemon attach`.
    public init(source: some CacheAdministration, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry())
    {
        self.cache = source
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(
                descriptor: .init(
                    namespace: "cachemon", subsystem: "cache", metricName: name, unitName: "total", helpText: help))
        }
        func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(
                descriptor: .init(
                    namespace: "cachemon", subsystem: "cache", metricName: name, unitName: unit, helpText: help))
        }
        counters = CacheCounter.allCases.map { ($0, counter($0.prometheusName, $0.help)) }
        gauges = [
            (\.keys, gauge("keys", "", "Entries held.")),
            (\.bytes, gauge("memory", "bytes", "Bytes held: keys, values and bookkeeping.")),
            (\.expiringSoon, gauge("expiring_soon", "", "Entries whose time to live ends within the horizon.")),
        ]
        circuitOpen = gauge("circuit_open", "", "1 while the store is skipped after repeated failures.")
        consistency = gauge(
            "consistency", "ratio", "Share of verified entries (verify, sampled hits) that were fresh; 1 before any.")
    }

    /// Brings the series up to date with the cache and renders the registry.
    public func render() async throws -> String {
        let snapshot = try await cache.stats(StatsQuery(limit: 1))
        exported.withLockedValue { last in
            for (name, counter) in counters {
                let now = snapshot.totals[name]
                let before = last[name]
                // A total never decreases unless the store restarted: start counting again from it.
                counter.increment(by: Int64(clamping: now >= before ? now - before : now))
            }
            last = snapshot.totals
        }
        for (value, gauge) in gauges { gauge.set(Double(value(snapshot.totals))) }
        circuitOpen.set(snapshot.circuitOpen ? 1.0 : 0.0)
        let verified = snapshot.totals[.verifications]
        consistency.set(verified == 0 ? 1 : 1 - Double(snapshot.totals[.staleVerifications]) / Double(verified))
        return registry.emitToString()
    }

    func response() async throws -> Response {
        let text: String
        do {
            text = try await render()
        } catch {
            throw AdminError(.serviceUnavailable, code: "store_unavailable", message: "\(error)")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
