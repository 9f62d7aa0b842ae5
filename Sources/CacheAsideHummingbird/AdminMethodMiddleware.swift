import HTTPTypes
import Hummingbird
import HummingbirdCore

/// Answers `405 Method Not Allowed`, with an `Allow` header, to a request for an admin path with a
/// method that path does not serve (for example `TRACE /_cache/stats`), instead of the router's 404.
///
/// Hummingbird routes by path and method together, so a method it has no route for falls through
/// to "not found". This middleware sits on the router ahead of that answer and knows the admin
/// paths from the ``AdminEndpoint`` table; every other path passes through untouched, so unknown
/// paths stay 404. It runs before the token check: which methods a documented path serves is
/// public.
struct AdminMethodMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each served path, split into segments (`nil` for a `{parameter}`), with its `Allow` value.
    let paths: [(segments: [Substring?], allowed: [HTTPRequest.Method])]

    /// - Parameter endpoints: the endpoints registered; a GET path also serves HEAD.
    init(endpoints: [AdminEndpoint]) {
        var paths: [(segments: [Substring?], allowed: [HTTPRequest.Method])] = []
        for endpoint in endpoints {
            let methods = endpoint.servedMethods
            let segments = Self.segments(endpoint.path).map { segment -> Substring? in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? nil : segment
            }
            if let index = paths.firstIndex(where: { $0.segments == segments }) {
                paths[index].allowed += methods.filter { !paths[index].allowed.contains($0) }
            } else {
                paths.append((segments, methods))
            }
        }
        self.paths = paths
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let allowed = allowedMethods(path: request.uri.path), !allowed.contains(request.method) else {
            return try await next(request, context)
        }
        throw AdminError.methodNotAllowed(request.method, allowed: allowed)
    }

    /// The methods served at `path`, or `nil` when it is not an admin path.
    func allowedMethods(path: String) -> [HTTPRequest.Method]? {
        let requested = Self.segments(path)
        return paths.first { served in
            // A `{parameter}` (nil) matches any one segment; a literal matches only itself.
            served.segments.count == requested.count
                && zip(served.segments, requested).allSatisfy { literal, given in literal == nil || literal == given }
        }?.allowed
    }

    /// Path segments as the router matches them: empty ones (`//`, a trailing `/`) are skipped.
    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
