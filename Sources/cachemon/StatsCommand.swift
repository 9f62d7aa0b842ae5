import ArgumentParser
import CacheAdminAPI
import CacheAdminClient
import Foundation
import MonitorCore

/// `cachemon stats URL`: totals and the top prefixes; with `--instances`, the fleet's instances.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Print a cache's totals and its top prefixes, or its instances.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Sort by \(StatsQuery.Sort.allCases.map(\.rawValue).joined(separator: ", ")).")
    var sort: String = "hits"

    @Flag(help: "Sort ascending instead of descending.")
    var ascending = false

    @Option(help: "How many prefixes to show, 1 to 1000.")
    var limit: Int = 20

    @Option(help: "Only users whose id contains this text.")
    var filter: String?

    @Flag(help: "Print the raw snapshot as JSON.")
    var json = false

    @Flag(
        help: """
            List the instances sharing the cache's store instead (id, URL, version, uptime, requests/s, hits, \
            misses, store errors, circuit, last heartbeat; dead ones marked). With --json, the raw list.
            """)
    var instances = false

    func validate() throws {
        guard StatsQuery.Sort(rawValue: sort) != nil else {
            throw ValidationError(
                "--sort must be one of \(StatsQuery.Sort.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (1...StatsQuery.maximumLimit).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
    }

    func run() async throws {
        if instances { return try await runInstances() }
        let query = StatsQuery(
            sort: StatsQuery.Sort(rawValue: sort) ?? .hits, order: ascending ? .ascending : .descending, limit: limit,
            filter: filter)
        let snapshot: StatsSnapshot
        do {
            snapshot = try await connection.client().stats(query)
        } catch let error as AdminClientError {
            throw ExitStatus.report(error)
        }
        if json {
            print(String(decoding: try WireFormat.encoder().encode(snapshot), as: UTF8.self))
        } else {
            print(TextReport.stats(snapshot, url: connection.url))
        }
    }

    private func runInstances() async throws {
        let list: InstanceList
        do {
            list = try await connection.client().instances()
        } catch let error as AdminClientError {
            throw ExitStatus.report(error)
        }
        if json {
            print(String(decoding: try WireFormat.encoder().encode(list), as: UTF8.self))
        } else {
            print(TextReport.instances(list, url: connection.url))
        }
    }
}
