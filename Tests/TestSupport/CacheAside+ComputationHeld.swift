import CacheAside

extension CacheAside {
    /// Starts reading `key` for `user` with a computation that waits at `gate` before returning
    /// `value`; returns once that computation is waiting, so the test can purge meanwhile.
    public func computationHeld(
        at gate: Gate, key: String, user: String, value: [UInt8]
    ) async throws -> Task<[UInt8], any Error> {
        let task = Task {
            try await cachedBytes(key: key, user: user) {
                await gate.wait()
                return value
            }
        }
        try await gate.waitForArrivals(1)
        return task
    }
}
