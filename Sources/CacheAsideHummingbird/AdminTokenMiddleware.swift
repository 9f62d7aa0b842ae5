import HTTPTypes
import Hummingbird
import HummingbirdCore

/// Lets a request through only with `Authorization: Bearer <token>`, compared in constant time.
struct AdminTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    init(token: String) { self.token = Array(token.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.constantTimeEquals(Array(header.utf8.dropFirst("Bearer ".utf8.count)), token)
        else { throw AdminError.unauthorized }
        return try await next(request, context)
    }

    /// Compares every byte whatever the first difference, so timing does not reveal a prefix of the token.
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = given.count ^ expected.count
        for index in 0..<expected.count {
            difference |= Int(expected[index] ^ (index < given.count ? given[index] : 0))
        }
        return difference == 0 && !expected.isEmpty
    }
}
