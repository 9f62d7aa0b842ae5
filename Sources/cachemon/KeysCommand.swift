import ArgumentParser
import CacheAside
import Foundation
import MonitorCore

/// `cachemon keys URL --user U`: the entries of one user, with age and time left.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "List the cached entries of one user (or one prefix).")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The user id.")
    var user: String?

    @Option(help: "A prefix such as api:{u:42}, instead of --user.")
    var prefix: String?

    @Option(help: "The namespace --user is looked up in.")
    var namespace: String = "api"

    @Option(help: "How many entries to show, 1 to 1000.")
    var limit: Int = 100

    @Flag(help: "Print the entries as JSON.")
    var json = false

    func validate() throws {
        guard (user == nil) != (prefix == nil) else { throw ValidationError("give either --user or --prefix") }
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
    }

    func run() async throws {
        let target = prefix ?? CachePrefix(namespace: namespace, user: user).rawValue
        let keys: [KeyInfo]
        do {
            keys = try await connection.client().keys(prefix: target, limit: limit)
        } catch let error as StatsClientError {
            throw ExitStatus.report(error)
        }
        if json {
            print(String(decoding: try WireFormat.encoder().encode(keys), as: UTF8.self))
        } else {
            print(TextReport.keys(keys, prefix: target))
        }
    }
}
