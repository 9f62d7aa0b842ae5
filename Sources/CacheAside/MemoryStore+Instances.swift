extension MemoryStore {
    /// Keeps the heartbeat in this process: a memory store is not shared, so it lists the instance
    /// (or the instances in this process) that use it.
    public func publishHeartbeat(_ heartbeat: InstanceHeartbeat) {
        instanceRegistry.record(heartbeat, now: clock.now())
    }

    /// The instances that sent heartbeats to this store, ordered by id; alive within their time to
    /// live, then dead until ten times that.
    public func instances() -> [InstanceInfo] {
        instanceRegistry.list(now: clock.now(), clock: clock)
    }
}
