import Foundation

/// The answer to `POST /_cache/prefixes/{prefix}/verify`: whether each cached answer of a prefix is
/// still true, found by computing it again without the cache and comparing.
///
/// ```swift
/// let report = try await cache.verify(user: "42")
/// for entry in report.results where entry.state == .stale {
///     print("\(entry.key) has been wrong for at most \(entry.ageSeconds ?? 0) s")
/// }
/// ```
public struct VerifyReport: Codable, Sendable, Equatable {
    /// The prefix verified, for example `api:{u:42}`.
    public var prefix: String
    /// Its user; `nil` for the public prefix.
    public var user: String?
    /// One result per entry verified, ordered by route key.
    public var results: [VerifyResult]
    /// Entries not started before the deadline.
    public var skipped: Int
    /// Whether the prefix holds more entries than the limit asked for (only the first ones, by
    /// route key, were verified).
    public var truncated: Bool
    /// Whether the deadline ended the verification before every entry had its answer.
    public var timedOut: Bool
    /// How long it took, in seconds.
    public var durationSeconds: Double

    /// Creates a report.
    public init(
        prefix: String, user: String?, results: [VerifyResult], skipped: Int, truncated: Bool, timedOut: Bool,
        durationSeconds: Double
    ) {
        self.prefix = prefix
        self.user = user
        self.results = results
        self.skipped = skipped
        self.truncated = truncated
        self.timedOut = timedOut
        self.durationSeconds = durationSeconds
    }

    /// How many results are in `state`.
    public func count(_ state: VerifyResult.State) -> Int {
        results.reduce(0) { $0 + ($1.state == state ? 1 : 0) }
    }

    /// `3 fresh, 1 stale` (then errors and unverifiable entries, if any): what the monitor's
    /// status line and the `verified` event say.
    public var summary: String {
        var parts = ["\(count(.fresh)) fresh", "\(count(.stale)) stale"]
        if count(.error) > 0 { parts.append("\(count(.error)) failed") }
        if count(.unverifiable) > 0 { parts.append("\(count(.unverifiable)) unverifiable") }
        if skipped > 0 { parts.append("\(skipped) not reached before the deadline") }
        if truncated { parts.append("more entries than the limit") }
        return parts.joined(separator: ", ")
    }
}
