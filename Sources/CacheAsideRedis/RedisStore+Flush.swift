import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

extension RedisStore {
    /// Writes this instance's batched counters, events, deadlines and new prefixes to Redis, all
    /// pipelined. What cannot be written stays batched for the next flush.
    ///
    /// The service calls it every ``Configuration/flushInterval``; call it yourself to make the
    /// figures of the last second visible at once (tests do).
    ///
    /// - Throws: the first failure, after keeping what failed for the next flush.
    public func flush() async throws {
        let taken = pending.withLockedValue { $0.take() }
        guard !taken.isEmpty else { return }
        let capacity = configuration.eventCapacity
        let connection: RedisConnection
        do {
            connection = try await pool.connection()
        } catch {
            pending.withLockedValue { $0.restore(taken, capacity: capacity) }
            throw error
        }
        let failed = await withTaskGroup(of: PendingFigures?.self) { group in
            for (prefix, counts) in taken.counts {
                group.addTask {
                    var arguments = [counts.hits, counts.misses, counts.errors].map { ByteBuffer(string: String($0)) }
                    arguments.append(Self.argument(counts.lastUsed))
                    for (route, hits) in counts.entryHits {
                        arguments += [ByteBuffer(string: route), ByteBuffer(string: String(hits))]
                    }
                    let keys = [RedisKeys.meta(prefix), RedisKeys.values(prefix), RedisKeys.hits(prefix)]
                    if (try? await connection.evaluate(RedisScripts.flush, keys: keys, arguments: arguments)) != nil {
                        return nil
                    }
                    var back = PendingFigures()
                    back.counts[prefix] = counts
                    return back
                }
            }
            group.addTask {
                var back = PendingFigures()
                back.unattributedErrors = taken.unattributedErrors
                // Every prefix counted in this flush is (re)registered: SADD of a member already there is a no-op.
                back.seenPrefixes = taken.seenPrefixes.union(taken.counts.keys)
                back.deadlines = taken.deadlines
                return await self.writeStoreWide(back, on: connection) ? nil : back
            }
            if !taken.events.isEmpty {
                group.addTask {
                    if (try? await self.appendEvents(taken.events, on: connection)) != nil { return nil }
                    var back = PendingFigures()
                    back.events = taken.events
                    return back
                }
            }
            var failed = PendingFigures()
            for await part in group {
                if let part { failed.restore(part, capacity: capacity) }
            }
            return failed
        }
        guard !failed.isEmpty else { return }
        pending.withLockedValue { $0.restore(failed, capacity: capacity) }
        throw RedisError.connectionClosed("the flush could not write everything; it will be retried")
    }

    /// Errors outside any prefix, new prefixes, deadlines and the store's creation time, in one pipeline.
    private func writeStoreWide(_ figures: PendingFigures, on connection: RedisConnection) async -> Bool {
        var commands = [RESPCommand("HSETNX", names.info, "created", String(unixMilliseconds()))]
        if figures.unattributedErrors > 0 {
            commands.append(RESPCommand("HINCRBY", names.info, "errors", String(figures.unattributedErrors)))
        }
        let seenPrefixes = figures.seenPrefixes.sorted()
        if !seenPrefixes.isEmpty { commands.append(RESPCommand(strings: ["SADD", names.prefixes] + seenPrefixes)) }
        if !figures.deadlines.isEmpty {
            // LT: a prefix already due earlier keeps its earlier deadline.
            let pairs = figures.deadlines.flatMap { [String($0.value), $0.key] }
            commands.append(RESPCommand(strings: ["ZADD", names.due, "LT"] + pairs))
        }
        guard let answers = try? await connection.pipeline(commands) else { return false }
        return answers.allSatisfy { $0.errorMessage == nil }
    }

    /// Appends events to the shared ring; returns the newest sequence number.
    @discardableResult
    func appendEvents(_ events: [CacheEvent], on connection: RedisConnection? = nil) async throws -> Int64 {
        let encoder = WireFormat.encoder()
        let encoded = try events.map { ByteBuffer(bytes: try encoder.encode($0)) }
        let target: RedisConnection
        if let connection { target = connection } else { target = try await pool.connection() }
        let answer = try await target.evaluate(
            RedisScripts.appendEvents, keys: [names.seq, names.events],
            arguments: [Self.argument(Int64(configuration.eventCapacity))] + encoded)
        guard let newest = answer.int else { throw RedisError.protocolError("append answered \(answer)") }
        return newest
    }

