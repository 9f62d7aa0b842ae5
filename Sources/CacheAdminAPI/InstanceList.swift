import Foundation

/// The answer to `GET /_cache/instances`: every instance that shares the store, alive or
/// recently dead, ordered by id.
///
/// With a `CacheAside` over a memory store it lists the one instance; over a shared store
/// (Redis), every instance that sent a heartbeat lately.
public struct InstanceList: Codable, Sendable, Equatable {
    /// ``CacheStatsSchema/version`` of the server that wrote it.
    public var schemaVersion: Int
    /// The server's clock when the list was read.
    public var serverTime: Date
    /// The id of the instance that answered (also in the list).
    public var instance: String
    /// The instances, ordered by id.
    public var instances: [InstanceInfo]

    /// Creates a list.
    public init(
        schemaVersion: Int = CacheStatsSchema.version, serverTime: Date, instance: String, instances: [InstanceInfo]
    ) {
        self.schemaVersion = schemaVersion
        self.serverTime = serverTime
        self.instance = instance
        self.instances = instances
    }

    /// How many of the instances are alive.
    public var aliveCount: Int { instances.reduce(0) { $0 + ($1.alive ? 1 : 0) } }
}
