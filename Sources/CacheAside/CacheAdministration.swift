import CacheAdminAPI

/// What the admin API asks of a cache: its figures, its keys and events, and purges.
///
/// ``CacheAside`` answers it for the caches it keeps; `cachemon attach` answers it for a Redis
/// cache written by another application (Django, for example), which is why the admin routes take
/// this protocol. Computing again and comparing (`verify`) and per-route figures need the
/// application's own routes, so they stay on ``CacheAside``.
///
/// Every method refuses bad input with ``CacheAsideError`` and changes nothing then.
public protocol CacheAdministration: Sendable {
    /// The namespace of every prefix this cache answers about, for example `api` in `api:{u:42}`.
    var namespace: String { get }

    /// One page of prefixes, sorted and filtered as `query` says, and the totals.
    func stats(_ query: StatsQuery) async throws(CacheAsideError) -> StatsSnapshot

    /// The entries of `prefix`, one page; `nil` when the cache holds nothing under it.
    func keys(in prefix: CachePrefix, limit: Int, offset: Int) async throws(CacheAsideError) -> [KeyInfo]?

    /// The latest events of `prefix`, newest first; `nil` when the cache knows nothing of it.
    func timeline(of prefix: CachePrefix, limit: Int) async throws(CacheAsideError) -> [CacheEvent]?

    /// The events after sequence number `after`, oldest first, at most `limit`.
    func events(after: UInt64, limit: Int) async throws(CacheAsideError) -> EventPage

    /// Every instance that shares the cache, this one included.
    func instances() async throws(CacheAsideError) -> InstanceList

    /// Removes every entry of `user` (`nil`: the shared public prefix).
    func purge(user: String?, reason: String?, origin: String?) async throws(CacheAsideError) -> PurgeResult

    /// Removes every entry under `prefix`.
    func purge(_ prefix: CachePrefix, reason: String?, origin: String?) async throws(CacheAsideError) -> PurgeResult
}

extension CacheAside: CacheAdministration {
    public var namespace: String { configuration.namespace }
}
