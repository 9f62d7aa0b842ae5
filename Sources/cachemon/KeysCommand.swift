import ArgumentParser
import CacheAdminAPI
import CacheAdminClient
import CacheAside
import Foundation
import MonitorCore

/// `cachemon keys URL --user U`: the entries of one user, with age and time left.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "List the cached entries of one user (or one prefix).")

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var target: TargetOptions

    @Option(help: "How many entries to show, 1 to 1000.")
    var limit: Int = 100

    @Flag(help: "Print the entries as JSON.")
    var json = false

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
    }

    func run() async throws {
        let prefix: String
        let keys: [KeyInfo]
        do {
            let client = try connection.client()
            prefix = try await target.resolvedPrefix(using: client)
            keys = try await client.keys(prefix: prefix, limit: limit)
        } catch let error as AdminClientError {
            throw ExitStatus.report(error)
        }
        if json {
            print(String(decoding: try WireFormat.encoder().encode(keys), as: UTF8.self))
        } else {
            print(TextReport.keys(keys, prefix: prefix))
        }
    }
}
