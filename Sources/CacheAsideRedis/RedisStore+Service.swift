import CacheAside
import ServiceLifecycle

extension RedisStore: Service {
    /// Every ``Configuration/flushInterval``: writes batched counters and events, then sweeps
    /// expired entries. A failure (Redis down) is retried at the next tick; nothing counted is
    /// lost. On graceful shutdown it flushes once more.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.clock.sleep(for: self.configuration.flushInterval)
                } catch {
                    return
                }
                try? await self.flush()
                try? await self.sweep()
            }
        }
        try? await flush()
    }
}
