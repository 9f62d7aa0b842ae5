import CacheAdminAPI
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

extension AttachedCache {
    /// Scans the whole keyspace again and again: each pass updates every key it finds, then
    /// forgets the keys it did not find (gone since: expired, deleted or evicted).
    func scanForever() async {
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                try await scanOnce()
                delay = .milliseconds(200)
                try await Task.sleep(for: configuration.rescanInterval)
            } catch {
                if Task.isCancelled { return }
                failed(error, doing: "scan")
                state.withLockedValue { $0.status.scanning = false }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// One pass over every primary.
    func scanOnce() async throws {
        let urls = try await primaryURLs()
        var redisKeys = 0
        for nodeURL in urls {
            let connection = try await nodes.connection(to: nodeURL)
            redisKeys += Int(try await connection.execute(RESPCommand("DBSIZE")).int ?? 0)
        }
        let pass = state.withLockedValue { state in
            state.status.scanning = true
            state.status.scannedKeys = 0
            state.unmatched = 0
            state.status.redisKeys = redisKeys
            if urls.count > 1 {
                state.status.redis = "a Redis Cluster of \(urls.count) primaries via \(url.host):\(url.port)"
            }
            return state.pass
        }
        // Measure every key of a small keyspace; one in `stride` of a large one.
        let stride = max(1, redisKeys / max(1, configuration.measuredKeysPerPass))
        var seen = 0
        for nodeURL in urls {
            let connection = try await nodes.connection(to: nodeURL)
            var cursor = "0"
            repeat {
                try Task.checkCancellation()
                let began = ContinuousClock.now
                let step = try await Self.scanStep(
                    connection, cursor: cursor, match: pattern.scanMatch, count: configuration.scanCount)
                cursor = step.cursor
                let keys = step.keys
                let matched = keys.compactMap { key in pattern.match(key).map { (key: key, user: $0.user) } }
                var measured: [Bool] = []
                var commands: [RESPCommand] = []
                for (offset, entry) in matched.enumerated() {
                    commands.append(RESPCommand("PTTL", entry.key))
                    let measure = (seen + offset) % stride == 0
                    measured.append(measure)
                    if measure { commands.append(RESPCommand("MEMORY", "USAGE", entry.key, "SAMPLES", "0")) }
                }
                expectOwn(matched.count)
                // Deadlines count from before the question: never later than Redis's own.
                let asked = Date()
                let answers = commands.isEmpty ? [] : try await connection.pipeline(commands)
                // A refusal (an ACL, a node that lost its slots) must not end the pass: keys it
                // did not look at would be taken for gone.
                if let refusal = answers.lazy.compactMap(\.errorMessage).first {
                    throw RedisError.server("scan: \(refusal)")
                }
                var position = 0
                state.withLockedValue { state in
                    for (offset, entry) in matched.enumerated() {
                        let ttl = answers[position].int
                        let hash = AttachIndex.hash(entry.key)
                        Self.countOwn(pttl: [(hash, ttl)], in: &state)
                        position += 1
                        var bytes: Int?
                        if measured[offset] {
                            bytes = answers[position].int.map(Int.init)
                            position += 1
                        }
                        // -2: gone between SCAN and PTTL.
                        guard let ttl, ttl != -2 else { continue }
                        state.index.observe(
                            hash, user: entry.user, bytes: bytes,
                            ttlMilliseconds: ttl, pass: pass, now: asked)
                    }
                    state.status.scannedKeys += keys.count
                    state.unmatched += keys.count - matched.count
                }
                seen += matched.count
                // Pace: the batch's round trips are at most `scanShare` of the time.
                let busy = ContinuousClock.now - began
                let share = min(1, max(0.001, configuration.scanShare))
                if share < 1 { try await Task.sleep(for: busy * ((1 - share) / share)) }
            } while cursor != "0"
        }
        let now = Date()
        state.withLockedValue { state in
            let gone = state.index.endPass(pass, now: now)
            Self.recordGone(gone, heardLate: true, in: &state, now: now)
            state.pass += 1
            state.status.passes += 1
            state.status.scanning = false
            state.status.scannedKeys = 0
        }
    }

    /// Counts and records keys found gone, per user: expired ones as expirations, the others as
    /// removed from outside (deleted by the application, or evicted).
    static func recordGone(
        _ gone: [(user: UInt32, count: Int, expired: Bool)], heardLate: Bool, in state: inout State, now: Date
    ) {
        for (id, count, expired) in gone {
            let user = state.index.users[Int(id)]
            let prefix = PrefixFormat.prefix(namespace: state.namespace, user: user)
            if expired {
                state.index.count(.expirations, of: id, by: UInt64(count))
                record(
                    { CacheEvent(seq: $0, time: now, kind: .expired, prefix: prefix, user: user, count: count) },
                    in: &state)
            } else {
                state.index.purged(id, keys: count, at: now)
                let generation = state.index.figures[Int(id)].purges
                let reason = PurgeReason(
                    reason: heardLate ? "gone between two scans (deleted or evicted)" : "deleted",
                    origin: "outside cachemon")
                record(
                    {
                        CacheEvent(
                            seq: $0, time: now, kind: .purged, prefix: prefix, user: user, count: count,
                            generation: generation, reason: reason)
                    }, in: &state)
            }
        }
    }
}
