import Foundation
import NIOConcurrencyHelpers

/// Cache-aside for an API: compute once, store the serialized result under the user's prefix, serve
/// it until it expires or the user's prefix is purged.
///
/// ```swift
/// let cache = CacheAside(store: MemoryStore(), configuration: .init(namespace: "api", defaultTTL: .seconds(300)))
/// let summary: Summary = try await cache.cached(key: "/dashboard/summary?page=2", user: "42", ttl: .seconds(60)) {
///     try await computeSummary(user: 42)
/// }
/// try await cache.purge(user: "42")   // in the write handler: the user's next read recomputes
/// ```
///
/// Concurrent misses on one key compute once (single-flight). A purge while a value is being computed
/// wins: the late value is not stored (generation fencing). If the store fails, values are computed
/// and served uncached, and after repeated failures the store is skipped for a cool-down (fail-open).
public final class CacheAside: Sendable {
    /// The store behind the cache.
    public let store: any CacheStore
    /// The namespace, time to live and failure policy.
    public let configuration: Configuration
    /// Identifies this instance in snapshots and in the fleet's instances list, so a monitor can
    /// tell instances and restarts apart: ``Configuration/instanceID``, or `<host>-<pid>-<random>`.
    public let instance: String

    let clock: CacheClock
    let breaker: CircuitBreaker
    let flights = SingleFlight<FlightKey>()
    /// This instance's own figures, for its heartbeat.
    let reporter: InstanceReporter
    /// The route templates counted apart so far (at most ``Configuration/maximumRoutes``).
    let routeNames = NIOLockedValueBox<Set<String>>([])
    /// What the Hummingbird admin routes install to replay requests through the application's
    /// router, by request context type: the middleware uses it to verify sampled hits.
    package let replays = NIOLockedValueBox<[ObjectIdentifier: any Sendable]>([:])
    /// Picks the hits verified in the background.
    let sampler: HitSampler
    /// The ways registered to compute entries again for verification, tried in order.
    let verifiers = NIOLockedValueBox<[Verifier]>([])

    /// Creates a cache over `store`.
    ///
    /// - Parameters:
    ///   - store: a ``MemoryStore`` or any other ``CacheStore``.
    ///   - configuration: namespace, default time to live and jitter, circuit breaker.
    ///   - clock: where the circuit breaker's time comes from.
    /// - Precondition: the namespace is not empty and holds only `A–Z a–z 0–9 _ . -`.
    public init(
        store: any CacheStore, configuration: Configuration = .init(), clock: some Clock<Duration> = ContinuousClock()
    ) {
        precondition(
            Configuration.isValidNamespace(configuration.namespace),
            "namespace \"\(configuration.namespace)\" must be non-empty and use only A-Z a-z 0-9 _ . -")
        self.store = store
        self.configuration = configuration
        let wrapped = CacheClock(clock)
        self.clock = wrapped
        self.breaker = CircuitBreaker(
            threshold: configuration.failureThreshold, coolDown: configuration.failureCoolDown)
        let configured = configuration.instanceID ?? ""
        let id = configured.isEmpty ? InstanceReporter.defaultID() : configured
        self.instance = id
        self.sampler = HitSampler(share: configuration.verifySample, perSecond: configuration.verifySampleRate)
        self.reporter = InstanceReporter(
            id: id, version: configuration.version, url: configuration.advertisedURL, startedAt: wrapped.date(at: 0))
    }

    /// The prefix of `user` in this cache's namespace; `nil` is the shared public prefix.
    public func prefix(user: String?) -> CachePrefix {
        CachePrefix(namespace: configuration.namespace, user: user)
    }

    /// The template `route` counts under: itself while there is room, ``RouteStats/other`` for
    /// none and past ``Configuration/maximumRoutes``.
    func template(_ route: String?) -> String {
        guard let route, !route.isEmpty, route != RouteStats.other else { return RouteStats.other }
        let limit = configuration.maximumRoutes
        return routeNames.withLockedValue { names in
            if names.contains(route) { return route }
            guard names.count < limit else { return RouteStats.other }
            names.insert(route)
            return route
        }
    }

    /// Whether the circuit breaker is skipping the store now.
    public var isCircuitOpen: Bool { breaker.isOpen(now: clock.now()) }
}

/// What single-flight keys on: a miss in a later generation never joins a computation of an earlier one.
struct FlightKey: Hashable, Sendable {
    var key: CacheKey
    /// `nil` for a computation that will not be stored because the store is failing.
    var generation: UInt64?
}
