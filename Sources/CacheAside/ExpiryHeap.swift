/// A binary min-heap of deadlines, one or two per stored entry, read by the sweeper.
///
/// An entry first gets a `soon` deadline (when it enters the expiring-soon horizon) and then an
/// `expire` deadline. Items are never removed early: an item whose slot has been reused or freed is
/// recognised by its incarnation and skipped, and the heap is rebuilt when such items pile up.
struct ExpiryHeap: Sendable {
    enum Phase: UInt32 {
        case soon = 0
        case expire = 1
    }

    struct Item: Sendable {
        var deadline: Int64
        var slot: Int32
        /// The slot's incarnation shifted left by one, with the phase in the low bit (keeps items at 16 bytes).
        private var tag: UInt32

        init(deadline: Int64, slot: Int32, incarnation: UInt32, phase: Phase) {
            self.deadline = deadline
            self.slot = slot
            self.tag = incarnation << 1 | phase.rawValue
        }

        var incarnation: UInt32 { tag >> 1 }
        var phase: Phase { tag & 1 == 0 ? .soon : .expire }
    }

    private(set) var items: [Item] = []

    var count: Int { items.count }
    var first: Item? { items.first }

    mutating func push(_ item: Item) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].deadline < items[parent].deadline else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> Item? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let first = items.removeLast()
        siftDown(from: 0)
        return first
    }

    /// Replaces the content with `newItems` in O(n).
    mutating func rebuild(_ newItems: [Item]) {
        items = newItems
        var index = items.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < items.count else { return }
            let right = left + 1
            var smallest = left
            if right < items.count, items[right].deadline < items[left].deadline { smallest = right }
            guard items[smallest].deadline < items[parent].deadline else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