    /// Removes expired entries of the prefixes that are due, counting each expiration once and
    /// emitting its event; whichever instance sweeps a prefix first does the work.
    ///
    /// The service calls it every ``Configuration/flushInterval``. Expired entries are never served
    /// even before they are swept: a lookup checks the deadline.
    public func sweep() async throws {
        let now = unixMilliseconds()
        let batch = configuration.sweepBatchSize
        let connection = try await pool.connection()
        let due = try await connection.execute(
            RESPCommand("ZRANGEBYSCORE", names.due, "-inf", String(now), "LIMIT", "0", String(batch)))
        guard case .array(let prefixes) = due else { throw RedisError.protocolError("due answered \(due)") }
        var updates: [RESPCommand] = []
        var expired: [CacheEvent] = []
        for raw in prefixes.compactMap(\.string) {
            let answer = try await connection.evaluate(
                RedisScripts.sweep, keys: RedisKeys.entryScripts(raw),
                arguments: [Self.argument(now), Self.argument(Int64(batch))])
            guard case .array(let parts) = answer, let next = parts.first?.int else {
                throw RedisError.protocolError("sweep answered \(answer)")
            }
            let prefix = RedisKeys.parse(raw)
            for route in parts.dropFirst().compactMap(\.string) {
                expired.append(event(.expired, prefix: prefix, key: route))
            }
            // A prefix with more expired entries than one batch stays due now.
            updates.append(
                next < 0 ? RESPCommand("ZREM", names.due, raw) : RESPCommand("ZADD", names.due, String(next), raw))
        }
        if !expired.isEmpty {
            let capacity = configuration.eventCapacity
            pending.withLockedValue { pending in
                for event in expired { pending.emit(event, capacity: capacity) }
            }
        }
        _ = try await connection.pipeline(updates)
        try await reclaimIdlePrefixes(on: connection, now: now)
    }

    /// Visits the next batch of `{name}:prefixes` and forgets those that hold nothing and have
    /// not been used for ``Configuration/idlePrefixRetention``; their counters move to the
    /// store-wide retired counters, so totals never go down.
    ///
    /// Forgetting is safe for fencing: a prefix seen again starts in a generation drawn from the
    /// clock, above any generation it had before.
    private func reclaimIdlePrefixes(on connection: RedisConnection, now: Int64) async throws {
        let cursor = reclaimCursor.withLockedValue { $0 }
        let answer = try await connection.execute(
            RESPCommand("SSCAN", names.prefixes, cursor, "COUNT", String(configuration.sweepBatchSize)))
        guard case .array(let parts) = answer, parts.count == 2, let next = parts[0].string,
            case .array(let members) = parts[1]
        else { throw RedisError.protocolError("SSCAN answered \(answer)") }
        reclaimCursor.withLockedValue { $0 = next }
        let cutoff = now - CacheClock.nanoseconds(configuration.idlePrefixRetention) / 1_000_000
        var retired = [Int64](repeating: 0, count: Self.retiredFields.count)
        var forgotten: [String] = []
        for prefix in members.compactMap(\.string) {
            let counters = try await connection.evaluate(
                RedisScripts.reclaim, keys: RedisKeys.entryScripts(prefix), arguments: [Self.argument(cutoff)])
            guard case .array(let values) = counters, values.count == retired.count else { continue }
            forgotten.append(prefix)
            for (index, value) in values.enumerated() { retired[index] += value.int ?? 0 }
        }
        guard !forgotten.isEmpty else { return }
        var commands = [RESPCommand(strings: ["SREM", names.prefixes] + forgotten)]
        for (field, value) in zip(Self.retiredFields, retired) where value > 0 {
            commands.append(RESPCommand("HINCRBY", names.info, "retired:" + field, String(value)))
        }
        _ = try await connection.pipeline(commands)
    }

    /// The counters of forgotten prefixes, kept in `{name}:info` as `retired:<field>`.
    static let retiredFields = [
        "hits", "misses", "sets", "staleSetsRejected", "expirations", "purges", "purgedKeys", "errors",
    ]
}
