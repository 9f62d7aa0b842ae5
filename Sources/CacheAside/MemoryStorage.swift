/// The state of a ``MemoryStore``, always used under its lock.
///
/// Entries live in a slab of slots addressed by index, linked into one least-recently-used list and
/// indexed per prefix, so a purge touches only its prefix's entries and nothing is ever found by
/// scanning the whole store.
struct MemoryStorage: Sendable {
    struct Slot: Sendable {
        var prefix: Int32 = -1
        var route: String = ""
        /// The route template it counts under.
        var template: String = ""
        var value: [UInt8] = []
        var storedAt: Int64 = 0
        var expiresAt: Int64 = 0
        var generation: UInt64 = 0
        var hits: UInt64 = 0
        /// The bytes this entry counts against the budget.
        var cost: Int = 0
        /// Neighbours in the recency list: `older` towards the tail (evicted first), `newer` towards the head.
        var older: Int32 = -1
        var newer: Int32 = -1
        /// Changes every time the slot is freed, so stale heap items can be told apart.
        var incarnation: UInt32 = 0
        var expiringSoon = false
        var live = false
    }

    struct PrefixRecord: Sendable {
        let prefix: CachePrefix
        /// The user id folded for case-insensitive filtering.
        let foldedUser: String?
        var entries: [String: Int32] = [:]
        var generation: UInt64
        var counters = CounterValues()
        var bytes = 0
        var expiringSoon = 0
        var lastPurgeAt: Int64?
        /// The last lookup, write or purge; an empty prefix idle for long enough is forgotten.
        var lastUsed: Int64
        /// The figures its entries in the sorted views were made from; `nil` while there are no views.
        var indexed: IndexedFigures?
        /// Whether its figures changed since the views last took changes in.
        var changed = false
    }

    let configuration: MemoryStore.Configuration
    var prefixIndex: [String: Int32] = [:]
    var records: [PrefixRecord] = []
    var slots: [Slot] = []
    var freeSlots: [Int32] = []
    var newest: Int32 = -1
    var oldest: Int32 = -1
    var heap = ExpiryHeap()
    var totals = CounterValues()
    var keys = 0
    var bytes = 0
    var expiringSoon = 0
    /// Generations are drawn from one store-wide sequence, so a generation is never reused by any prefix.
    var lastGeneration: UInt64 = 0
    var events: EventRing
    var timelines: PrefixTimelines
    /// The figures of each route template.
    var routeFigures: [String: RouteFigures] = [:]
    /// Where the next search for idle prefixes starts.
    var reclaimCursor = 0
    /// Sorted views of the prefixes by ``indexSlot(_:_:)``, made when a query first needs one.
    var indexes = [RankedList<PrefixIndexEntry>?](repeating: nil, count: MemoryStorage.indexSlotCount)
    var indexUsedAt = [Int64](repeating: 0, count: MemoryStorage.indexSlotCount)
    var activeIndexes = 0
    /// Records whose figures changed since the views last took changes in.
    var changedRecords: [Int32] = []

    init(configuration: MemoryStore.Configuration) {
        self.configuration = configuration
        self.events = EventRing(capacity: configuration.eventCapacity)
        self.timelines = PrefixTimelines(perPrefix: configuration.timelineLength, total: configuration.timelineCapacity)
    }

    // MARK: Prefixes

    /// The record of `prefix`, created at its first use.
    mutating func recordIndex(for prefix: CachePrefix, now: Int64) -> Int32 {
        if let index = prefixIndex[prefix.rawValue] {
            records[Int(index)].lastUsed = now
            return index
        }
        lastGeneration += 1
        let index = Int32(records.count)
        records.append(
            PrefixRecord(
                prefix: prefix, foldedUser: prefix.user?.lowercased(), generation: lastGeneration, lastUsed: now))
        prefixIndex[prefix.rawValue] = index
        indexNewRecord(Int(index))
        return index
    }

    /// Forgets up to `budget` prefixes that hold no entries and have been idle for the retention
    /// period, so a long-running store does not grow with every user it ever saw.
    ///
    /// Forgetting is safe for fencing: a prefix seen again starts in a generation never used before,
    /// so a computation that began before it was forgotten is still not stored.
    mutating func reclaimIdlePrefixes(now: Int64, budget: Int) {
        let retention = configuration.idlePrefixRetentionNanoseconds
        var checked = 0
        while checked < budget, !records.isEmpty {
            checked += 1
            if reclaimCursor >= records.count { reclaimCursor = 0 }
            let record = records[reclaimCursor]
            guard record.entries.isEmpty, now - record.lastUsed >= retention else {
                reclaimCursor += 1
                continue
            }
            removeRecord(at: reclaimCursor)
        }
    }

    /// Removes a record by moving the last one into its place.
    private mutating func removeRecord(at index: Int) {
        // Record numbers change below: the views take pending changes in first and learn the move.
        applyChanges()
        unindex(index)
        prefixIndex[records[index].prefix.rawValue] = nil
        let last = records.count - 1
        if index != last {
            unindex(last)
            records.swapAt(index, last)
            indexNewRecord(index)
            prefixIndex[records[index].prefix.rawValue] = Int32(index)
            for slot in records[index].entries.values { slots[Int(slot)].prefix = Int32(index) }
        }
        records.removeLast()
    }

    // MARK: Entries

