import Foundation

/// An order of a statistics index, as the `range` and `rank` scripts take it (see
/// ``RedisScripts/range``): the index's own (`fwd`: score up, then member up), score down with
/// members still up (`grp`), or all reversed (`rev`).
enum IndexOrder: String, Sendable {
    case forward = "fwd"
    case grouped = "grp"
    case reverse = "rev"

    /// Whether `left` comes before `right` in this order. Members compare by their bytes, as Redis
    /// orders them.
    func precedes(_ left: StatsEntry, _ right: StatsEntry) -> Bool {
        if left.score != right.score {
            return self == .forward ? left.score < right.score : left.score > right.score
        }
        let comparison = Self.compareBytes(left.member, right.member)
        if comparison == 0 { return false }
        return self == .reverse ? comparison > 0 : comparison < 0
    }

    /// The order of two strings' UTF-8 bytes, as `memcmp` gives it (shorter first on a common
    /// start): a merge compares many members that tie on their score.
    static func compareBytes(_ left: String, _ right: String) -> Int {
        var left = left
        var right = right
        return left.withUTF8 { first in
            right.withUTF8 { second in
                let common = min(first.count, second.count)
                if common > 0, let a = first.baseAddress, let b = second.baseAddress {
                    let result = memcmp(a, b, common)
                    if result != 0 { return Int(result) }
                }
                return first.count - second.count
            }
        }
    }
}
