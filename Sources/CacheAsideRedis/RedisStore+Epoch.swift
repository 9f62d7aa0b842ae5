import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

extension RedisStore {
    /// A purge that Redis applied but that no replica confirmed in time: a failover now could
    /// promote a replica that never saw it, and the purged entries would be served again.
    public struct PurgeNotReplicated: Error, CustomStringConvertible {
        public var prefix: String
        public var replicas: Int
        public var acknowledged: Int
        public var timeout: Duration

        public var description: String {
            "the purge of \(prefix) was applied by the Redis primary, but \(acknowledged) of its \(replicas) "
                + "replicas confirmed it within \(timeout): a failover now could undo it; purge again"
        }
    }

    /// Learns the store epoch on `connection`, moving it on if the Redis answering is not the
    /// process that set it: a restart (possibly from an older snapshot) or a promoted replica.
    ///
    /// Runs on every new connection before it is used, and with every sweep, so a Redis that went
    /// back in time behind a proxy that kept the connection is noticed within a flush interval.
    func refreshEpoch(on connection: RedisConnection) async throws(RedisError) {
        if !clock.isRealTime, testClockAnchor.withLockedValue({ $0 }) == nil {
            let redisNow = try await Self.redisTime(on: connection)
            let sinceCreated = CacheClock.nanoseconds(createdAt.duration(to: .now)) / 1_000_000
            testClockAnchor.withLockedValue { anchor in anchor = anchor ?? redisNow - sinceCreated }
        }
        let info: RESPValue
        do {
            info = try await connection.execute(RESPCommand("INFO", "server"))
        } catch {
            guard case .server(let message) = error else { throw error }
            throw .server(
                "\(message) (the store needs INFO server to notice a Redis restarted from a snapshot or "
                    + "failed over; allow it, see the ACL rule in docs/redis.md)")
        }
        guard let runID = info.string.flatMap(Self.runID) else {
            throw .protocolError("INFO server answered no run_id")
        }
        let known = knownEpoch.withLockedValue { $0 }
        let seen = highestEventSeen
        // The other store-wide keys come along to have their expiry renewed: an instance that runs
        // without traffic (nothing to flush) still keeps the cache's figures alive.
        let others = names.storeWide.filter { ![names.epoch, names.server, names.seq].contains($0) }
        let answer = try await connection.evaluate(
            RedisScripts.epoch, keys: [names.epoch, names.server, names.seq] + others,
            arguments: [
                ByteBuffer(string: runID), Self.argument(known), Self.argument(metaLifetime), Self.argument(seen),
            ])
        guard case .array(let parts) = answer, parts.count == 2, let epoch = parts[0].int, let seq = parts[1].int else {
            throw .protocolError("the epoch script answered \(answer)")
        }
        // Redis's value, even if lower: every instance must use the same one.
        knownEpoch.withLockedValue { $0 = epoch }
        noteEvent(seq)
    }

    /// Remembers the highest event number seen, to notice a Redis whose numbers went back.
    func noteEvent(_ seq: Int64) {
        eventHighWater.withLockedValue { $0 = max($0, seq) }
    }

    var highestEventSeen: Int64 { eventHighWater.withLockedValue { $0 } }

    /// The `run_id` line of `INFO server`.
    static func runID(_ info: String) -> String? {
        info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("run_id:") }.map {
            String($0.dropFirst("run_id:".count)).trimmingCharacters(in: .whitespaces)
        }
    }

    /// How many replicas the Redis on `connection` has now (`ROLE`; 0 for a replica or unknown).
    func replicaCount(on connection: RedisConnection) async throws -> Int {
        let role = try await connection.execute(RESPCommand("ROLE"))
        // A primary answers ["master", offset, [[ip, port, offset], …]].
        guard case .array(let parts) = role, parts.count >= 3, parts[0].string == "master",
            case .array(let replicas) = parts[2]
        else { return 0 }
        return replicas.count
    }

    /// Waits (`WAIT`, at most ``Configuration/purgeReplicationTimeout``) until
    /// ``Configuration/purgeReplicas`` of the Redis's `replicas` (or all, if fewer) confirm the
    /// writes made on `connection`, which must be the purge's own.
    ///
    /// - Throws: ``PurgeNotReplicated`` when too few confirm in time.
    func confirmReplicated(_ prefix: CachePrefix, replicas: Int, on connection: RedisConnection) async throws {
        let needed = min(configuration.purgeReplicas, replicas)
        let timeout = configuration.purgeReplicationTimeout
        let answer = try await connection.send(
            RESPCommand("WAIT", String(needed), String(Self.milliseconds(timeout))),
            timeout: Self.timeAmount(timeout + configuration.commandTimeout))
        let acknowledged = Int(answer.int ?? 0)
        guard acknowledged >= needed else {
            throw PurgeNotReplicated(
                prefix: prefix.rawValue, replicas: replicas, acknowledged: acknowledged, timeout: timeout)
        }
    }
}
