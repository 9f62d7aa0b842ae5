import Foundation

extension CacheAside {
    /// The cached value of `key` for `user`, or the result of `compute`, stored for next time.
    ///
    /// ```swift
    /// let orders: [Order] = try await cache.cached(key: "/orders?page=1", user: "42", ttl: .seconds(60)) {
    ///     try await database.orders(user: 42, page: 1)
    /// }
    /// ```
    ///
    /// Values are stored as JSON, so `[]`, `{}`, `""`, `0` and `false` are hits like any other value.
    ///
    /// - Parameters:
    ///   - key: the route key inside the user's prefix, such as a path and query.
    ///   - user: whose data it is; `nil` stores it in the shared public prefix.
    ///   - ttl: how long to keep it (with jitter); `nil` for the default; zero to compute without storing.
    /// - Throws: only what `compute` throws (once, to every caller waiting on it), or an encoding
    ///   error of `T`; store failures are counted and served around.
    public func cached<T: Codable & Sendable>(
        key: String, user: String?, ttl: Duration? = nil, _ compute: () async throws -> T
    ) async throws -> T {
        let bytes = try await cachedBytes(key: key, user: user, ttl: ttl) {
            try Array(JSONEncoder().encode(try await compute()))
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            // A value of another shape under this key, such as one written before a deployment changed
            // the type: serve a fresh computation and say so; the old entry goes when it expires.
            reporter.countStoreError()
            store.recordStoreError("cached value of \(key) is not a \(T.self): \(error)", prefix: prefix(user: user))
            return try await compute()
        }
    }

    /// The cached bytes of `key` for `user`, or the result of `compute`, stored for next time.
    ///
    /// The bytes are returned exactly as stored: an empty array is a hit like any other value.
    public func cachedBytes(
        key: String, user: String?, ttl: Duration? = nil, _ compute: () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        try await lookupOrCompute(key: key, user: user, ttl: ttl) { ComputedValue(bytes: try await compute()) }.bytes
    }

    /// The building block of ``cachedBytes(key:user:ttl:_:)`` for callers that must know where the
    /// bytes came from, or whose computation may produce a value that must not be cached.
    ///
    /// A computation that returns ``ComputedValue/isCacheable`` `false` is not stored, and the
    /// callers that were waiting for it compute their own value instead of receiving it.
    ///
    /// - Parameters:
    ///   - route: the route template the key belongs to (`GET /api/users/{user}/orders`), which its
    ///     figures count under in `GET /_cache/routes`; `nil` counts under `other`.
    ///   - verifier: when hits are sampled (``Configuration/verifySample``) and this one is picked,
    ///     how to compute it again, tried before the registered ones; asked only then.
    public func lookupOrCompute(
        key: String, user: String?, ttl: Duration? = nil, route: String? = nil,
        verifier: () -> Verifier? = { nil }, _ compute: () async throws -> ComputedValue
    ) async throws -> CachedBytes {
        let cacheKey = CacheKey(prefix: prefix(user: user), route: RouteKey.normalized(key), template: template(route))
        // A caller retries only when the computation it waited for was cancelled with its leader.
        for _ in 0..<3 {
            guard breaker.allowsRequest(now: clock.now) else {
                reporter.countMiss()
                store.recordUncachedRequest(cacheKey.prefix)
                return try await computeWithoutStore(cacheKey, compute)
            }
            let lookup: CacheLookup
            do {
                lookup = try await store.lookup(cacheKey)
                breaker.recordSuccess()
            } catch {
                storeFailed(error, operation: "lookup", prefix: cacheKey.prefix)
                reporter.countMiss()
                store.recordUncachedRequest(cacheKey.prefix)
                return try await computeWithoutStore(cacheKey, compute)
            }
            switch lookup {
            case .hit(let bytes):
                reporter.countHit()
                if sampler.isOn, sampler.selects(now: clock.now) {
                    sample(cacheKey, user: user, bytes, verifier())
                }
                return CachedBytes(bytes: bytes, source: .hit)
            case .miss(let generation):
                reporter.countMiss()
                let flightKey = FlightKey(key: cacheKey, generation: generation)
                if let result = try await computeOnce(flightKey, ttl: configuration.effectiveTTL(ttl), compute) {
                    return result
                }
            }
        }
        return try await uncached(compute)
    }

    /// Computes as the leader of the key's flight, or waits for the leader; `nil` if the leader was
    /// cancelled and the caller should start over.
    private func computeOnce(
        _ flightKey: FlightKey, ttl: Duration, _ compute: () async throws -> ComputedValue
    ) async throws -> CachedBytes? {
        switch flights.join(flightKey) {
        case .follower(let flight):
            switch await flight.wait() {
            case .value(let bytes): return CachedBytes(bytes: bytes, source: .shared)
            case .failed(let error): throw error
            case .notShareable: return try await uncached(compute)
            case .abandoned: return nil
            }
        case .leader(let flight):
            let computed: ComputedValue
            let started = clock.now()
            do {
                computed = try await compute()
                store.recordComputation(of: flightKey.key, nanoseconds: clock.now() - started)
            } catch {
                flights.finish(flightKey, flight, with: Task.isCancelled ? .abandoned : .failed(error))
                throw error
            }
            let stored = computed.isCacheable && ttl > .zero
            if stored, let generation = flightKey.generation {
                await storeFenced(computed.bytes, key: flightKey.key, ttl: ttl, generation: generation)
            }
            flights.finish(flightKey, flight, with: computed.isCacheable ? .value(computed.bytes) : .notShareable)
            let source: CachedBytes.Source = stored && flightKey.generation != nil ? .computed : .uncached
            return CachedBytes(bytes: computed.bytes, source: source)
        }
    }

    /// While the store is failing: still one computation per key, never stored.
    private func computeWithoutStore(
        _ key: CacheKey, _ compute: () async throws -> ComputedValue
    ) async throws -> CachedBytes {
        if let result = try await computeOnce(FlightKey(key: key, generation: nil), ttl: .zero, compute) {
            return result
        }
        return try await uncached(compute)
    }

    private func uncached(_ compute: () async throws -> ComputedValue) async throws -> CachedBytes {
        CachedBytes(bytes: try await compute().bytes, source: .uncached)
    }

    /// Stores a computed value if its generation still holds; a failure is counted, never thrown.
    func storeFenced(_ value: [UInt8], key: CacheKey, ttl: Duration, generation: UInt64) async {
        do {
            _ = try await store.store(value, for: key, ttl: ttl, generation: generation)
            breaker.recordSuccess()
        } catch {
            storeFailed(error, operation: "store", prefix: key.prefix)
        }
    }

    func storeFailed(_ error: any Error, operation: String, prefix: CachePrefix) {
        breaker.recordFailure(now: clock.now())
        reporter.countStoreError()
        store.recordStoreError("\(operation) failed: \(error)", prefix: prefix)
    }
}
