import HTTPTypes
import Hummingbird
import HummingbirdCore

/// Builds the route key of a request: method, normalized path, sorted query, and `Vary` values.
///
/// `GET /api/users/42/orders?page=2&sort=date` and `GET /api/users/42//orders/?sort=date&page=2`
/// share one key; with `vary: ["Accept-Language"]` a French and an English reader do not.
enum RouteKeyBuilder {
    static func key(for request: Request, vary: [HTTPField.Name]) -> String {
        // HEAD is answered from the entry of GET: same resource, same headers.
        var key = "GET " + target(of: request)
        // Only the headers the request sends: a plain request keeps a plain, readable key.
        for name in vary {
            let values = request.headers[values: name]
            if !values.isEmpty { key += " " + name.canonicalName + "=" + values.joined(separator: ",") }
        }
        return key
    }

    /// The normalized path and sorted query: `/api/users/42/orders?page=2&sort=date`.
    static func target(of request: Request) -> String {
        let path = normalizedPath(request.uri.path)
        guard let query = request.uri.query, !query.isEmpty else { return path }
        return path + "?" + sortedQuery(query)
    }

    /// Collapses repeated slashes and drops a trailing one (but not the root's).
    static func normalizedPath(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return "/" + segments.joined(separator: "/")
    }

    /// Parameters sorted by name, then value; the order a client wrote them in does not matter.
    static func sortedQuery(_ query: String) -> String {
        let parameters: [(name: Substring, value: Substring)] = query.split(separator: "&").map { parameter in
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        let sorted = parameters.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { $0.value.isEmpty ? String($0.name) : "\($0.name)=\($0.value)" }.joined(separator: "&")
    }
}
