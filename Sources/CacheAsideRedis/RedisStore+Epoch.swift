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

    /// Learns the epochs of `partitions` on `connection`, moving each on if the Redis answering is
    /// not the process that set it (a restart, possibly from an older snapshot, or a promoted
    /// replica) or its purge count went down; checks the store's key layout first.
    ///
    /// Runs for every partition on every new connection before it is used (one pipeline), and
    /// with every sweep, so a Redis that went back in time behind a proxy that kept the connection
    /// is noticed within a flush interval; for one partition when a script says the instance's
    /// epoch is behind.
    ///
    /// - Throws: ``RedisError/server(_:)`` with the layout script's message when the store was
    ///   written with another key layout.
    ///
    /// - Parameter node: the node `connection` is to, when a check of the same server (`run_id`)
    ///   already done may stand: then only `INFO server` is asked.
    func refreshEpochs(
        of partitions: [Int], on connection: RedisConnection, layout: Bool = false, node: String? = nil
    ) async throws(RedisError) {
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
        // Another connection to the same server process checked these partitions already; the
        // sweep checks them all again every flush interval (a snapshot loaded in place keeps the
        // run_id, and is noticed there).
        if let node, checkedServers.withLockedValue({ $0[node] }) == runID { return }
        if layout {
            _ = try await connection.evaluate(
                RedisScripts.layout, keys: layoutKeys, arguments: layoutArguments)
        }
        guard !partitions.isEmpty else { return }
        let known = knownEpochs.withLockedValue { $0 }
        let seen = purgeHighWater.withLockedValue { $0 }
        // The partition's other keys come along to have their expiry renewed: an instance that
        // runs without traffic still keeps the cache's figures alive.
        let calls = partitions.map { partition in
            (
                keys: names.partitionKeys(partition).all,
                arguments: [
                    ByteBuffer(string: runID), Self.argument(known[partition]), Self.argument(metaLifetime),
                    Self.argument(seen[partition]),
                ]
            )
        }
        let answers: [RESPValue]
        if calls.count > 1, backgroundPool.isCluster == false {
            // One Redis: every partition's check in one script call (see PartitionBatch), which a
            // new connection makes before anyone uses it.
            let packed = PartitionBatch.pack(calls)
            let answer = try await connection.evaluate(
                RedisScripts.epochBatch.batched, keys: packed.keys, arguments: packed.arguments)
            guard case .array(let parts) = answer, parts.count == calls.count else {
                throw .protocolError("the batched epoch script answered \(answer)")
            }
            answers = parts
        } else {
            answers = try await connection.evaluateAll(RedisScripts.epoch, calls: calls)
        }
        var epochs: [(partition: Int, epoch: Int64, seq: Int64)] = []
        for (partition, answer) in zip(partitions, answers) {
            if let message = answer.errorMessage { throw .server(message) }
            guard case .array(let parts) = answer, parts.count == 2, let epoch = parts[0].int, let seq = parts[1].int
            else { throw .protocolError("the epoch script answered \(answer)") }
            epochs.append((partition, epoch, seq))
        }
        // Redis's values, even if lower: every instance must use the same ones.
        knownEpochs.withLockedValue { known in
            for entry in epochs { known[entry.partition] = entry.epoch }
        }
        purgeHighWater.withLockedValue { high in
            for entry in epochs { high[entry.partition] = max(high[entry.partition], entry.seq) }
        }
        if let node { checkedServers.withLockedValue { $0[node] = runID } }
    }

    /// The keys and arguments of the layout check (one slot: the store-wide tag).
    var layoutKeys: [String] { [names.layoutKey, names.formerEpoch, names.formerPrefixes] }
    var layoutArguments: [ByteBuffer] {
        [ByteBuffer(string: names.layout), ByteBuffer(string: names.name), Self.argument(metaLifetime)]
    }

    /// The check a new connection to `node` runs before it is used: the epochs of the partitions
    /// `node` serves (all of them on a standalone Redis), and the layout if `node` holds its key.
    func refreshEpochs(on node: RedisNode, _ connection: RedisConnection) async throws(RedisError) {
        let address = "\(node.host):\(node.port)"
        guard let map = try await backgroundPool.slotMap() else {
            try await refreshEpochs(
                of: Array(0..<names.partitionCount), on: connection, layout: true, node: address)
            return
        }
        func here(_ key: String) -> Bool {
            guard let owner = map.node(forSlot: HashSlot.slot(of: key)) else { return false }
            return owner.host == node.host && owner.port == node.port
        }
        let owned = (0..<names.partitionCount).filter { here(names.partitionKeys($0).part) }
        // The partitions a node serves change with a reshard: a check stands only for the same map.
        // None owned may be a map not yet told of this node (a promoted replica known from a
        // MOVED to another client): then nothing is remembered, and the next connection checks again.
        try await refreshEpochs(
            of: owned, on: connection, layout: here(names.layoutKey),
            node: owned.isEmpty ? nil : "\(address) \(owned.hashValue)")
    }

    /// ``refreshEpochs(of:on:layout:)`` for `partitions` wherever they are: grouped by the primary
    /// that serves them (one group on a standalone Redis), each group on a connection of `lane`.
    func refreshEpochs(of partitions: [Int], lane: Lane) async throws(RedisError) {
        let client = lane == .hit ? pool : backgroundPool
        var groups: [String: [Int]] = [:]
        if let map = try await client.slotMap() {
            for partition in partitions {
                let owner = map.node(forSlot: HashSlot.slot(of: names.partitionKeys(partition).part))
                groups[owner.map { "\($0.host):\($0.port)" } ?? "", default: []].append(partition)
            }
        } else {
            groups[""] = partitions
        }
        for group in groups.values {
            let connection = try await client.connection(forKey: names.partitionKeys(group[0]).part)
            try await refreshEpochs(of: group, on: connection)
        }
    }

    /// Refuses a store written with another key layout (see ``RedisScripts/layout``).
    func checkLayout() async throws(RedisError) {
        try await ready()
        try await evaluate(RedisScripts.layout, keys: layoutKeys, arguments: layoutArguments)
        layoutChecked.withLockedValue { $0 = true }
    }

    /// Remembers the highest event number seen, to notice a Redis whose numbers went back.
    func noteEvent(_ seq: Int64) {
        eventHighWater.withLockedValue { $0 = max($0, seq) }
    }

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
