import CacheAside
import NIOConcurrencyHelpers

/// An instance's in-process copies of entries it read from Redis (the near cache, L1): a hit on
/// one of them costs no round trip. Bounded by bytes, least recently used first out; an entry
/// never outlives its Redis deadline.
///
/// Coherence comes from Redis (see ``NearTracker``): a purge, a reset or a store that replaces an
/// entry writes its prefix's signal key, Redis tells every tracking instance, and
/// ``invalidate(prefix:)`` drops the prefix's copies. While tracking is not live (not yet
/// connected, a lost connection, a changed topology) the near cache is empty and bypassed.
///
/// The in-flight race: a value read from Redis just before a purge may reach this instance after
/// the purge's invalidation. So a fill takes a ``Ticket`` before it sends its read, and
/// ``insert(_:route:value:deadline:ticket:)`` refuses the value if anything was invalidated in
/// its prefix (or everything was dropped) since. An invalidation that comes after the insert
/// removes it.
final class NearCache: Sendable {
    /// Where a fill stood when it sent its read.
    struct Ticket: Sendable, Equatable {
        var generation: UInt64
        var prefixEpoch: UInt64
    }

    private struct Key: Hashable {
        var prefix: String
        var route: String
    }

    private struct Slot {
        var key: Key
        var value: [UInt8]
        /// On the store's monotonic clock (ns).
        var deadline: Int64
        var bytes: Int
        var older = -1
        var newer = -1
    }

    private struct State {
        var slots: [Slot] = []
        var free: [Int] = []
        var index: [Key: Int] = [:]
        var routes: [String: Set<String>] = [:]
        /// Most recently used, least recently used.
        var newest = -1
        var oldest = -1
        var bytes = 0
        /// Moves whenever everything is dropped: tickets taken before are void.
        var generation: UInt64 = 0
        /// Moves in a prefix's cell whenever it is invalidated (prefixes share cells: a shared cell
        /// only refuses a little more).
        var prefixEpochs = [UInt64](repeating: 0, count: NearCache.cells)
        /// Moves in a prefix's cell whenever Redis's invalidation of it arrives.
        var heard = [UInt64](repeating: 0, count: NearCache.cells)
        var live = false
    }

    static let cells = 4096
    /// Bookkeeping counted per entry on top of its value, prefix and route.
    static let overhead = 96

    /// The most bytes held; 0 turns the near cache off.
    let budget: Int
    private let state = NIOLockedValueBox(State())

    init(budget: Int) {
        self.budget = max(0, budget)
    }

    var isEnabled: Bool { budget > 0 }

    /// The value of `route` in `prefix` if held and still before its deadline (`now`: the store's
    /// monotonic clock).
    func hit(_ prefix: String, route: String, now: Int64) -> [UInt8]? {
        guard isEnabled else { return nil }
        return state.withLockedValue { state in
            guard state.live, let slot = state.index[Key(prefix: prefix, route: route)] else { return nil }
            guard state.slots[slot].deadline > now else {
                Self.remove(slot, from: &state)
                return nil
            }
            Self.unlink(slot, in: &state)
            Self.pushNewest(slot, in: &state)
            return state.slots[slot].value
        }
    }

    /// Where a fill of `prefix` stands before it sends its read; `nil` when the near cache is off or
    /// not live (the value must then not be kept).
    func ticket(_ prefix: String) -> Ticket? {
        guard isEnabled else { return nil }
        let cell = Self.cell(prefix)
        return state.withLockedValue { state in
            guard state.live else { return nil }
            return Ticket(generation: state.generation, prefixEpoch: state.prefixEpochs[cell])
        }
    }

