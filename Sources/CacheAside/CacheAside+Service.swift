import ServiceLifecycle

extension CacheAside: Service {
    /// Sends this instance's heartbeat to the store at once and then every
    /// ``Configuration/heartbeatInterval``, until cancelled or shut down gracefully, so
    /// ``instances()`` (and `GET /_cache/instances`) on any instance of the fleet lists it.
    ///
    /// Run it beside the store's own service, for example in a Hummingbird application's services:
    ///
    /// ```swift
    /// let app = Application(router: router, services: [store, cache])
    /// ```
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.sendHeartbeat()
                do {
                    try await self.clock.sleep(for: self.configuration.heartbeatInterval)
                } catch {
                    return
                }
            }
        }
    }
}
