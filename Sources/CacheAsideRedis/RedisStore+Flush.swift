import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

extension RedisStore {
    /// Writes this instance's batched counters and events to Redis, all pipelined,
    /// and renews the store-wide keys' expiry. What cannot be written stays batched for the next
    /// flush.
    ///
    /// The service calls it every ``Configuration/flushInterval``; call it yourself to make the
    /// figures of the last second visible at once (tests do).
    ///
    /// - Throws: the first failure, after keeping what failed for the next flush.
    public func flush() async throws {
        guard pending.withLockedValue({ !$0.isEmpty }) else { return }
        try await ready()
        let taken = pending.withLockedValue { $0.take() }
        guard !taken.isEmpty else { return }
        let capacity = configuration.eventCapacity
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
            return (keys: names.scriptKeys(prefix), arguments: arguments)
        }
        // The first failure is what the caller is told; everything that failed is kept.
        var firstFailure: (any Error)?
        var answers: [RESPValue]?
        do {
            answers = try await evaluateAll(RedisScripts.flush, calls: calls)
            // Prefixes with no meta key yet: created where Redis has room.
            let new = answers?.indices.filter { answers?[$0] == .integer(0) } ?? []
            if !new.isEmpty {
                let created = try await evaluateAll(RedisScripts.flushCreating, calls: new.map { calls[$0] })
                for (index, answer) in zip(new, created) { answers?[index] = answer }
            }
        } catch {
            answers = nil
            firstFailure = error
        }
        // Counters of prefixes a full Redis had no room to list: kept in their partitions' totals.
        var unlisted: [Int: CounterValues] = [:]
        var unlistedPrefixes: Set<String> = []
        for (index, prefix) in prefixes.enumerated() {
            guard let answers else {
                failed.counts[prefix] = taken.counts[prefix]
                continue
            }
            guard let message = answers[index].errorMessage else { continue }
            if message.hasPrefix("OOM") {
                unlisted[names.partition(of: prefix), default: CounterValues()].add(
                    taken.counts[prefix]?.counters ?? CounterValues())
                unlistedPrefixes.insert(prefix)
            } else {
                failed.counts[prefix] = taken.counts[prefix]
                firstFailure = firstFailure ?? RedisError.server(message)
            }
        }
        var storeWide = PendingFigures()
        storeWide.unattributedErrors = taken.unattributedErrors
        do {
            try await writeStoreWide(storeWide, unlisted: unlisted)
        } catch {
            failed.restore(storeWide, capacity: capacity)
            for prefix in unlistedPrefixes { failed.counts[prefix] = taken.counts[prefix] }
            firstFailure = firstFailure ?? error
        }
        if !taken.events.isEmpty {
            do {
                try await appendEvents(taken.events)
            } catch {
                failed.events = taken.events
                firstFailure = firstFailure ?? error
            }
        }
        if !taken.routes.isEmpty {
            do {
                try await writeRoutes(taken.routes)
            } catch {
                failed.routes = taken.routes
                firstFailure = firstFailure ?? error
            }
        }
        if !taken.timeline.isEmpty {
            do {
                try await appendTimelines(taken.timeline)
            } catch {
                failed.timeline = taken.timeline
                firstFailure = firstFailure ?? error
            }
        }
        guard let firstFailure else { return }
        pending.withLockedValue { $0.restore(failed, capacity: capacity) }
        throw firstFailure
    }

    /// Errors outside any prefix and the store's creation time, in one script that also renews
    /// the store-wide keys' expiry: they outlive every prefix key, and go by themselves once no
    /// instance has written for ``Configuration/idlePrefixRetention`` plus the backstop. Counters
    /// of prefixes a full Redis could not list go to their partitions' totals.
    private func writeStoreWide(_ figures: PendingFigures, unlisted: [Int: CounterValues]) async throws {
        let others = names.storeWide.filter { $0 != names.info }
        let arguments = [
            Self.argument(unixMilliseconds()), Self.argument(Int64(clamping: figures.unattributedErrors)),
            Self.argument(metaLifetime),
        ]
        try await evaluate(RedisScripts.storeWide, keys: [names.info] + others, arguments: arguments)
        let calls = unlisted.sorted { $0.key < $1.key }.map { partition, counters in
            var pairs: [ByteBuffer] = []
            for counter in CacheCounter.allCases where counters[counter] > 0 {
                pairs += [ByteBuffer(string: counter.rawValue), ByteBuffer(string: String(counters[counter]))]
            }
            return (keys: [names.partitionKeys(partition).totals], arguments: pairs)
        }
        let answers = try await evaluateAll(RedisScripts.addTotals, calls: calls)
        if let message = answers.lazy.compactMap(\.errorMessage).first { throw RedisError.server(message) }
    }

    /// Appends events to the shared ring; returns the newest sequence number.
    @discardableResult
    func appendEvents(_ events: [CacheEvent], on connection: RedisConnection? = nil) async throws -> Int64 {
        let encoder = WireFormat.encoder()
        let encoded = try events.map { ByteBuffer(bytes: try encoder.encode($0)) }
        let keys = [names.seq, names.events]
        let arguments = [Self.argument(Int64(configuration.eventCapacity)), Self.argument(metaLifetime)] + encoded
        let answer: RESPValue
        if let connection {
            answer = try await connection.evaluate(RedisScripts.appendEvents, keys: keys, arguments: arguments)
        } else {
            answer = try await evaluate(RedisScripts.appendEvents, keys: keys, arguments: arguments)
        }
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
        try await ready()
        let started = ContinuousClock.now
        let batch = configuration.sweepBatchSize
        // One Redis has one partition: a round lists as many due prefixes as 16 partitions would.
        let perPartition = names.partitionCount == 1 ? batch * 16 : batch
        let partitions = Array(0..<names.partitionCount)
        try await checkLayout()
        try await refreshEpochs(of: partitions, lane: .background)
        var expired: [CacheEvent] = []
        defer {
            if !expired.isEmpty {
                let capacity = configuration.eventCapacity
                pending.withLockedValue { pending in
                    for event in expired { pending.emit(event, capacity: capacity) }
                }
            }
        }
        // Each instance starts at another partition, so concurrent sweeps spread.
        let first = sweepStart.withLockedValue { start in
            start %= partitions.count
            defer { start = (start + 1) % partitions.count }
            return start
        }
        let order = Array(partitions[first...] + partitions[..<first])
        let dueKeys = order.map { names.partitionKeys($0).due }
        // At least one round, however long connecting took.
        repeat {
            let now = try await redisMilliseconds()
            let (due, fullBatch) = try await members(of: dueKeys, upTo: now, limit: perPartition)
            guard !due.isEmpty else { break }
            let answers = try await evaluateAll(
                RedisScripts.sweep,
                calls: due.map {
                    (keys: names.scriptKeys($0), arguments: prefixArguments($0) + [Self.argument(Int64(batch))])
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
                _ = try await pipeline(
                    refused.map { raw in
                        let key = names.partitionKeys(names.partition(of: raw)).due
                        return (key, RESPCommand("ZADD", key, later, raw))
                    })
            }
            if !moreDue && !fullBatch { break }
        } while started.duration(to: .now) < configuration.sweepBudget
        try await countExpiringSoon(order: order, perPartition: perPartition, started: started)
        try await reclaimIdlePrefixes()
    }

    /// Recounts what expires soon in the prefixes whose next uncounted deadline came within the
    /// horizon (each partition's `soon` set), in rounds like the sweep's, within what is left of
    /// ``Configuration/sweepBudget`` (at least one round).
    private func countExpiringSoon(order: [Int], perPartition: Int, started: ContinuousClock.Instant) async throws {
        let horizon = Self.milliseconds(configuration.expiringSoonHorizon)
        let soonKeys = order.map { names.partitionKeys($0).soon }
        repeat {
            let now = try await redisMilliseconds()
            let (entering, fullBatch) = try await members(of: soonKeys, upTo: now + horizon, limit: perPartition)
            guard !entering.isEmpty else { return }
            let answers = try await evaluateAll(
                RedisScripts.soon,
                calls: entering.map {
                    (keys: names.scriptKeys($0), arguments: prefixArguments($0) + [Self.argument(horizon)])
                })
            // A prefix this store may not recount (an ACL, a key of another type) must not stop the
            // others: it is tried again a minute later.
            let refused = zip(entering, answers).filter { $0.1.int == nil }.map(\.0)
            if !refused.isEmpty {
                let later = String(now + 60_000 + horizon)
                _ = try await pipeline(
                    refused.map { raw in
                        let key = names.partitionKeys(names.partition(of: raw)).soon
                        return (key, RESPCommand("ZADD", key, later, raw))
                    })
            }
            if !fullBatch { return }
        } while started.duration(to: .now) < configuration.sweepBudget
    }

    /// The members of the sorted sets `keys` (each partition's `due` or `soon`) with a score up to
    /// `score`, at most `limit` of each, in one pipeline; and whether one of them had more.
    private func members(of keys: [String], upTo score: Int64, limit: Int) async throws
        -> (members: [String], fullBatch: Bool)
    {
        let listed = try await pipeline(
            keys.map { key in
                (key, RESPCommand("ZRANGEBYSCORE", key, "-inf", String(score), "LIMIT", "0", String(limit)))
            })
        var found: [String] = []
        var fullBatch = false
        for (key, answer) in zip(keys, listed) {
            if let message = answer.errorMessage { throw RedisError.server(message) }
            guard case .array(let members) = answer else {
                throw RedisError.protocolError("\(key) answered \(answer)")
            }
            found += members.compactMap(\.string)
            fullBatch = fullBatch || members.count >= limit
        }
        return (found, fullBatch)
    }

    /// The store's time in milliseconds, as the scripts see it: Redis's (see ``timeArgument()``).
    func redisMilliseconds() async throws -> Int64 {
        if let testTime = testClockMilliseconds() { return testTime }
        let answer = try await execute(RESPCommand("TIME"))
        return try Self.redisTime(of: answer)
    }

    /// Redis's own clock (`TIME`) in Unix milliseconds.
    static func redisTime(on connection: RedisConnection) async throws(RedisError) -> Int64 {
        let answer = try await connection.execute(RESPCommand("TIME"))
        return try redisTime(of: answer)
    }

    /// Reads a `TIME` answer in Unix milliseconds.
    static func redisTime(of answer: RESPValue) throws(RedisError) -> Int64 {
        guard case .array(let parts) = answer, parts.count == 2, let seconds = parts[0].int,
            let microseconds = parts[1].int
        else { throw .protocolError("TIME answered \(answer)") }
        return seconds * 1000 + microseconds / 1000
    }

    /// Visits the next batch of prefixes of one partition's `by:user` (a partition after the
    /// other, round robin) and forgets those that hold nothing and have not been used for
    /// ``Configuration/idlePrefixRetention``; their counters stay in the partition's totals, so
    /// totals never go down.
    ///
    /// Forgetting is safe for fencing: a prefix seen again starts in a generation drawn from
    /// Redis's clock, above any generation it had before.
    private func reclaimIdlePrefixes() async throws {
        let batch = configuration.sweepBatchSize
        var candidates: [String] = []
        // Partitions in turn from where the last sweep stopped, until a batch of candidates is
        // found or every partition was read once.
        for _ in 0..<names.partitionCount where candidates.count < batch {
            let cursor = reclaimCursor.withLockedValue { $0 }
            let wanted = batch - candidates.count
            let byUser = names.partitionKeys(cursor.partition).byUser
            let answer = try await pipeline([
                (byUser, RESPCommand("ZRANGE", byUser, String(cursor.rank), String(cursor.rank + wanted - 1)))
            ])[0]
            if let message = answer.errorMessage { throw RedisError.server(message) }
            guard case .array(let members) = answer else {
                throw RedisError.protocolError("ZRANGE answered \(answer)")
            }
            candidates += members.compactMap(\.string).map(RedisKeys.prefix(ofUserMember:))
            reclaimCursor.withLockedValue { next in
                next =
                    members.count < wanted
                    ? ((cursor.partition + 1) % names.partitionCount, 0)
                    : (cursor.partition, cursor.rank + wanted)
            }
        }
        let retention = Self.argument(Self.milliseconds(configuration.idlePrefixRetention))
        let answers = try await evaluateAll(
            RedisScripts.reclaim,
            calls: candidates.map { (keys: names.scriptKeys($0), arguments: prefixArguments($0) + [retention]) })
        if let message = answers.lazy.compactMap(\.errorMessage).first { throw RedisError.server(message) }
    }

    /// Every counter from its value in `values`, in the order of `CacheCounter.allCases`; a missing
    /// or negative one is zero.
    static func counters(_ values: some Sequence<Int64?>) -> CounterValues {
        var result = CounterValues()
        for (counter, value) in zip(CacheCounter.allCases, values) { result[counter] = UInt64(max(0, value ?? 0)) }
        return result
    }
}
