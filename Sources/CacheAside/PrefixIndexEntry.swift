/// One prefix's place in a sorted view of ``MemoryStorage``: ordered by `number`, then `text`
/// (reversed for a descending user sort), then prefix, ascending, as ``PrefixPage`` orders.
///
/// Numbers are the sort value mapped to `UInt64` so that their order is the sort's order
/// (bit-flipped for descending), which keeps every comparison but ties to one integer compare.
struct PrefixIndexEntry: Comparable, Sendable {
    var number: UInt64
    var text: String
    var descendingText: Bool
    var prefix: String
    /// Where the prefix's record is; not part of the order.
    var record: Int32

    static func == (left: Self, right: Self) -> Bool {
        left.number == right.number && left.text == right.text && left.prefix == right.prefix
    }

    static func < (left: Self, right: Self) -> Bool {
        if left.number != right.number { return left.number < right.number }
        if left.text != right.text { return left.descendingText ? left.text > right.text : left.text < right.text }
        return left.prefix < right.prefix
    }

    /// Maps a signed integer to an unsigned one with the same order.
    static func ordered(_ value: Int64) -> UInt64 { UInt64(bitPattern: value) ^ (1 << 63) }

    /// Maps a double to an unsigned integer with the same order (for finite values and infinities).
    static func ordered(_ value: Double) -> UInt64 {
        let bits = value.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }
}
