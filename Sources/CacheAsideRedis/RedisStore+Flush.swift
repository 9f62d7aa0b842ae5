import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

extension RedisStore {
    /// Writes this instance's batched counters, events and new prefixes to Redis, all pipelined,
    /// and renews the store-wide keys' expiry. What cannot be written stays batched for the next
    /// flush.
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
            connection = try await backgroundPool.connection()
        } catch {
            pending.withLockedValue { $0.restore(taken, capacity: capacity) }
            throw error
        }
        // Three round trips: the per-prefix counters (one script each, pipelined), the store-wide
        // figures, the events. What fails goes back to be written by the next flush.
        var failed = PendingFigures()
        let prefixes = Array(taken.counts.keys)
        let calls = prefixes.map { prefix in
            let counts = taken.counts[prefix] ?? PendingFigures.Counts()
            // By name: the script adds each counter to the field of the same name.
            let counted = CacheCounter.allCases.filter { counts.counters[$0] > 0 }
            let idle = max(0, (clock.now() - counts.lastUsed) / 1_000_000)
            var arguments = [
                timeArgument(), Self.argument(metaLifetime), Self.argument(idle), Self.argument(Int64(counted.count)),
            ]
            for counter in counted {
                arguments += [
                    ByteBuffer(string: counter.rawValue), ByteBuffer(string: String(counts.counters[counter])),
                ]
            }
            for (route, hits) in counts.entryHits {
                arguments += [ByteBuffer(string: route), ByteBuffer(string: String(hits))]
            }
            return (
                keys: [RedisKeys.meta(prefix), RedisKeys.values(prefix), RedisKeys.hits(prefix)], arguments: arguments
            )
        }
        // The first failure is what the caller is told; everything that failed is kept.
        var firstFailure: (any Error)?
        var answers: [RESPValue]?
        do {
            answers = try await connection.evaluateAll(RedisScripts.flush, calls: calls)
            // Prefixes with no meta key yet: created where Redis has room.
            let new = answers?.indices.filter { answers?[$0] == .integer(0) } ?? []
            if !new.isEmpty {
                let created = try await connection.evaluateAll(
                    RedisScripts.flushCreating, calls: new.map { calls[$0] })
                for (index, answer) in zip(new, created) { answers?[index] = answer }
            }
        } catch {
            answers = nil
            firstFailure = error
        }
        // Counters of prefixes a full Redis had no room to list: kept in the store-wide totals.
        var unlisted = CounterValues()
        var unlistedPrefixes: Set<String> = []
        for (index, prefix) in prefixes.enumerated() {
            guard let answers else {
                failed.counts[prefix] = taken.counts[prefix]
                continue
            }
            guard let message = answers[index].errorMessage else { continue }
            if message.hasPrefix("OOM") {
                unlisted.add(taken.counts[prefix]?.counters ?? CounterValues())
                unlistedPrefixes.insert(prefix)
            } else {
                failed.counts[prefix] = taken.counts[prefix]
                firstFailure = firstFailure ?? RedisError.server(message)
            }
        }
        var storeWide = PendingFigures()
        storeWide.unattributedErrors = taken.unattributedErrors
        // Every prefix counted in this flush is (re)listed: SADD of a member already there is a no-op.
        storeWide.seenPrefixes = taken.seenPrefixes.union(taken.counts.keys).subtracting(unlistedPrefixes)
        do {
            try await writeStoreWide(storeWide, unlisted: unlisted, on: connection)
        } catch {
            failed.restore(storeWide, capacity: capacity)
            for prefix in unlistedPrefixes { failed.counts[prefix] = taken.counts[prefix] }
            firstFailure = firstFailure ?? error
        }
        if !taken.events.isEmpty {
            do {
                try await appendEvents(taken.events, on: connection)
            } catch {
                failed.events = taken.events
                firstFailure = firstFailure ?? error
            }
        }
        guard let firstFailure else { return }
        pending.withLockedValue { $0.restore(failed, capacity: capacity) }
        throw firstFailure
    }

    /// Errors outside any prefix, new prefixes and the store's creation time, in one script that
    /// also renews the store-wide keys' expiry: they outlive every prefix key, and go by themselves
    /// once no instance has written for ``Configuration/idlePrefixRetention`` plus the backstop.
    private func writeStoreWide(
        _ figures: PendingFigures, unlisted: CounterValues, on connection: RedisConnection
    ) async throws {
        let others = names.storeWide.filter { $0 != names.info && $0 != names.prefixes }
        let counted = CacheCounter.allCases.filter { unlisted[$0] > 0 }
        var arguments = [
            Self.argument(unixMilliseconds()), Self.argument(Int64(clamping: figures.unattributedErrors)),
            Self.argument(metaLifetime), Self.argument(Int64(counted.count)),
        ]
        for counter in counted {
            arguments += [ByteBuffer(string: counter.rawValue), ByteBuffer(string: String(unlisted[counter]))]
        }
        arguments += figures.seenPrefixes.sorted().map { ByteBuffer(string: $0) }
        _ = try await connection.evaluate(
            RedisScripts.storeWide, keys: [names.info, names.prefixes] + others, arguments: arguments)
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
            arguments: [Self.argument(Int64(configuration.eventCapacity)), Self.argument(metaLifetime)] + encoded)
        guard let newest = answer.int else { throw RedisError.protocolError("append answered \(answer)") }
        noteEvent(newest)
        return newest
    }

    /// Checks the store epoch, then removes expired entries of the prefixes that are due, counting
    /// each expiration once and emitting its event (whichever instance sweeps a prefix first does
    /// the work), then forgets a batch of idle prefixes.
    ///
    /// Works in rounds of ``Configuration/sweepBatchSize`` prefixes, each script removing at most
    /// that many entries, so Redis is never blocked for long; it stops after
    /// ``Configuration/sweepBudget`` and leaves the rest for the next flush interval. The service
    /// calls it every ``Configuration/flushInterval``. Expired entries are never served even before
    /// they are swept: a lookup checks the deadline.
    public func sweep() async throws {
        let started = ContinuousClock.now
        let batch = configuration.sweepBatchSize
        let connection = try await backgroundPool.connection()
        try await refreshEpoch(on: connection)
        var expired: [CacheEvent] = []
        defer {
            if !expired.isEmpty {
                let capacity = configuration.eventCapacity
                pending.withLockedValue { pending in
                    for event in expired { pending.emit(event, capacity: capacity) }
                }
            }
        }
        // At least one round, however long connecting took.
        repeat {
            let now = try await redisMilliseconds(on: connection)
            let answer = try await connection.execute(
                RESPCommand("ZRANGEBYSCORE", names.due, "-inf", String(now), "LIMIT", "0", String(batch)))
            guard case .array(let listed) = answer else { throw RedisError.protocolError("due answered \(answer)") }
            let due = listed.compactMap(\.string)
            guard !due.isEmpty else { break }
            let answers = try await connection.evaluateAll(
                RedisScripts.sweep,
                calls: due.map {
                    (
                        keys: RedisKeys.prefixKeys($0) + [names.due],
                        arguments: prefixArguments() + [Self.argument(Int64(batch)), ByteBuffer(string: $0)]
                    )
                })
            var moreDue = false
            var refused: [String] = []
            for (raw, answer) in zip(due, answers) {
                guard case .array(let parts) = answer, let more = parts.first?.int else {
                    // One prefix this store may not sweep (an ACL, a key of another type) must
                    // not stop the others: it is tried again a minute later.
                    refused.append(raw)
                    continue
                }
                moreDue = moreDue || more == 1
                let prefix = RedisKeys.parse(raw)
                for route in parts.dropFirst().compactMap(\.string) {
                    expired.append(event(.expired, prefix: prefix, key: route))
                }
            }
            if !refused.isEmpty {
                let later = String(now + 60_000)
                _ = try await connection.pipeline(refused.map { RESPCommand("ZADD", names.due, later, $0) })
            }
            if !moreDue && due.count < batch { break }
        } while started.duration(to: .now) < configuration.sweepBudget
        try await reclaimIdlePrefixes(on: connection)
    }

    /// The store's time in milliseconds, as the scripts see it: Redis's (see ``timeArgument()``).
    func redisMilliseconds(on connection: RedisConnection) async throws -> Int64 {
        if let testTime = testClockMilliseconds() { return testTime }
        return try await Self.redisTime(on: connection)
    }

    /// Redis's own clock (`TIME`) in Unix milliseconds.
    static func redisTime(on connection: RedisConnection) async throws(RedisError) -> Int64 {
        let answer = try await connection.execute(RESPCommand("TIME"))
        guard case .array(let parts) = answer, parts.count == 2, let seconds = parts[0].int,
            let microseconds = parts[1].int
        else { throw .protocolError("TIME answered \(answer)") }
        return seconds * 1000 + microseconds / 1000
    }

    /// Visits the next batch of `{name}:prefixes` and forgets those that hold nothing and have
    /// not been used for ``Configuration/idlePrefixRetention``; each one's counters move to the
    /// store-wide retired counters in the same script, so totals never go down.
    ///
    /// Forgetting is safe for fencing: a prefix seen again starts in a generation drawn from
    /// Redis's clock, above any generation it had before.
    private func reclaimIdlePrefixes(on connection: RedisConnection) async throws {
        let cursor = reclaimCursor.withLockedValue { $0 }
        let answer = try await connection.execute(
            RESPCommand("SSCAN", names.prefixes, cursor, "COUNT", String(configuration.sweepBatchSize)))
        guard case .array(let parts) = answer, parts.count == 2, let next = parts[0].string,
            case .array(let members) = parts[1]
        else { throw RedisError.protocolError("SSCAN answered \(answer)") }
        reclaimCursor.withLockedValue { $0 = next }
        let candidates = members.compactMap(\.string)
        let fields = CacheCounter.allCases.map { ByteBuffer(string: $0.rawValue) }
        let retention = Self.argument(Self.milliseconds(configuration.idlePrefixRetention))
        let answers = try await connection.evaluateAll(
            RedisScripts.reclaim,
            calls: candidates.map {
                (
                    keys: RedisKeys.prefixKeys($0) + [names.info, names.prefixes],
                    arguments: prefixArguments() + [retention, ByteBuffer(string: $0)] + fields
                )
            })
        if let message = answers.lazy.compactMap(\.errorMessage).first { throw RedisError.server(message) }
    }

    /// The field of `{name}:info` that keeps a counter of forgotten prefixes: `retired:<name>`.
    static func retiredField(_ counter: CacheCounter) -> String { "retired:" + counter.rawValue }

    /// Reads the answer to an `HMGET` of `counters`' fields, by name; a missing field is zero.
    static func counters(_ counters: [CacheCounter], _ values: [RESPValue]) -> CounterValues {
        var result = CounterValues()
        for (counter, value) in zip(counters, values) { result[counter] = UInt64(max(0, value.int ?? 0)) }
        return result
    }
}
