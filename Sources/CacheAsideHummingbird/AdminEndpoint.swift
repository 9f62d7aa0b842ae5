import HTTPTypes
import Hummingbird

/// The routes of the admin API, in one table: ``CacheAdminRoutes`` registers exactly these (with HEAD
/// beside each GET) and answers 405 to any other method on their paths, and the tests check each
/// against `docs/openapi.yaml`.
public enum AdminEndpoint: CaseIterable, Sendable {
    case stats
    case routes
    case keys
    case timeline
    case verify
    case events
    case instances
    case purge
    case metrics

    /// The HTTP method.
    public var method: HTTPRequest.Method {
        self == .purge || self == .verify ? .post : .get
    }

    /// The methods served: ``method``, and HEAD as well for a GET (the `Allow` of a 405 lists these).
    public var servedMethods: [HTTPRequest.Method] {
        method == .get ? [.get, .head] : [method]
    }

    /// The path as OpenAPI writes it, for example `/_cache/prefixes/{prefix}/keys`.
    public var path: String {
        switch self {
        case .stats: "/_cache/stats"
        case .routes: "/_cache/routes"
        case .keys: "/_cache/prefixes/{prefix}/keys"
        case .timeline: "/_cache/prefixes/{prefix}/events"
        case .verify: "/_cache/prefixes/{prefix}/verify"
        case .events: "/_cache/events"
        case .instances: "/_cache/instances"
        case .purge: "/_cache/purge"
        case .metrics: "/metrics"
        }
    }

    /// Whether the route needs the bearer token (every `/_cache` route does).
    public var requiresToken: Bool { self != .metrics }

    /// The path as the router writes it: `{name}` becomes `:name`.
    var routerPath: RouterPath {
        RouterPath(
            path.split(separator: "/").map { segment in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
            }.joined(separator: "/"))
    }
}
