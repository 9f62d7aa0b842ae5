import Hummingbird
import NIOConcurrencyHelpers

/// The application's router as a responder, built the first time a verification needs it (when
/// every route has been added), for ``Replay``.
///
/// Sound because the router is finished before the application serves its first request (as
/// Hummingbird requires): the one build, under the lock, then only reads the routes, and changes
/// nothing the application's own responder, built earlier, uses. One is registered per request
/// context type (``CacheAdminRoutes/register(on:)``); registering admin routes again with the
/// same context type replaces it. Without admin routes there is no replay, so sampled hits of the
/// middleware are verified only by recompute closures the application registered.
final class ReplayResponder<Context: RequestContext>: Sendable {
    /// The router, only read (to build its responder) once the application runs.
    private nonisolated(unsafe) let router: Router<Context>
    private let built = NIOLockedValueBox<RouterResponder<Context>?>(nil)

    init(router: Router<Context>) {
        self.router = router
    }

    var responder: RouterResponder<Context> {
        built.withLockedValue { built in
            if let built { return built }
            let responder = router.buildResponder()
            built = responder
            return responder
        }
    }
}
