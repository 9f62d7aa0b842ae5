/// The body of every 4xx and 5xx answer of the admin API: `{"error": {"code": …, "message": …}}`.
public struct APIError: Codable, Sendable, Equatable, Error {
    /// A stable machine-readable code and a sentence a person can act on.
    public struct Detail: Codable, Sendable, Equatable {
        /// For example `unauthorized`, `bad_request`, `not_found`, `payload_too_large`.
        public var code: String
        /// What was wrong and how to fix it.
        public var message: String

        /// Creates the detail.
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// The error.
    public var error: Detail

    /// Creates an error body.
    public init(code: String, message: String) {
        self.error = Detail(code: code, message: message)
    }
}
