extension CacheStore {
    /// Keeps nothing: a store without a registry of instances ignores heartbeats (``CacheAside``
    /// still lists itself).
    public func publishHeartbeat(_ heartbeat: InstanceHeartbeat) async throws {}

    /// No instances: this store keeps no registry.
    public func instances() async throws -> [InstanceInfo] { [] }

    /// No near cache.
    public var nearCacheFigures: NearCacheFigures? { nil }
}
