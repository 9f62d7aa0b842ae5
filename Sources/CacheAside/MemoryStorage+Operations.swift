extension MemoryStorage {
    mutating func lookup(_ key: CacheKey, now: Int64, clock: CacheClock) -> CacheLookup {
        let record = recordIndex(for: key.prefix, now: now)
        guard let slot = liveSlot(route: key.route, record: record, now: now, clock: clock) else {
            records[Int(record)].counters[.misses] += 1
            totals[.misses] += 1
            routeFigures[key.template, default: RouteFigures()].misses += 1
            markChanged(Int(record))
            return .miss(generation: records[Int(record)].generation)
        }
        records[Int(record)].counters[.hits] += 1
        totals[.hits] += 1
        routeFigures[key.template, default: RouteFigures()].hits += 1
        markChanged(Int(record))
        slots[Int(slot)].hits += 1
        touch(slot)
        if slots[Int(slot)].hits == 1 {
            emit(
                .firstHit, record: Int(record), key: key.route, generation: slots[Int(slot)].generation, now: now,
                clock: clock)
        }
        return .hit(slots[Int(slot)].value)
    }

    mutating func store(
        _ value: [UInt8], for key: CacheKey, ttl: Int64, generation: UInt64, now: Int64, clock: CacheClock
    ) -> StoreOutcome {
        let record = recordIndex(for: key.prefix, now: now)
        guard records[Int(record)].generation == generation else {
            records[Int(record)].counters[.staleSetsRejected] += 1
            totals[.staleSetsRejected] += 1
            emit(.staleSetRejected, record: Int(record), key: key.route, now: now, clock: clock)
            return .rejectedStale
        }
        let cost = key.route.utf8.count + value.count + MemoryStore.entryOverhead
        guard cost <= configuration.maxBytes else { return .tooLarge }
        if let existing = records[Int(record)].entries[key.route] { remove(existing) }
        guard ttl > 0 else { return .stored }
        _ = insert(
            route: key.route, template: key.template, value: value, record: record, ttl: ttl, generation: generation,
            now: now, cost: cost)
        records[Int(record)].counters[.sets] += 1
        totals[.sets] += 1
        emit(.stored, record: Int(record), key: key.route, generation: generation, now: now, clock: clock)
        evictToBudget(now: now, clock: clock)
        compactHeapIfNeeded()
        return .stored
    }

    mutating func purge(_ prefix: CachePrefix, reason: PurgeReason, now: Int64, clock: CacheClock) -> PurgeResult {
        let record = Int(recordIndex(for: prefix, now: now))
        lastGeneration += 1
        records[record].generation = lastGeneration
        let doomed = records[record].entries
        records[record].entries = [:]
        var removedBytes = 0
        for slot in doomed.values { removedBytes += remove(slot, keepIndex: true) }
        records[record].counters[.purges] += 1
        records[record].counters[.purgedKeys] += UInt64(doomed.count)
        records[record].lastPurgeAt = now
        markChanged(record)
        totals[.purges] += 1
        totals[.purgedKeys] += UInt64(doomed.count)
        let duration = Double(clock.now() - now) / 1e9
        emit(
            .purged, record: record, count: doomed.count, duration: duration, generation: lastGeneration,
            reason: reason, now: now, clock: clock)
        return PurgeResult(
            prefix: prefix.rawValue, user: prefix.user, removedKeys: doomed.count, removedBytes: removedBytes,
            generation: lastGeneration, durationSeconds: duration)
    }

    func keys(in prefix: CachePrefix, limit: Int, offset: Int, now: Int64) -> [KeyInfo]? {
        guard let record = prefixIndex[prefix.rawValue] else { return nil }
        let live = records[Int(record)].entries
            .map { (route: $0.key, slot: slots[Int($0.value)]) }
            .filter { $0.slot.expiresAt > now }
            .sorted { $0.route < $1.route }
        return live.dropFirst(offset).prefix(limit).map { entry in
            KeyInfo(
                key: entry.route, size: entry.slot.value.count, ageSeconds: Double(now - entry.slot.storedAt) / 1e9,
                ttlLeftSeconds: Double(entry.slot.expiresAt - now) / 1e9, hits: entry.slot.hits,
                generation: entry.slot.generation)
        }
    }

    mutating func recordVerification(
        of prefix: CachePrefix, route: String?, verified: Int, stale: Int, event: CacheEvent?, now: Int64
    ) {
        let record = Int(recordIndex(for: prefix, now: now))
        if let route {
            routeFigures[route, default: RouteFigures()].verifications += UInt64(verified)
            routeFigures[route, default: RouteFigures()].staleVerifications += UInt64(stale)
        }
        records[record].counters[.verifications] += UInt64(verified)
        records[record].counters[.staleVerifications] += UInt64(stale)
        totals[.verifications] += UInt64(verified)
        totals[.staleVerifications] += UInt64(stale)
        markChanged(record)
        if let event { append(event) }
    }

    mutating func recordStoreError(_ message: String, prefix: CachePrefix?, now: Int64, clock: CacheClock) {
        let record = prefix.map { Int(recordIndex(for: $0, now: now)) }
        if let record { records[record].counters[.errors] += 1 }
        totals[.errors] += 1
        emit(.storeError, record: record, message: message, now: now, clock: clock)
    }

    mutating func recordUncachedRequest(_ prefix: CachePrefix, now: Int64) {
        let record = Int(recordIndex(for: prefix, now: now))
        records[record].counters[.misses] += 1
        totals[.misses] += 1
        markChanged(record)
    }
}
