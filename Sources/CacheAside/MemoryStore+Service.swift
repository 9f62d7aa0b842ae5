import ServiceLifecycle

extension MemoryStore: Service {
    /// Sweeps expired entries every ``Configuration/sweepInterval`` until cancelled or shut down gracefully.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await self.clock.sleep(for: self.configuration.sweepInterval)
                    self.sweep()
                }
            }
        } catch is CancellationError {
            // Stopping is the normal end of a sweeper.
        }
    }
}
