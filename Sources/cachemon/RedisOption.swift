import ArgumentParser
import RESP

/// `--redis URL` as `serve` and `demo` take it.
enum RedisOption {
    /// The parsed URL, `nil` when the option is absent; a malformed one is a usage error that says why.
    static func parse(_ text: String?) throws -> RedisURL? {
        guard let text else { return nil }
        do {
            return try RedisURL(text)
        } catch {
            throw ValidationError("--redis: \(error)")
        }
    }

    static let valueName = "redis://[:password@]host:port/db"
}
