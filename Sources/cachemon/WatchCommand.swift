import ArgumentParser
import CacheAdminAPI
import CacheAdminClient
import CursesUI
import Foundation
import MonitorCore

/// `cachemon watch URL`: the live monitor on a running service.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Open the live monitor on a service's admin API.",
        discussion:
            "Keys: q quit, ? help, / filter, g user, s sort, r reverse, ⏎ keys, i instances, d purge, space pause.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var display: DisplayOptions

    func run() async throws {
        let client = try connection.client()
        try await display.runMonitor(url: connection.url, client: client)
    }
}

/// How the monitor looks and behaves; shared by `watch` and `demo`.
struct DisplayOptions: ParsableArguments {
    @Option(help: "Refresh interval, such as 1s, 500ms or 2.")
    var interval: String = "1s"

    @Flag(help: "Disable purging from the monitor.")
    var readOnly = false

    @Flag(help: "No colours (also when NO_COLOR is set).")
    var noColor = false

    func validate() throws {
        guard Self.seconds(interval) != nil else {
            throw ValidationError("--interval must be a duration from 0.1s to 60s, such as 1s, 500ms or 2")
        }
    }

    /// `1s`, `500ms`, `2` → seconds, within 0.1…60.
    static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let value: Double?
        if trimmed.hasSuffix("ms") {
            value = Double(trimmed.dropLast(2)).map { $0 / 1000 }
        } else if trimmed.hasSuffix("s") {
            value = Double(trimmed.dropLast())
        } else {
            value = Double(trimmed)
        }
        guard let value, value >= 0.1, value <= 60 else { return nil }
        return value
    }

    func runMonitor(url: String, client: AdminClient) async throws {
        let monochrome = noColor || !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let state = MonitorState(
            configuration: .init(
                url: url, interval: Self.seconds(interval) ?? 1, readOnly: readOnly, monochrome: monochrome),
            now: Date())
        let queue = ActionQueue()
        do {
            try await MonitorLoop.runDetached(
                state: state, runner: EffectRunner(client: client, queue: queue), queue: queue)
        } catch let error as CursesTerminal.StartError {
            printError("cachemon: \(error)")
            throw ExitStatus.usage
        }
    }
}
