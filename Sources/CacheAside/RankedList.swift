/// A sorted multiset with positions: insert, remove, the rank of an element and the element at a
/// rank, each in O(log n + √n)-ish time with small constants.
///
/// Elements live in sorted blocks of at most ``maximumBlock``; a block that grows past it splits in
/// two and an empty block goes away. Finding a block is a binary search over the blocks' last
/// elements; a rank adds up the counts of the blocks before it (a few thousand integers at a
/// million elements, which is faster than keeping a tree balanced on every change).
struct RankedList<Element: Comparable>: Sendable where Element: Sendable {
    static var maximumBlock: Int { 512 }

    private var blocks: [[Element]] = []
    /// The last element of every block, for the binary search.
    private var lasts: [Element] = []
    private(set) var count = 0

    init() {}

    /// Builds the list from elements already sorted.
    init(sorted elements: [Element]) {
        let half = Self.maximumBlock / 2
        var start = 0
        while start < elements.count {
            let end = min(start + half, elements.count)
            blocks.append(Array(elements[start..<end]))
            lasts.append(elements[end - 1])
            start = end
        }
        count = elements.count
    }

    /// The first block whose last element is not less than `element`, or the last block.
    private func block(for element: Element) -> Int {
        var low = 0
        var high = lasts.count - 1
        while low < high {
            let middle = (low + high) / 2
            if lasts[middle] < element { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The index in `items` of the first element not less than `element`.
    private static func lowerBound(_ element: Element, in items: [Element]) -> Int {
        var low = 0
        var high = items.count
        while low < high {
            let middle = (low + high) / 2
            if items[middle] < element { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func insert(_ element: Element) {
        count += 1
        guard !blocks.isEmpty else {
            blocks = [[element]]
            lasts = [element]
            return
        }
        let index = block(for: element)
        let position = Self.lowerBound(element, in: blocks[index])
        blocks[index].insert(element, at: position)
        if position == blocks[index].count - 1 { lasts[index] = element }
        guard blocks[index].count > Self.maximumBlock else { return }
        let upper = Array(blocks[index][(Self.maximumBlock / 2)...])
        blocks[index].removeLast(upper.count)
        lasts[index] = blocks[index][blocks[index].count - 1]
        blocks.insert(upper, at: index + 1)
        lasts.insert(upper[upper.count - 1], at: index + 1)
    }

    /// Removes one element equal to `element`; false if there is none.
    @discardableResult
    mutating func remove(_ element: Element) -> Bool {
        guard !blocks.isEmpty else { return false }
        let index = block(for: element)
        let position = Self.lowerBound(element, in: blocks[index])
        guard position < blocks[index].count, blocks[index][position] == element else { return false }
        blocks[index].remove(at: position)
        count -= 1
        if blocks[index].isEmpty {
            blocks.remove(at: index)
            lasts.remove(at: index)
        } else if position == blocks[index].count {
            lasts[index] = blocks[index][position - 1]
        }
        return true
    }

    /// How many elements are less than `element`.
    func rank(of element: Element) -> Int {
        guard !blocks.isEmpty else { return 0 }
        let index = block(for: element)
        var before = 0
        for block in blocks[..<index] { before += block.count }
        return before + Self.lowerBound(element, in: blocks[index])
    }

    /// Calls `body` with the elements from rank `start` on, in order, until it returns false.
    func forEach(from start: Int, _ body: (Element) -> Bool) {
        guard start < count else { return }
        var skipped = 0
        var index = 0
        while index < blocks.count, skipped + blocks[index].count <= start {
            skipped += blocks[index].count
            index += 1
        }
        var position = start - skipped
        while index < blocks.count {
            let block = blocks[index]
            while position < block.count {
                guard body(block[position]) else { return }
                position += 1
            }
            index += 1
            position = 0
        }
    }

    /// Up to `limit` elements from rank `start` on.
    func elements(from start: Int, limit: Int) -> [Element] {
        var result: [Element] = []
        guard limit > 0 else { return result }
        result.reserveCapacity(min(limit, count))
        forEach(from: start) { element in
            result.append(element)
            return result.count < limit
        }
        return result
    }
}
