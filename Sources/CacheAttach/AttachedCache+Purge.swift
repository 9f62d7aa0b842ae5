import CacheAdminAPI
import CacheAside
import Foundation
import NIOConcurrencyHelpers
import RESP

extension AttachedCache {
    public func purge(user: String?, reason: String?, origin: String?) async throws(CacheAsideError) -> PurgeResult {
        guard let user else {
            throw .invalidPrefix(
                PrefixFormat.prefix(namespace: namespace, user: nil), reason: "an attached cache has no shared prefix")
        }
        return try await purge(prefix(of: user), reason: reason, origin: origin)
    }

    /// Removes exactly the keys of the user `prefix` names: `SCAN MATCH` with the narrowest glob the
    /// pattern allows, then the pattern decides which keys are that user's, so purging `4` never
    /// touches `40`, `4*` or `4_b`, and `4*` purges only a user literally named so. Keys go with
    /// `UNLINK`, 500 at a time.
    ///
    /// - Throws: ``CacheAsideError/notAllowed(_:)`` unless purging is allowed (`--allow-purge`);
    ///   ``CacheAsideError/storeUnavailable(_:)`` when Redis fails, saying how many keys were
    ///   already removed.
    public func purge(_ prefix: CachePrefix, reason: String?, origin: String?) async throws(CacheAsideError)
        -> PurgeResult
    {
        guard let user = prefix.user else {
            throw .invalidPrefix(prefix.rawValue, reason: "an attached cache has no shared prefix")
        }
        let cause = PurgeReason(reason: reason, origin: origin ?? "application", instance: configuration.instance)
        if let problem = cause.problem { throw .invalidReason(problem) }
        guard configuration.allowPurge else {
            throw .notAllowed("purging is disabled: cachemon attach is read-only unless started with --allow-purge")
        }
        let began = ContinuousClock.now
        var removed = 0
        var removedBytes = 0
        do {
            for nodeURL in try await primaryURLs() {
                let connection = try await nodes.connection(to: nodeURL)
                var cursor = "0"
                repeat {
                    let step = try await Self.scanStep(
                        connection, cursor: cursor, match: pattern.scanMatch(user: user), count: 1000)
                    cursor = step.cursor
                    let theirs = keys(step.keys, of: user)
                    for batch in stride(from: 0, to: theirs.count, by: 500) {
                        let chunk = theirs[batch..<min(theirs.count, batch + 500)]
                        // Forget them first, so their `del` notifications are not counted as
                        // removed from outside.
                        removedBytes += state.withLockedValue { state in
                            chunk.reduce(0) { $0 + Int(state.index.remove(AttachIndex.hash($1))?.bytes ?? 0) }
                        }
                        let answers = try await connection.pipeline(chunk.map { RESPCommand("UNLINK", $0) })
                        removed += answers.reduce(0) { $0 + Int($1.int ?? 0) }
                        // Refused (an ACL without UNLINK, a key whose slot moved): say so; the keys
                        // not removed come back with the next scan.
                        if let refusal = answers.lazy.compactMap(\.errorMessage).first {
                            throw RedisError.server("UNLINK: \(refusal)")
                        }
                        let progress = "purging \(user): \(removed) keys removed"
                        state.withLockedValue { $0.status.activity = progress }
                    }
                } while cursor != "0"
            }
        } catch {
            state.withLockedValue { $0.status.activity = nil }
            failed(error, doing: "purge of \(user)")
            throw .storeUnavailable("purge of \(user) failed after removing \(removed) keys: \(error)")
        }
        let elapsed = ContinuousClock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let now = Date()
        let generation = state.withLockedValue { state in
            state.status.activity = nil
            let id = state.index.id(of: user)
            state.index.purged(id, keys: removed, at: now)
            state.listed[user] = nil
            let generation = state.index.figures[Int(id)].purges
            let count = removed
            Self.record(
                {
                    CacheEvent(
                        seq: $0, time: now, kind: .purged, prefix: prefix.rawValue, user: user, count: count,
                        durationSeconds: seconds, generation: generation, reason: cause)
                }, in: &state)
            return generation
        }
        return PurgeResult(
            prefix: prefix.rawValue, user: user, removedKeys: removed, removedBytes: removedBytes,
            generation: generation, durationSeconds: seconds)
    }
}
