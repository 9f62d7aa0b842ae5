extension CacheAside {
    /// Removes every entry of `user` and moves the prefix to a new generation, so computations
    /// already in flight for that user are not stored either.
    ///
    /// ```swift
    /// router.post("api/users/:user/orders") { request, context in
    ///     try await saveOrder(request)
    ///     try await cache.purge(user: context.parameters.require("user"))
    ///     return HTTPResponse.Status.created
    /// }
    /// ```
    ///
    /// - Throws: ``CacheAsideError/storeUnavailable(_:)`` when the store fails: a purge never
    ///   fails open, because a silent failure would leave stale data in place.
    @discardableResult
    public func purge(user: String?) async throws(CacheAsideError) -> PurgeResult {
        try await purge(prefix(user: user))
    }

    /// Purges a prefix given as text, as the admin API receives it (for example `api:{u:42}`).
    ///
    /// - Throws: ``CacheAsideError/invalidPrefix(_:reason:)`` when `prefix` is not one of this
    ///   cache's prefixes (nothing is purged), or ``CacheAsideError/storeUnavailable(_:)``.
    @discardableResult
    public func purge(prefix text: String) async throws(CacheAsideError) -> PurgeResult {
        try await purge(try CachePrefix(parsing: text, namespace: configuration.namespace))
    }

    /// Purges `prefix`.
    @discardableResult
    public func purge(_ prefix: CachePrefix) async throws(CacheAsideError) -> PurgeResult {
        do {
            return try await store.purge(prefix)
        } catch {
            storeFailed(error, operation: "purge", prefix: prefix)
            throw .storeUnavailable("purge of \(prefix) failed: \(error)")
        }
    }

    /// Totals and one page of prefixes.
    ///
    /// ```swift
    /// let snapshot = try await cache.stats(StatsQuery(sort: .hits, limit: 50))
    /// print(snapshot.totals.hitRatio ?? 0, snapshot.prefixes.map(\.user))
    /// ```
    public func stats(_ query: StatsQuery = StatsQuery()) async throws(CacheAsideError) -> StatsSnapshot {
        do {
            try query.validate()
        } catch {
            throw .invalidQuery(error.description)
        }
        let statistics: StoreStatistics
        do {
            statistics = try await store.statistics(query)
        } catch {
            throw .storeUnavailable("stats failed: \(error)")
        }
        let now = clock.now()
        var answered = query
        answered.offset = statistics.offset
        return StatsSnapshot(
            serverTime: clock.date(at: now), uptimeSeconds: statistics.uptimeSeconds, backend: store.backend,
            instance: instance, namespace: configuration.namespace, circuitOpen: breaker.isOpen(now: now),
            totals: statistics.totals, prefixCount: statistics.prefixCount, query: answered,
            prefixes: statistics.prefixes, partial: statistics.partial)
    }

    /// The live entries of `user`'s prefix, ordered by route key; empty if it holds none.
    public func keys(user: String?, limit: Int = 100, offset: Int = 0) async throws(CacheAsideError) -> [KeyInfo] {
        try await keys(in: prefix(user: user), limit: limit, offset: offset) ?? []
    }

    /// The live entries of `prefix`, or `nil` if the store has never seen it.
    public func keys(in prefix: CachePrefix, limit: Int = 100, offset: Int = 0) async throws(CacheAsideError)
        -> [KeyInfo]?
    {
        do {
            try StatsQuery(limit: limit, offset: offset).validate()
        } catch {
            throw .invalidQuery(error.description)
        }
        do {
            return try await store.keys(in: prefix, limit: limit, offset: offset)
        } catch {
            throw .storeUnavailable("keys failed: \(error)")
        }
    }

    /// Events after sequence number `after` (0 for all that are held), oldest first.
    ///
    /// ```swift
    /// var after: UInt64 = 0
    /// let page = try await cache.events(after: after, limit: 500)
    /// if page.dropped > 0 { print("missed \(page.dropped) events") }
    /// after = page.lastSeq
    /// ```
    public func events(after: UInt64 = 0, limit: Int = 500) async throws(CacheAsideError) -> EventPage {
        guard (1...EventRing.maximumPage).contains(limit) else {
            throw .invalidQuery("limit must be between 1 and \(EventRing.maximumPage), got \(limit)")
        }
        do {
            return try await store.events(after: after, limit: limit)
        } catch {
            throw .storeUnavailable("events failed: \(error)")
        }
    }
}
