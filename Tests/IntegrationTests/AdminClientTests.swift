import CacheAdminAPI
import CacheAdminClient
import Foundation
import TestSupport
import Testing

/// How fast the admin client notices a server that is gone or hung: what the monitor's
/// "disconnected" is made of.
@Suite("Admin client against a dead or hung server", .serialized, .timeLimit(.minutes(1)))
struct AdminClientTests {
    /// Runs `request` and returns the error it threw and how long it took.
    func failure(_ request: () async throws -> Void) async -> (error: (any Error)?, seconds: Double) {
        let start = ContinuousClock.now
        var thrown: (any Error)?
        do { try await request() } catch { thrown = error }
        let elapsed = ContinuousClock.now - start
        return (thrown, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    @Test("a refused connection fails at once, not after the request timeout")
    func refused() async throws {
        // A port held but not listening: a free port that was merely picked could be taken by another
        // suite's server before the connect (seen in CI as "connection reset by peer").
        let refusing = try SilentListener(listens: false)
        let client = try AdminClient(
            url: "http://127.0.0.1:\(refusing.port)", token: "t", timeout: .seconds(30))
        for attempt in 1...3 {
            let (error, seconds) = await failure { _ = try await client.stats() }
            // Milliseconds when idle, but the first attempt once took 6 s while every suite started
            // at once on both cores; the bound is half of the 30 s that a retried connect waits.
            #expect(seconds < 15, "attempt \(attempt) took \(seconds) s")
            guard case .cannotConnect(_, let reason)? = error as? AdminClientError else {
                Issue.record("expected cannotConnect, got \(String(describing: error))")
                continue
            }
            #expect(reason == "connection refused")
        }
        _ = refusing
    }

    @Test("a server that accepts and never answers fails after the request timeout, not before")
    func hung() async throws {
        let listener = try SilentListener()
        let client = try AdminClient(url: "http://127.0.0.1:\(listener.port)", token: "t", timeout: .seconds(1))
        let (error, seconds) = await failure { _ = try await client.stats() }
        #expect(seconds >= 0.9, "took \(seconds) s")
        #expect(seconds < 3, "took \(seconds) s")
        guard case .cannotConnect(_, let reason)? = error as? AdminClientError else {
            Issue.record("expected cannotConnect, got \(String(describing: error))")
            return
        }
        #expect(reason == "timed out")
        _ = listener
    }
}
