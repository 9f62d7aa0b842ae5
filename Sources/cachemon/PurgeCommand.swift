import ArgumentParser
import CacheAdminAPI
import CacheAdminClient
import CacheAside
import Foundation
import MonitorCore

/// `cachemon purge URL --user U [--yes]`: removes a user's entries.
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge", abstract: "Purge one user's cached entries (asks first unless --yes).")

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var target: TargetOptions

    @Flag(help: "Purge without asking.")
    var yes = false

    @Option(help: "Why: kept with the purge in the prefix's timeline (at most 200 characters).")
    var reason: String?

    func validate() throws {
        if let reason, let problem = PurgeReason.problem(with: reason, field: "--reason") {
            throw ValidationError(problem)
        }
    }

    func run() async throws {
        let client = try connection.client()
        do {
            let prefix = try await target.resolvedPrefix(using: client)
            if !yes {
                let held = try await heldKeys(client, prefix)
                print("Purge \(prefix)? It holds \(held). [y/N] ", terminator: "")
                guard let answer = readLine() else {
                    printError("cachemon: no answer on standard input; pass --yes to purge without asking")
                    throw ExitStatus.usage
                }
                guard ["y", "yes"].contains(answer.lowercased()) else {
                    print("Not purged.")
                    return
                }
            }
            let result: PurgeResult
            let origin = "cli (\(AdminClient.loginName))"
            if let user = target.user {
                result = try await client.purge(user: user, reason: reason, origin: origin)
            } else {
                result = try await client.purge(prefix: prefix, reason: reason, origin: origin)
            }
            print(
                "purged \(result.prefix): \(Format.count(result.removedKeys, "key")), \(TextReport.bytes(result.removedBytes)) in "
                    + "\(TextReport.milliseconds(result.durationSeconds)); generation \(result.generation)")
        } catch let error as AdminClientError {
            throw ExitStatus.report(error)
        }
    }

    /// How many keys the prefix holds, for the question (`1 key`, `1,000+ keys`); a prefix the server
    /// never saw holds none. Text that is no prefix of the server's (`not_a_prefix`) is reported
    /// before asking anything.
    private func heldKeys(_ client: AdminClient, _ target: String) async throws(AdminClientError) -> String {
        do {
            let keys = try await client.keys(prefix: target, limit: 1000)
            return keys.count == 1000 ? "1,000+ keys" : Format.count(keys.count, "key")
        } catch .rejected(status: 404, let error) where error?.error.code != "not_a_prefix" {
            return Format.count(0, "key")
        }
    }
}
