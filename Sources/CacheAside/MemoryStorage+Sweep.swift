extension MemoryStorage {
    /// Handles due deadlines: entries entering the expiring-soon horizon are counted, expired ones removed.
    ///
    /// - Returns: whether due deadlines remain because `budget` ran out; the caller releases the
    ///   lock between batches so a large expiry never stalls requests.
    mutating func sweep(now: Int64, budget: Int, clock: CacheClock) -> Bool {
        var handled = 0
        while let item = heap.first, item.deadline <= now {
            guard handled < budget else { return true }
            handled += 1
            _ = heap.popFirst()
            let slot = slots[Int(item.slot)]
            guard slot.live, slot.incarnation == item.incarnation else { continue }
            switch item.phase {
            case .soon:
                markExpiringSoon(item.slot)
                heap.push(
                    .init(deadline: slot.expiresAt, slot: item.slot, incarnation: item.incarnation, phase: .expire))
            case .expire:
                expire(item.slot, now: now, clock: clock)
            }
        }
        return false
    }

    /// Rebuilds the heap from the live entries when items of freed or reused slots outnumber them.
    mutating func compactHeapIfNeeded() {
        guard heap.count > 2 * keys + 4096 else { return }
        var items: [ExpiryHeap.Item] = []
        items.reserveCapacity(keys)
        for (index, slot) in slots.enumerated() where slot.live {
            let soonAt = slot.expiresAt.subtractingReportingOverflow(configuration.horizonNanoseconds).partialValue
            items.append(
                slot.expiringSoon
                    ? .init(deadline: slot.expiresAt, slot: Int32(index), incarnation: slot.incarnation, phase: .expire)
                    : .init(deadline: soonAt, slot: Int32(index), incarnation: slot.incarnation, phase: .soon))
        }
        heap.rebuild(items)
    }
}
