/// Keeps the first `capacity` elements of a stream in a given order, in O(n log capacity).
///
/// A max-heap whose root is the worst element kept: a newcomer that comes before it replaces it.
struct TopSelection<Element> {
    let capacity: Int
    let precedes: (Element, Element) -> Bool
    private var heap: [Element] = []

    init(capacity: Int, precedes: @escaping (Element, Element) -> Bool) {
        self.capacity = capacity
        self.precedes = precedes
    }

    /// Keeps enough for the page of `limit` elements after the first `offset`: `offset + limit`, or
    /// `Int.max` when that sum does not fit (an offset past every element is an empty page, not a trap).
    init(first limit: Int, after offset: Int, precedes: @escaping (Element, Element) -> Bool) {
        let (sum, overflow) = offset.addingReportingOverflow(limit)
        self.init(capacity: overflow ? .max : sum, precedes: precedes)
    }

    mutating func offer(_ element: Element) {
        guard capacity > 0 else { return }
        if heap.count < capacity {
            heap.append(element)
            siftUp(heap.count - 1)
        } else if let worst = heap.first, precedes(element, worst) {
            heap[0] = element
            siftDown(0)
        }
    }

    /// The kept elements, first to last.
    func sorted() -> [Element] { heap.sorted(by: precedes) }

    /// In this heap a parent must not precede its children (the root comes last of all kept).
    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap[parent], heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var latest = left
            let right = left + 1
            if right < heap.count, precedes(heap[left], heap[right]) { latest = right }
            guard precedes(heap[parent], heap[latest]) else { return }
            heap.swapAt(parent, latest)
            parent = latest
        }
    }
}
