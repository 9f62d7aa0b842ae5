/// The version of the admin API's JSON shapes.
///
/// It grows when a field changes meaning or disappears; new optional fields do not bump it.
/// A client compares it with the one it was built for before it trusts a snapshot.
public enum CacheStatsSchema {
    /// The schema this build writes and reads.
    public static let version = 1
}
