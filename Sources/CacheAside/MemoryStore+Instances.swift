extension MemoryStore {
    /// Keeps the heartbeat in this process: a memory store is not shared, so it lists the instance
    /// (or the instances in this process) that use it.
    ///
    /// Declared exactly as the requirement (`async throws`, though it neither waits nor fails) so
    /// that it, and not the protocol's do-nothing default, is what every call reaches.
    public func publishHeartbeat(_ heartbeat: InstanceHeartbeat) async throws {
        instanceRegistry.record(heartbeat, now: clock.now())
    }

    /// The instances that sent heartbeats to this store, ordered by id; alive within their time to
    /// live, then dead until ten times that.
    public func instances() async throws -> [InstanceInfo] {
        instanceRegistry.list(now: clock.now(), clock: clock)
    }
}
