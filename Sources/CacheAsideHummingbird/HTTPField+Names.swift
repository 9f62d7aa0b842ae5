import HTTPTypes

extension HTTPField.Name {
    /// `X-Cache: HIT` or `MISS`, set on every response the cache middleware handles.
    public static let xCache = Self(literal: "X-Cache")
    static let keepAlive = Self(literal: "Keep-Alive")
    /// Marks a request that verification replays: the cache middleware runs the route itself.
    static let xCachemonReplay = Self(literal: "X-Cachemon-Replay")

    /// A header name written in this file, known to be a valid token.
    private init(literal: String) {
        guard let name = Self(literal) else { preconditionFailure("\(literal) is not a valid header name") }
        self = name
    }
}