    /// Keeps a value read from Redis with `ticket`, unless its prefix was invalidated (or
    /// everything dropped) since the ticket was taken; returns whether it was kept.
    @discardableResult
    func insert(_ prefix: String, route: String, value: [UInt8], deadline: Int64, ticket: Ticket) -> Bool {
        let bytes = value.count + prefix.utf8.count + route.utf8.count + Self.overhead
        // One value may take an eighth of the budget at most, so a few large ones do not empty it.
        guard bytes <= budget / 8 else { return false }
        let cell = Self.cell(prefix)
        return state.withLockedValue { state in
            guard state.live, state.generation == ticket.generation, state.prefixEpochs[cell] == ticket.prefixEpoch
            else { return false }
            let key = Key(prefix: prefix, route: route)
            if let held = state.index[key] { Self.remove(held, from: &state) }
            while state.bytes + bytes > budget, state.oldest >= 0 { Self.remove(state.oldest, from: &state) }
            let slot = Slot(key: key, value: value, deadline: deadline, bytes: bytes)
            let position: Int
            if let reused = state.free.popLast() {
                state.slots[reused] = slot
                position = reused
            } else {
                state.slots.append(slot)
                position = state.slots.count - 1
            }
            state.index[key] = position
            state.routes[prefix, default: []].insert(route)
            state.bytes += bytes
            Self.pushNewest(position, in: &state)
            return true
        }
    }

    /// Drops every copy of `prefix` and voids the tickets of fills in flight for it; `fromRedis`
    /// when Redis's invalidation says so (counted for ``awaitInvalidation(of:since:within:)``).
    func invalidate(prefix: String, fromRedis: Bool = false) {
        let cell = Self.cell(prefix)
        state.withLockedValue { state in
            state.prefixEpochs[cell] &+= 1
            if fromRedis { state.heard[cell] &+= 1 }
            guard let routes = state.routes[prefix] else { return }
            for route in routes {
                if let slot = state.index[Key(prefix: prefix, route: route)] { Self.remove(slot, from: &state) }
            }
        }
    }

    /// Drops everything and voids every ticket; `live` says whether copies may be kept again.
    func dropAll(live: Bool) {
        state.withLockedValue { state in
            let generation = state.generation &+ 1
            let heard = state.heard
            state = State()
            state.generation = generation
            state.heard = heard
            state.live = live
        }
    }

    /// How many invalidations of `prefix`'s cell came from Redis so far.
    func heardCount(_ prefix: String) -> UInt64 {
        let cell = Self.cell(prefix)
        return state.withLockedValue { $0.heard[cell] }
    }

    /// Waits until an invalidation of `prefix` comes from Redis after `count` were heard, for
    /// `within` at most; at once when not live. Redis sends a broadcast invalidation to every
    /// tracking connection at the same moment, so hearing its own tells a purge that every other
    /// instance's is on its way too.
    func awaitInvalidation(of prefix: String, since count: UInt64, within: Duration) async {
        let deadline = ContinuousClock.now + within
        while state.withLockedValue({ $0.live }), heardCount(prefix) == count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .microseconds(200))
        }
    }

    /// What it holds now, with the near hits the store counted.
    func figures(hits: UInt64) -> NearCacheFigures {
        state.withLockedValue { NearCacheFigures(hits: hits, entries: $0.index.count, bytes: $0.bytes, live: $0.live) }
    }

    // MARK: The list

    private static func cell(_ prefix: String) -> Int {
        var hasher = Hasher()
        hasher.combine(prefix)
        return Int(UInt(bitPattern: hasher.finalize()) % UInt(cells))
    }

    private static func remove(_ slot: Int, from state: inout State) {
        unlink(slot, in: &state)
        let key = state.slots[slot].key
        state.index[key] = nil
        state.routes[key.prefix]?.remove(key.route)
        if state.routes[key.prefix]?.isEmpty == true { state.routes[key.prefix] = nil }
        state.bytes -= state.slots[slot].bytes
        state.slots[slot].value = []
        state.free.append(slot)
    }

    private static func unlink(_ slot: Int, in state: inout State) {
        let older = state.slots[slot].older
        let newer = state.slots[slot].newer
        if older >= 0 { state.slots[older].newer = newer } else if state.oldest == slot { state.oldest = newer }
        if newer >= 0 { state.slots[newer].older = older } else if state.newest == slot { state.newest = older }
        state.slots[slot].older = -1
        state.slots[slot].newer = -1
    }

    private static func pushNewest(_ slot: Int, in state: inout State) {
        state.slots[slot].older = state.newest
        state.slots[slot].newer = -1
        if state.newest >= 0 { state.slots[state.newest].newer = slot }
        state.newest = slot
        if state.oldest < 0 { state.oldest = slot }
    }
}
