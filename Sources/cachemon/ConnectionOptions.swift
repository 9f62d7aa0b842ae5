import ArgumentParser
import CacheAdminAPI
import CacheAdminClient
import Foundation

/// The server to talk to and the token to show it.
struct ConnectionOptions: ParsableArguments {
    @Argument(help: "The service's base URL, for example http://127.0.0.1:8080.")
    var url: String

    @Option(help: "The admin token (default: $CACHEMON_TOKEN).")
    var token: String?

    @Option(help: "Seconds to wait for an answer.")
    var timeout: Double = 5

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be above 0 seconds") }
    }

    var resolvedToken: String? { token ?? ProcessInfo.processInfo.environment["CACHEMON_TOKEN"] }

    func client() throws -> AdminClient {
        do {
            return try AdminClient(url: url, token: resolvedToken, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch {
            throw ValidationError(error.description)
        }
    }
}
