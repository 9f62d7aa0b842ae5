import CacheAside
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

extension RedisStore {
    public func timeline(of prefix: CachePrefix, limit: Int) async throws -> [CacheEvent]? {
        try await ready()
        let answer = try await evaluate(
            RedisScripts.readTimeline, keys: [names.timeline(prefix.rawValue), names.meta(prefix.rawValue)],
            arguments: [Self.argument(Int64(limit))])
        guard case .array(let parts) = answer, let known = parts.first?.int else {
            throw RedisError.protocolError("timeline answered \(answer)")
        }
        guard known == 1 else { return nil }
        let decoder = WireFormat.decoder()
        // An entry this release cannot read (written by another one) is left out, not fatal.
        let events = parts.dropFirst().compactMap { part -> CacheEvent? in
            guard case .bulkString(let buffer) = part else { return nil }
            return try? decoder.decode(CacheEvent.self, from: Data(buffer.readableBytesView))
        }
        // Instances append with their flushes, so the list is in arrival order: newest first by
        // time, arrival order breaking ties.
        return events.enumerated().sorted { left, right in
            left.element.time != right.element.time
                ? left.element.time > right.element.time : left.offset > right.offset
        }.map(\.element)
    }

    public func value(of key: CacheKey) async throws -> [UInt8]? {
        try await ready()
        let keys = names.prefixKeys(key.prefix.rawValue)
        let answer = try await evaluate(
            RedisScripts.peek, keys: [keys[1], keys[2]], arguments: [timeArgument(), ByteBuffer(string: key.route)])
        guard case .bulkString(let buffer) = answer else { return nil }
        return Array(buffer: buffer)
    }

    public func recordVerification(
        of prefix: CachePrefix, route: String?, verified: Int, stale: Int, event: CacheEvent?
    ) {
        let now = clock.now()
        pending.withLockedValue { pending in
            if let route {
                pending.routes[route, default: RouteFigures()].verifications += UInt64(verified)
                pending.routes[route, default: RouteFigures()].staleVerifications += UInt64(stale)
            }
            var counted = CounterValues()
            counted[.verifications] = UInt64(verified)
            counted[.staleVerifications] = UInt64(stale)
            pending.add(counted, to: prefix.rawValue, at: now)
            if let event { pending.emit(event, capacity: configuration.eventCapacity) }
        }
    }

    /// Appends events to their prefixes' timelines, one script per prefix, pipelined.
    func appendTimelines(_ events: [CacheEvent]) async throws {
        var byPrefix: [String: [CacheEvent]] = [:]
        for event in events {
            guard let prefix = event.prefix else { continue }
            byPrefix[prefix, default: []].append(event)
        }
        guard !byPrefix.isEmpty else { return }
        let encoder = WireFormat.encoder()
        let length = Self.argument(Int64(configuration.timelineLength))
        let lifetime = Self.argument(Self.milliseconds(configuration.timelineLifetime))
        let calls = try byPrefix.map { prefix, events in
            let encoded = try events.suffix(configuration.timelineLength).map {
                ByteBuffer(bytes: try encoder.encode($0))
            }
            return (keys: [names.timeline(prefix)], arguments: [length, lifetime] + encoded)
        }
        let answers = try await evaluateAll(RedisScripts.appendTimeline, calls: calls)
        // A full Redis refuses them: they are dropped (a timeline is worth less than room for entries).
        if let message = answers.lazy.compactMap(\.errorMessage).first(where: { !$0.hasPrefix("OOM") }) {
            throw RedisError.server(message)
        }
    }
}
