/// The one list of what the cache counts. Every layer derives its names from here: the raw value is
/// the JSON field of ``CacheTotals`` and ``PrefixStats``, the Redis hash field, and, in snake case,
/// the Prometheus series (`cachemon_cache_<name>_total`).
///
/// Counters are monotonic since the store started. Adding one is one line here plus the places that
/// count it; encoding, decoding, Redis and Prometheus follow by name.
///
/// ```swift
/// var counters = CounterValues()
/// counters[.hits] += 1
/// CacheCounter.staleSetsRejected.prometheusName   // "stale_sets_rejected"
/// ```
public enum CacheCounter: String, CaseIterable, Codable, Sendable {
    /// Lookups answered from the cache.
    case hits
    /// Hits served from an instance's own memory (its near cache), without a round trip to the
    /// shared store; they count in ``hits`` too.
    case nearHits
    /// Lookups that had to compute the value (including those served uncached while the store failed).
    case misses
    /// Values written to the store.
    case sets
    /// Writes dropped because a purge happened while the value was being computed.
    case staleSetsRejected
    /// Writes the store refused because it is full (Redis over `maxmemory` with `noeviction`):
    /// the value was served, not stored, and nothing already stored changed.
    case setsRefusedForMemory
    /// Entries removed because their time to live ran out.
    case expirations
    /// Entries removed to stay within the byte budget.
    case evictions
    /// Purges of a prefix.
    case purges
    /// Entries removed by purges.
    case purgedKeys
    /// Store operations that failed (the request was still served, uncached).
    case errors
    /// Entries compared with a fresh computation, by a verify or by sampling hits.
    case verifications
    /// Verifications that found the cached value stale.
    case staleVerifications

    /// One sentence for people: the Prometheus help text and the documentation.
    public var help: String {
        switch self {
        case .hits: "Lookups answered from the cache."
        case .nearHits: "Hits served from an instance's near cache (also counted as hits)."
        case .misses: "Lookups that computed the value."
        case .sets: "Values stored."
        case .staleSetsRejected: "Late writes dropped by generation fencing."
        case .setsRefusedForMemory: "Writes refused because the store is full."
        case .expirations: "Entries expired."
        case .evictions: "Entries evicted to stay within the byte budget."
        case .purges: "Prefix purges."
        case .purgedKeys: "Entries removed by purges."
        case .errors: "Store operations that failed."
        case .verifications: "Cached entries compared with a fresh computation."
        case .staleVerifications: "Verifications that found the cached value stale."
        }
    }

    /// The raw name in snake case, as Prometheus names its series: `staleSetsRejected` → `stale_sets_rejected`.
    public var prometheusName: String {
        var name = ""
        for character in rawValue {
            if character.isUppercase {
                name.append("_")
                name.append(contentsOf: character.lowercased())
            } else {
                name.append(character)
            }
        }
        return name
    }

    /// Every counter in declaration order, computed once (`allCases` builds a new array per call).
    static let ordered = allCases

    /// The counter's place in ``CounterValues``' storage.
    var ordinal: Int { Self.ordered.firstIndex(of: self) ?? 0 }
}
