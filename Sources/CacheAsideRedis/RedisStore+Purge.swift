import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

/// Purges: on the prefix's primary, with near copies dropped around them, confirmed by replicas
/// when there are some, and their event written at once.
extension RedisStore {
    public func purge(_ prefix: CachePrefix, reason: PurgeReason) async throws -> PurgeResult {
        try await ready()
        // This instance's own copies go at once, before (voiding fills in flight) and after (any
        // filled meanwhile); other instances' go when Redis's invalidation reaches them.
        near.invalidate(prefix: prefix.rawValue)
        defer { near.invalidate(prefix: prefix.rawValue) }
        let heard = near.heardCount(prefix.rawValue)
        let started = ContinuousClock.now
        // On a cluster a purge runs on a connection to its prefix's primary, outside the client's
        // routing: after a failover or a reshard it may be told MOVED (the map is corrected, and
        // the purge goes to the new owner at once), or, while its slot is moving, ASK or TRYAGAIN
        // (it waits, 10 ms doubling, until the slot has moved); at most 8 tries within four command
        // timeouts.
        let deadline = ContinuousClock.now + configuration.commandTimeout * 4
        var delay = Duration.milliseconds(10)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let result = try await purgeOnPrimary(prefix, reason: reason, started: started)
                // Until Redis's invalidation reaches this instance too (sent to every instance at
                // once), bounded: the other instances' near caches hear of it as soon as they can.
                await near.awaitInvalidation(of: prefix.rawValue, since: heard, within: Self.nearEchoWait)
                return result
            } catch {
                guard case .server(let message) = error as? RedisError, attempt < 8 else { throw error }
                let moved = backgroundPool.learn(fromError: message) && message.hasPrefix("MOVED")
                let moving = ["ASK ", "TRYAGAIN", "CLUSTERDOWN"].contains { message.hasPrefix($0) }
                guard moved || moving, ContinuousClock.now + delay < deadline else { throw error }
                if moving {
                    try await Task.sleep(for: delay)
                    delay *= 2
                }
            }
        }
    }

    private func purgeOnPrimary(
        _ prefix: CachePrefix, reason: PurgeReason, started: ContinuousClock.Instant
    ) async throws -> PurgeResult {
        // The connection of the primary that holds the prefix (on a cluster, its slot's).
        let slotKey = names.scriptKeys(prefix.rawValue)[0]
        let shared = try await backgroundPool.connection(forKey: slotKey)
        let replicas = configuration.purgeReplicas > 0 ? try await replicaCount(on: shared) : 0
        guard replicas > 0 else {
            return try await purge(prefix, reason: reason, on: shared, replicas: 0, started: started)
        }
        // WAIT blocks the connection it is sent on: a purge that waits for replicas gets a
        // connection of its own, so flushes, sweeps and other purges are not held up behind it.
        let own = try await RedisConnection.connect(
            to: backgroundPool.url(forKey: slotKey), options: backgroundPool.options)
        do {
            try await refreshEpochs(of: [names.partition(of: prefix.rawValue)], on: own)
            let result = try await purge(prefix, reason: reason, on: own, replicas: replicas, started: started)
            await own.close()
            return result
        } catch {
            await own.close()
            throw error
        }
    }

    private func purge(
        _ prefix: CachePrefix, reason: PurgeReason, on connection: RedisConnection, replicas: Int,
        started: ContinuousClock.Instant
    ) async throws -> PurgeResult {
        // The connection is the purge's own when it waits for replicas: WAIT counts its writes.
        let keys = names.scriptKeys(prefix.rawValue)
        let partition = names.partition(of: prefix.rawValue)
        var answer = try await connection.evaluate(
            RedisScripts.purge, keys: keys, arguments: prefixArguments(prefix.rawValue) + [Self.argument(metaLifetime)])
        if case .array(let parts) = answer, parts.count == 4, parts[3].int == 1 {
            try await refreshEpochs(of: [partition], on: connection)
            answer = try await connection.evaluate(
                RedisScripts.purge, keys: keys,
                arguments: prefixArguments(prefix.rawValue) + [Self.argument(metaLifetime)])
        }
        guard case .array(let parts) = answer, parts.count == 4, let removed = parts[0].int,
            let bytes = parts[1].int, let generation = parts[2].int, parts[3].int == 0
        else { throw RedisError.protocolError("purge answered \(answer)") }
        // This instance's own purge: a Redis whose count for the partition is lower went back.
        purgeHighWater.withLockedValue { $0[partition] += 1 }
        if replicas > 0 { try await confirmReplicated(prefix, replicas: replicas, on: connection) }
        let elapsed = started.duration(to: .now)
        let seconds = Double(CacheClock.nanoseconds(elapsed)) / 1e9
        // The purge is done; its event is written now, or with the next flush if that fails.
        let purged = event(
            .purged, prefix: prefix, count: Int(removed), duration: seconds, generation: UInt64(clamping: generation),
            reason: reason)
        var written = (ring: false, timeline: false)
        // The prefix's events this instance has not written yet go first, so its timeline keeps
        // their order.
        let earlier = pending.withLockedValue { $0.takeTimeline(of: prefix.rawValue) }
        do {
            _ = try await appendEvents([purged])
            written.ring = true
            try await appendTimelines(earlier + [purged])
            written.timeline = true
        } catch {
            pending.withLockedValue { pending in
                if !written.timeline {
                    for event in earlier { pending.emit(event, capacity: configuration.eventCapacity, ring: false) }
                }
                pending.emit(
                    purged, capacity: configuration.eventCapacity, ring: !written.ring, timeline: !written.timeline)
            }
        }
        return PurgeResult(
            prefix: prefix.rawValue, user: prefix.user, removedKeys: Int(removed), removedBytes: Int(bytes),
            generation: UInt64(clamping: generation), durationSeconds: seconds)
    }
}
