import CacheAdminAPI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// An admin API failure, answered as `{"error": {"code": …, "message": …}}` with its status.
public struct AdminError: HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// The JSON body.
    public var body: APIError
    /// Extra headers, such as `WWW-Authenticate` on a 401 or `Allow` on a 405.
    var headers: HTTPFields = [:]

    /// Creates an error answer.
    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.body = APIError(code: code, message: message)
    }

    static func badRequest(_ message: String) -> Self { Self(.badRequest, code: "bad_request", message: message) }

    static func notFound(_ message: String) -> Self { Self(.notFound, code: "not_found", message: message) }

    /// 404 for text that is not one of this cache's prefixes: it names nothing here, and the code
    /// tells a client it never will (unlike `not_found`, a prefix the cache has not seen yet).
    static func notAPrefix(_ message: String) -> Self { Self(.notFound, code: "not_a_prefix", message: message) }

    /// 405 with `Allow` listing the methods the path serves, for example `GET, HEAD`.
    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> Self {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        let message = "\(method.rawValue) is not served here; use \(list)"
        var error = Self(.methodNotAllowed, code: "method_not_allowed", message: message)
        error.headers[.allow] = list
        return error
    }

    static var unauthorized: Self {
        var error = Self(
            .unauthorized, code: "unauthorized",
            message: "missing or wrong token: send 'Authorization: Bearer <token>' (the token cachemon serve printed)")
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body =
            (try? WireFormat.encoder().encode(self.body)).map(Array.init)
            ?? Array(#"{"error":{"code":"internal"}}"#.utf8)
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
