extension CacheAside {
    /// The version of this library, the default ``Configuration/version`` of an instance.
    public static let libraryVersion = "0.1.0-dev"

    /// Every instance that shares this cache's store, this one included, ordered by id.
    ///
    /// ```swift
    /// let list = try await cache.instances()
    /// for instance in list.instances where !instance.alive { print("\(instance.id) stopped answering") }
    /// ```
    ///
    /// Each instance sends a heartbeat every ``Configuration/heartbeatInterval`` while it runs as a
    /// `Service`; one whose last heartbeat is older than ``Configuration/heartbeatTimeToLive`` is
    /// listed as dead, with its last figures, until the store forgets it (ten times that). This
    /// instance is always listed, alive, with its figures of now.
    ///
    /// - Throws: ``CacheAsideError/storeUnavailable(_:)`` when the store cannot be read.
    public func instances() async throws(CacheAsideError) -> InstanceList {
        var listed: [InstanceInfo]
        do {
            listed = try await store.instances()
        } catch {
            throw .storeUnavailable("instances failed: \(error)")
        }
        let now = clock.now()
        let own = reporter.info(
            now: now, clock: clock, circuitOpen: breaker.isOpen(now: now), near: store.nearCacheFigures)
        listed.removeAll { $0.id == own.id }
        listed.append(own)
        listed.sort { $0.id < $1.id }
        return InstanceList(serverTime: clock.date(at: now), instance: instance, instances: listed)
    }

    /// Sets the URL this instance shows in the instances list, for a server that learns its port
    /// only once it listens.
    ///
    /// ```swift
    /// Application(router: router, onServerRunning: { channel in
    ///     cache.advertise(url: "http://127.0.0.1:\(channel.localAddress?.port ?? 0)")
    /// })
    /// ```
    public func advertise(url: String?) {
        reporter.advertise(url: url)
    }

    /// Sends this instance's heartbeat to the store now. The `Service`'s run loop calls it every
    /// ``Configuration/heartbeatInterval``; a store that fails is not counted as an error (the
    /// next heartbeat tries again, and the requests of the meantime count the failure).
    public func sendHeartbeat() async {
        let now = clock.now()
        reporter.sample(now: now)
        let heartbeat = InstanceHeartbeat(
            instance: reporter.info(
                now: now, clock: clock, circuitOpen: breaker.isOpen(now: now), near: store.nearCacheFigures),
            timeToLive: configuration.heartbeatTimeToLive)
        try? await store.publishHeartbeat(heartbeat)
    }
}
