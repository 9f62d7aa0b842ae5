import CacheAdminAPI
import CacheAside
import Foundation

/// What the admin routes read from a request's path and query, without the `Request`: the routes
/// call these, and so does the fuzzer (`make fuzz`), so both parse the same way.
///
/// Every function throws ``AdminError`` (a 400, or a 404 for text that is no prefix) for input it
/// refuses, and nothing else.
package enum AdminQuery {
    /// `GET /_cache/stats?sort=&order=&limit=&offset=&filter=&focus=`.
    package static func stats(_ parameters: QueryParameters) throws -> StatsQuery {
        StatsQuery(
            sort: try parameters.enumeration("sort", default: .hits),
            order: try parameters.enumeration("order", default: .descending),
            limit: try parameters.integer("limit", default: 50),
            offset: try parameters.integer("offset", default: 0),
            filter: parameters.text("filter"),
            focus: parameters.text("focus"))
    }

    /// `GET /_cache/routes?sort=&order=&limit=&offset=&filter=`.
    package static func routes(_ parameters: QueryParameters) throws -> RoutesQuery {
        RoutesQuery(
            sort: try parameters.enumeration("sort", default: .saved),
            order: try parameters.enumeration("order", default: .descending),
            limit: try parameters.integer("limit", default: 50),
            offset: try parameters.integer("offset", default: 0),
            filter: parameters.text("filter"))
    }

    /// The prefix of `GET /_cache/prefixes/{prefix}/keys`, from its path segment as routed.
    package static func keysPrefix(_ raw: String, namespace: String) throws -> CachePrefix {
        try knownPrefix(raw.removingPercentEncoding ?? raw, namespace: namespace)
    }

    /// A prefix of this cache given as text (a keys path or a purge body); text that cannot be one
    /// is a 404 `not_a_prefix`: the schema allows any string, and no such prefix exists here.
    package static func knownPrefix(_ text: String, namespace: String) throws -> CachePrefix {
        do {
            return try CachePrefix(parsing: text, namespace: namespace)
        } catch {
            throw AdminError.notAPrefix("no prefix \(text) in this cache: \(error.description)")
        }
    }

    /// The page of `GET /_cache/prefixes/{prefix}/keys?limit=&offset=`.
    package static func keysPage(_ parameters: QueryParameters) throws -> (limit: Int, offset: Int) {
        let limit = try parameters.integer("limit", default: 100)
        let offset = try parameters.integer("offset", default: 0)
        return (limit, offset)
    }

    /// `GET /_cache/prefixes/{prefix}/events?limit=`.
    package static func timelineLimit(_ parameters: QueryParameters) throws -> Int {
        try parameters.integer("limit", default: 100)
    }

    /// `POST /_cache/prefixes/{prefix}/verify?limit=&concurrency=&timeout=`: range checks of the
    /// counts are the cache's.
    package static func verify(
        _ parameters: QueryParameters
    ) throws -> (limit: Int, concurrency: Int, timeout: Duration) {
        let limit = try parameters.integer("limit", default: 100)
        let concurrency = try parameters.integer("concurrency", default: 4)
        let seconds = try parameters.seconds("timeout", default: 10, in: 0.001...60)
        return (limit, concurrency, .nanoseconds(Int64(seconds * 1e9)))
    }

    /// `GET /_cache/events?after=&limit=`.
    package static func events(_ parameters: QueryParameters) throws -> (after: UInt64, limit: Int) {
        let after = try parameters.unsigned("after", default: 0)
        let limit = try parameters.integer("limit", default: 500)
        return (after, limit)
    }
}
