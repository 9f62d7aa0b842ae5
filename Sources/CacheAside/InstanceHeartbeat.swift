/// What an instance sends to its store every ``CacheAside/Configuration/heartbeatInterval``: its
/// own figures, and how long the store should count it as alive without another heartbeat.
///
/// ``CacheAside`` sends it while it runs as a `Service`; a store keeps it for
/// ``CacheStore/instances()``, which lists the instance as dead once `timeToLive` has passed and
/// forgets it after ten times that.
public struct InstanceHeartbeat: Sendable, Equatable {
    /// The instance's report. The store sets `lastSeen` (by its own clock) and `alive` when it lists it.
    public var instance: InstanceInfo
    /// How long the instance counts as alive after this heartbeat.
    public var timeToLive: Duration

    /// Creates a heartbeat.
    public init(instance: InstanceInfo, timeToLive: Duration) {
        self.instance = instance
        self.timeToLive = timeToLive
    }
}
