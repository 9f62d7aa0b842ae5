/// Why a call to the admin API failed, in words a person can act on.
public enum AdminClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL given is not an http(s) URL.
    case invalidURL(String)
    /// Nothing answered: the server is down, the port is wrong, or it timed out.
    case cannotConnect(url: String, reason: String)
    /// 401: the token is missing or wrong.
    case unauthorized(String)
    /// Any other non-2xx answer, with the server's explanation when it gave one.
    case rejected(status: Int, error: APIError?)
    /// The server answered 2xx with something that is not the expected JSON.
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            "\(url) is not an http:// or https:// URL"
        case .cannotConnect(let url, let reason):
            "cannot connect to \(url): \(reason)"
        case .unauthorized(let message):
            "the server refused the token (401): \(message)"
        case .rejected(let status, let error):
            error.map { "the server answered \(status): \($0.error.message)" } ?? "the server answered \(status)"
        case .malformedResponse(let reason):
            "the server's answer is not what the admin API sends: \(reason)"
        }
    }
}
