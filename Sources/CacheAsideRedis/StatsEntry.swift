/// One entry of a partition's statistics index, as the readers merge them: its member (a prefix,
/// or a `by:user` member), its score as Redis wrote it, and its partition.
struct StatsEntry: Sendable, Equatable {
    var member: String
    /// The score text, passed back to Redis as it came (`inf`, `-0.75`, …).
    var scoreText: String
    var score: Double
    var partition: Int

    /// An entry from a member and a score as Redis answers them; `nil` for a score that is not a number.
    init?(member: String, scoreText: String, partition: Int) {
        guard let score = Double(scoreText) else { return nil }
        self.member = member
        self.scoreText = scoreText
        self.score = score
        self.partition = partition
    }

    /// The prefix the entry stands for.
    var prefix: String { RedisKeys.prefix(ofUserMember: member) }
}
