import CacheAside
import Foundation
import NIOCore
import RESP

extension RedisStore {
    /// The most instances ``instances()`` lists.
    static let maximumInstancesListed = 1_000

    /// Records `heartbeat` in Redis, where every instance of the fleet reads it: one script over
    /// `{name}:instance:<id>` and `{name}:instances` (see ``RedisScripts/heartbeat``). The time it
    /// came is Redis's, so instances whose clocks disagree still agree on who is alive.
    public func publishHeartbeat(_ heartbeat: InstanceHeartbeat) async throws {
        let report = try WireFormat.encoder().encode(heartbeat.instance)
        let timeToLive = max(1, Self.milliseconds(heartbeat.timeToLive))
        let id = heartbeat.instance.id
        try await evaluate(
            RedisScripts.heartbeat, keys: [names.instance(id), names.instances],
            arguments: [timeArgument(), Self.argument(timeToLive), ByteBuffer(string: id), ByteBuffer(bytes: report)])
    }

    /// Every instance that sent a heartbeat lately, ordered by id: alive while its last heartbeat is
    /// within its time to live (by Redis's clock), then dead, with its last report, until ten times
    /// that. Ids whose heartbeat is gone are taken out of `{name}:instances` here.
    public func instances() async throws -> [InstanceInfo] {
        let now = try await redisMilliseconds()
        let members = try await pipeline([
            (names.instances, RESPCommand("ZRANGE", names.instances, "0", String(Self.maximumInstancesListed - 1)))
        ])[0]
        guard case .array(let listed) = members else { throw RedisError.protocolError("instances: \(members)") }
        let ids = listed.compactMap(\.string)
        let answers = try await pipeline(
            ids.map { (names.instance($0), RESPCommand("HMGET", names.instance($0), "info", "seen", "ttl")) })
        var instances: [InstanceInfo] = []
        var gone: [String] = []
        for (id, answer) in zip(ids, answers) {
            if let message = answer.errorMessage { throw RedisError.server(message) }
            guard case .array(let fields) = answer, fields.count == 3 else {
                throw RedisError.protocolError("instance \(id): \(answer)")
            }
            guard let seen = fields[1].int, let timeToLive = fields[2].int else {
                // The hash expired (ten times its time to live) before the set was trimmed.
                gone.append(id)
                continue
            }
            let age = now - seen
            if age > Self.instanceRetention(timeToLive) {
                gone.append(id)
                continue
            }
            // A report this version cannot read (another version's) is left for its own instances.
            guard var instance = Self.decodeReport(fields[0]) else { continue }
            instance.lastSeen = Date(timeIntervalSince1970: Double(seen) / 1000)
            instance.alive = age <= timeToLive
            instances.append(instance)
        }
        if !gone.isEmpty {
            // Tidying only: a failure here changes nothing that was listed.
            _ = try? await pipeline([(names.instances, RESPCommand(strings: ["ZREM", names.instances] + gone))])
        }
        instances.sort { $0.id < $1.id }
        return instances
    }

    /// How long a dead instance stays listed: ten times its time to live (ms), without overflowing.
    static func instanceRetention(_ timeToLive: Int64) -> Int64 {
        let (product, overflow) = timeToLive.multipliedReportingOverflow(by: 10)
        return overflow ? .max : product
    }

    /// An instance's report as stored by ``publishHeartbeat(_:)``, or `nil` if it cannot be read.
    static func decodeReport(_ value: RESPValue) -> InstanceInfo? {
        guard case .bulkString(let json) = value else { return nil }
        return try? WireFormat.decoder().decode(InstanceInfo.self, from: Data(json.readableBytesView))
    }
}
