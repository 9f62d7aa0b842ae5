import ArgumentParser
import CacheAdminAPI
import CacheAdminClient
import CacheAside
import Foundation
import MonitorCore

/// `cachemon verify URL --user U [--json]`: is each cached answer of a user still true?
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compute a user's cached entries again, without the cache, and say which are stale.",
        discussion: """
            The server replays each entry's request without the cache and without storing, and
            compares the fresh body with the stored one. Nothing is changed. Exits 0 when no entry
            is stale, 1 when one is (or the server refused), 2 when the server cannot be reached.
            """)

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var target: TargetOptions

    @Option(help: "How many entries to verify, 1 to 1000 (in route-key order).")
    var limit: Int = 100

    @Option(help: "How many to compute at once, 1 to 64.")
    var concurrency: Int = 4

    @Option(help: "Seconds the whole verification may take on the server, 0.001 to 60 (--timeout is the client's).")
    var deadline: Double = 10

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 64") }
        guard deadline >= 0.001, deadline <= 60 else {
            throw ValidationError("--deadline must be from 0.001 to 60 seconds")
        }
    }

    func run() async throws {
        let report: VerifyReport
        do {
            let client = try connection.client()
            report = try await client.verify(
                prefix: try await target.resolvedPrefix(using: client), limit: limit, concurrency: concurrency,
                timeout: .nanoseconds(Int64(deadline * 1e9)))
        } catch let error as AdminClientError {
            throw ExitStatus.report(error)
        }
        if json {
            print(String(decoding: try WireFormat.encoder().encode(report), as: UTF8.self))
        } else {
            print(TextReport.verification(report))
        }
        if report.count(.stale) > 0 { throw ExitStatus.serverSaidNo }
    }
}