    /// The live, unexpired slot of `key`; an expired one found on the way is removed and counted.
    mutating func liveSlot(route: String, record: Int32, now: Int64, clock: CacheClock) -> Int32? {
        guard let slot = records[Int(record)].entries[route] else { return nil }
        if slots[Int(slot)].expiresAt <= now {
            expire(slot, now: now, clock: clock)
            return nil
        }
        return slot
    }

    mutating func insert(
        route: String, template: String, value: [UInt8], record: Int32, ttl: Int64, generation: UInt64, now: Int64,
        cost: Int
    ) -> Int32 {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = Int32(slots.count)
            slots.append(Slot())
        }
        let expiresAt = now.addingReportingOverflow(ttl).overflow ? .max : now + ttl
        let incarnation = slots[Int(slot)].incarnation
        slots[Int(slot)] = Slot(
            prefix: record, route: route, template: template, value: value, storedAt: now, expiresAt: expiresAt,
            generation: generation, cost: cost, incarnation: incarnation, live: true)
        routeFigures[template, default: RouteFigures()].keys += 1
        routeFigures[template, default: RouteFigures()].bytes += cost
        records[Int(record)].entries[route] = slot
        records[Int(record)].bytes += cost
        markChanged(Int(record))
        keys += 1
        bytes += cost
        linkAsNewest(slot)
        let soonAt = expiresAt.subtractingReportingOverflow(configuration.horizonNanoseconds).partialValue
        if soonAt <= now {
            markExpiringSoon(slot)
            heap.push(.init(deadline: expiresAt, slot: slot, incarnation: incarnation, phase: .expire))
        } else {
            heap.push(.init(deadline: soonAt, slot: slot, incarnation: incarnation, phase: .soon))
        }
        return slot
    }

    /// Unlinks and frees a slot, keeping every gauge right; the caller counts why it went.
    /// - Parameter keepIndex: true when the caller clears the prefix's index itself (a purge).
    @discardableResult
    mutating func remove(_ slot: Int32, keepIndex: Bool = false) -> Int {
        let index = Int(slot)
        let record = Int(slots[index].prefix)
        let cost = slots[index].cost
        unlink(slot)
        if !keepIndex { records[record].entries[slots[index].route] = nil }
        records[record].bytes -= cost
        markChanged(record)
        if slots[index].expiringSoon {
            records[record].expiringSoon -= 1
            expiringSoon -= 1
        }
        keys -= 1
        bytes -= cost
        routeFigures[slots[index].template]?.keys -= 1
        routeFigures[slots[index].template]?.bytes -= cost
        let incarnation = slots[index].incarnation &+ 1
        slots[index] = Slot(incarnation: incarnation & 0x7FFF_FFFF)
        freeSlots.append(slot)
        return cost
    }

    mutating func markExpiringSoon(_ slot: Int32) {
        guard !slots[Int(slot)].expiringSoon else { return }
        slots[Int(slot)].expiringSoon = true
        records[Int(slots[Int(slot)].prefix)].expiringSoon += 1
        markChanged(Int(slots[Int(slot)].prefix))
        expiringSoon += 1
    }

    mutating func expire(_ slot: Int32, now: Int64, clock: CacheClock) {
        let record = Int(slots[Int(slot)].prefix)
        let route = slots[Int(slot)].route
        remove(slot)
        records[record].counters[.expirations] += 1
        totals[.expirations] += 1
        emit(.expired, record: record, key: route, now: now, clock: clock)
    }

    /// Evicts least-recently-used entries until the store fits its budget.
    mutating func evictToBudget(now: Int64, clock: CacheClock) {
        while bytes > configuration.maxBytes, oldest >= 0 {
            let slot = oldest
            let record = Int(slots[Int(slot)].prefix)
            let route = slots[Int(slot)].route
            remove(slot)
            records[record].counters[.evictions] += 1
            totals[.evictions] += 1
            emit(.evicted, record: record, key: route, now: now, clock: clock)
        }
    }

    mutating func emit(
        _ kind: CacheEvent.Kind, record: Int?, key: String? = nil, count: Int? = nil, duration: Double? = nil,
        message: String? = nil, generation: UInt64? = nil, reason: PurgeReason? = nil, now: Int64, clock: CacheClock
    ) {
        let prefix = record.map { records[$0].prefix }
        append(
            CacheEvent(
                seq: 0, time: clock.date(at: now), kind: kind, prefix: prefix?.rawValue, user: prefix?.user, key: key,
                count: count, durationSeconds: duration, message: message, generation: generation, reason: reason))
    }

    /// Numbers `event` into the ring if it goes there, and adds it to its prefix's timeline.
    mutating func append(_ event: CacheEvent) {
        var event = event
        if event.kind.isInRing {
            events.append { seq in
                event.seq = seq
                return event
            }
        }
        timelines.append(event)
    }

    // MARK: Recency list

    mutating func touch(_ slot: Int32) {
        guard newest != slot else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func linkAsNewest(_ slot: Int32) {
        slots[Int(slot)].older = newest
        slots[Int(slot)].newer = -1
        if newest >= 0 { slots[Int(newest)].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private mutating func unlink(_ slot: Int32) {
        let older = slots[Int(slot)].older
        let newer = slots[Int(slot)].newer
        if older >= 0 { slots[Int(older)].newer = newer } else { oldest = newer }
        if newer >= 0 { slots[Int(newer)].older = older } else { newest = older }
        slots[Int(slot)].older = -1
        slots[Int(slot)].newer = -1
    }
}
