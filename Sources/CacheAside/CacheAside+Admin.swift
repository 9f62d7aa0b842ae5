extension CacheAside {
    /// Removes every entry of `user` and moves the prefix to a new generation, so computations
    /// already in flight for that user are not stored either.
    ///
    /// ```swift
    /// router.post("api/users/:user/orders") { request, context in
    ///     try await saveOrder(request)
    ///     try await cache.purge(user: context.parameters.require("user"), reason: "order created")
    ///     return HTTPResponse.Status.created
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - reason: why, shown in the prefix's timeline and the monitor's events (at most
    ///     ``PurgeReason/maximumLength`` characters, no control characters).
    ///   - origin: who asked; `application` unless said otherwise.
    /// - Throws: ``CacheAsideError/storeUnavailable(_:)`` when the store fails: a purge never
    ///   fails open, because a silent failure would leave stale data in place;
    ///   ``CacheAsideError/invalidReason(_:)`` for a reason that cannot be stored (nothing is purged).
    @discardableResult
    public func purge(user: String?, reason: String? = nil, origin: String? = nil) async throws(CacheAsideError)
        -> PurgeResult
    {
        try await purge(prefix(user: user), reason: reason, origin: origin)
    }

    /// Purges a prefix given as text, as the admin API receives it (for example `api:{u:42}`).
    ///
    /// - Throws: ``CacheAsideError/invalidPrefix(_:reason:)`` when `prefix` is not one of this
    ///   cache's prefixes (nothing is purged), or ``CacheAsideError/storeUnavailable(_:)``.
    @discardableResult
    public func purge(prefix text: String, reason: String? = nil, origin: String? = nil) async throws(CacheAsideError)
        -> PurgeResult
    {
        try await purge(
            try CachePrefix(parsing: text, namespace: configuration.namespace), reason: reason, origin: origin)
    }

    /// Purges `prefix`.
    @discardableResult
    public func purge(_ prefix: CachePrefix, reason: String? = nil, origin: String? = nil) async throws(CacheAsideError)
        -> PurgeResult
    {
        let cause = PurgeReason(reason: reason, origin: origin ?? "application", instance: instance)
        if let problem = cause.problem { throw .invalidReason(problem) }
        do {
            return try await store.purge(prefix, reason: cause)
        } catch {
            storeFailed(error, operation: "purge", prefix: prefix)
            throw .storeUnavailable("purge of \(prefix) failed: \(error)")
        }
    }

    /// The most events one timeline request may ask for.
    public static let maximumTimeline = 1000

    /// Up to `limit` of the latest events of `user`'s prefix, newest first: what was stored and
    /// when, first hits, purges with their reason and origin, expirations, evictions, rejected stale
    /// writes. Empty if the store knows nothing of the prefix.
    public func timeline(user: String?, limit: Int = 100) async throws(CacheAsideError) -> [CacheEvent] {
        try await timeline(of: prefix(user: user), limit: limit) ?? []
    }

    /// The latest events of `prefix`, newest first, or `nil` if the store knows nothing of it.
    public func timeline(of prefix: CachePrefix, limit: Int = 100) async throws(CacheAsideError) -> [CacheEvent]? {
        guard (1...Self.maximumTimeline).contains(limit) else {
            throw .invalidQuery("limit must be between 1 and \(Self.maximumTimeline), got \(limit)")
        }
        do {
            return try await store.timeline(of: prefix, limit: limit)
        } catch {
            throw .storeUnavailable("timeline failed: \(error)")
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

    /// One page of route templates: hits, misses, entries held, what a miss costs and how much
    /// computation the cache saves on each, with the totals of them all.
    ///
    /// ```swift
    /// let costly = try await cache.routes(RoutesQuery(sort: .missCost, limit: 10))
    /// print("saved \(costly.savedSeconds) s of computation")
    /// ```
    public func routes(_ query: RoutesQuery = RoutesQuery()) async throws(CacheAsideError) -> RoutesSnapshot {
        do {
            try query.validate()
        } catch {
            throw .invalidQuery(error.description)
        }
        let routes: [RouteStats]
        do {
            routes = try await store.routes()
        } catch {
            throw .storeUnavailable("routes failed: \(error)")
        }
        let (page, count) = query.apply(to: routes)
        return RoutesSnapshot(
            serverTime: clock.date(at: clock.now()), instance: instance, query: query, routeCount: count, routes: page,
            savedSeconds: routes.reduce(0) { $0 + $1.savedSeconds },
            computeSeconds: routes.reduce(0) { $0 + $1.computeSeconds })
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
