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
        if left.member == right.member { return false }
        let below = left.member.utf8.lexicographicallyPrecedes(right.member.utf8)
        return self == .reverse ? !below : below
    }
}
