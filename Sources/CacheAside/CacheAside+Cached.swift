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
        key: String, user: String?, ttl: Duration? = nil, _ compute: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let bytes = try await cachedBytes(key: key, user: user, ttl: ttl) {
            try Array(JSONEncoder().encode(try await compute()))
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            // A value of another shape under this key, such as one written before a deployment changed
            // the type: serve a fresh computation and say so; the old entry goes when it expires.
            store.recordStoreError("cached value of \(key) is not a \(T.self): \(error)", prefix: prefix(user: user))
            return try await compute()
        }
    }

    /// The cached bytes of `key` for `user`, or the result of `compute`, stored for next time.
    ///
    /// The bytes are returned exactly as stored: an empty array is a hit like any other value.
    public func cachedBytes(
        key: String, user: String?, ttl: Duration? = nil, _ compute: @escaping @Sendable () async throws -> [UInt8]
    ) async throws -> [UInt8] {
        let cacheKey = CacheKey(prefix: prefix(user: user), route: RouteKey.normalized(key))
        guard breaker.allowsRequest(now: clock.now) else {
            store.recordUncachedRequest(cacheKey.prefix)
            return try await flights.run(FlightKey(key: cacheKey, generation: nil), compute)
        }
        let lookup: CacheLookup
        do {
            lookup = try await store.lookup(cacheKey)
            breaker.recordSuccess()
        } catch {
            storeFailed(error, operation: "lookup", prefix: cacheKey.prefix)
            store.recordUncachedRequest(cacheKey.prefix)
            return try await flights.run(FlightKey(key: cacheKey, generation: nil), compute)
        }
        switch lookup {
        case .hit(let bytes):
            return bytes
        case .miss(let generation):
            let effectiveTTL = configuration.effectiveTTL(ttl)
            return try await flights.run(FlightKey(key: cacheKey, generation: generation)) {
                let value = try await compute()
                if effectiveTTL > .zero {
                    await self.storeFenced(value, key: cacheKey, ttl: effectiveTTL, generation: generation)
                }
                return value
            }
        }
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
        store.recordStoreError("\(operation) failed: \(error)", prefix: prefix)
    }
}
