import CacheAdminAPI
import CacheAside
import Foundation
import NIOConcurrencyHelpers
import RESP

extension AttachedCache {
    /// Totals and one page of users, from the index; the hits and misses of the totals are the
    /// server's own (`INFO stats`, since attach started), for the whole server.
    public func stats(_ query: StatsQuery) async throws(CacheAsideError) -> StatsSnapshot {
        do {
            try query.validate()
        } catch {
            throw .invalidQuery(error.description)
        }
        let now = Date()
        let horizon = Double(configuration.expiringHorizon.components.seconds)
        return state.withLockedValue { state in
            if state.expiring.map({ now.timeIntervalSince($0.at) > 1 || $0.counts.count != state.index.users.count })
                ?? true
            {
                state.expiring = (now, state.index.expiringSoon(now: now, horizon: horizon))
            }
            let expiring = state.expiring?.counts ?? []
            var totals = CacheTotals()
            var prefixes: [PrefixStats] = []
            for (id, user) in state.index.users.enumerated() {
                let figures = state.index.figures[id]
                totals.counters.add(figures.counters)
                totals.keys += figures.keys
                totals.bytes += figures.bytes
                totals.expiringSoon += expiring[id]
                guard figures.keys > 0 || figures.counters != CounterValues() else { continue }
                prefixes.append(
                    PrefixStats(
                        prefix: PrefixFormat.prefix(namespace: namespace, user: user), user: user, keys: figures.keys,
                        bytes: figures.bytes, counters: figures.counters, expiringSoon: expiring[id],
                        lastPurgeAt: figures.lastPurgeAt, generation: figures.purges))
            }
            if state.redisBaseline != nil {
                let lookups = Self.applicationLookups(&state)
                totals.counters[.hits] = lookups.hits
                totals.counters[.misses] = lookups.misses
            }
            totals.counters[.errors] = state.storeErrors
            let (page, matching, offset) = PrefixPage.select(prefixes, query: query)
            var answered = query
            answered.offset = offset
            var status = state.status
            status.otherKeys =
                status.passes > 0 ? max(0, status.redisKeys - state.index.entries.count) : state.unmatched
            return StatsSnapshot(
                serverTime: now, uptimeSeconds: now.timeIntervalSince(started), backend: "attach",
                instance: configuration.instance, namespace: namespace, totals: totals, prefixCount: matching,
                query: answered, prefixes: page, attach: status)
        }
    }

    /// The keys of the user `prefix` names, found by `SCAN` (listed again at most every 5 s) and
    /// each looked up now; `nil` for a user never seen.
    public func keys(in prefix: CachePrefix, limit: Int, offset: Int) async throws(CacheAsideError) -> [KeyInfo]? {
        do {
            try StatsQuery(limit: limit, offset: offset).validate()
        } catch {
            throw .invalidQuery(error.description)
        }
        guard let user = prefix.user else { return nil }
        let now = Date()
        let cached: (known: Bool, keys: [String]?) = state.withLockedValue { state in
            let known = state.index.existingID(of: user) != nil
            guard let listed = state.listed[user], now.timeIntervalSince(listed.at) < 5 else { return (known, nil) }
            return (known, listed.keys)
        }
        guard cached.known else { return nil }
        let names: [String]
        do {
            if let keys = cached.keys {
                names = keys
            } else {
                names = try await keys(of: user).sorted()
                state.withLockedValue { state in
                    state.listed = state.listed.filter { now.timeIntervalSince($0.value.at) < 5 }
                    state.listed[user] = (now, names)
                }
            }
            let page = Array(names.dropFirst(offset).prefix(limit))
            guard !page.isEmpty else { return [] }
            var commands: [(key: String?, command: RESPCommand)] = []
            for key in page {
                commands.append((key, RESPCommand("PTTL", key)))
                commands.append((key, RESPCommand("MEMORY", "USAGE", key, "SAMPLES", "0")))
            }
            expectOwn(page.count)
            let answers = try await client.pipeline(commands)
            let generation = state.withLockedValue { state in
                Self.countOwn(
                    pttl: page.enumerated().map { (AttachIndex.hash($1), answers[2 * $0].int) }, in: &state)
                return state.index.existingID(of: user).map { state.index.figures[Int($0)].purges } ?? 0
            }
            return page.enumerated().compactMap { offset, key in
                guard let ttl = answers[2 * offset].int, ttl != -2 else { return nil }
                let size = answers[2 * offset + 1].int.map(Int.init) ?? 0
                return KeyInfo(
                    key: key, size: size, ageSeconds: 0, ttlLeftSeconds: ttl < 0 ? -1 : Double(ttl) / 1000, hits: 0,
                    generation: generation)
            }
        } catch {
            failed(error, doing: "keys of \(user)")
            throw .storeUnavailable("keys failed: \(error)")
        }
    }

    /// Every key of `user`: `SCAN MATCH` with the narrowest glob the pattern allows, then the
    /// pattern itself decides (so `4` never lists `40`'s keys).
    func keys(of user: String) async throws -> [String] {
        var found: [String] = []
        for nodeURL in try await primaryURLs() {
            let connection = try await nodes.connection(to: nodeURL)
            var cursor = "0"
            repeat {
                try Task.checkCancellation()
                let step = try await Self.scanStep(
                    connection, cursor: cursor, match: pattern.scanMatch(user: user), count: 1000)
                cursor = step.cursor
                found += keys(step.keys, of: user)
            } while cursor != "0"
        }
        return found
    }

    public func timeline(of prefix: CachePrefix, limit: Int) async throws(CacheAsideError) -> [CacheEvent]? {
        guard (1...CacheAside.maximumTimeline).contains(limit) else {
            throw .invalidQuery("limit must be 1 to \(CacheAside.maximumTimeline)")
        }
        return state.withLockedValue { state in
            if let events = state.timelines.events(of: prefix.rawValue, limit: limit) { return events }
            return prefix.user.flatMap(state.index.existingID(of:)) == nil ? nil : []
        }
    }

    public func events(after: UInt64, limit: Int) async throws(CacheAsideError) -> EventPage {
        guard (1...EventRing.maximumPage).contains(limit) else {
            throw .invalidQuery("limit must be 1 to \(EventRing.maximumPage)")
        }
        return state.withLockedValue { $0.ring.page(after: after, limit: limit) }
    }

    /// This attach process, the one instance: its figures are the server's hits and misses.
    public func instances() async throws(CacheAsideError) -> InstanceList {
        let now = Date()
        let (hits, misses, errors) = state.withLockedValue { state in
            let lookups = Self.applicationLookups(&state)
            return (lookups.hits, lookups.misses, state.storeErrors)
        }
        let uptime = now.timeIntervalSince(started)
        let info = InstanceInfo(
            id: configuration.instance, url: nil, version: CacheAside.libraryVersion, startedAt: started,
            uptimeSeconds: uptime, requestsPerSecond: uptime > 0 ? Double(hits + misses) / uptime : 0, hits: hits,
            misses: misses, storeErrors: errors, circuitOpen: false, lastSeen: now, alive: true)
        return InstanceList(serverTime: now, instance: configuration.instance, instances: [info])
    }
}
