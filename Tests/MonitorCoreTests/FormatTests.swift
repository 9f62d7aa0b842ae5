import CacheAdminAPI
import Testing

@testable import MonitorCore

@Suite("Formats")
struct FormatTests {
    @Test("a count is singular for exactly one and plural otherwise, with thousands separated")
    func pluralised() {
        #expect(Format.count(1, "key") == "1 key")
        #expect(Format.count(0, "key") == "0 keys")
        #expect(Format.count(2, "key") == "2 keys")
        #expect(Format.count(UInt64(1_204), "key") == "1,204 keys")
        #expect(Format.count(1, "entry", plural: "entries") == "1 entry")
        #expect(Format.count(3, "entry", plural: "entries") == "3 entries")
    }

    @Test("a purge of one key says 1 key in the status line, the event pane and the dialog")
    func oneKeyOnScreen() {
        var state = Fixtures.liveState()
        _ = reduce(&state, .key(.character("d"), at: Fixtures.start))
        _ = reduce(&state, .key(.character("y"), at: Fixtures.start))
        let result = PurgeResult(
            prefix: "api:{u:42}", user: "42", removedKeys: 1, removedBytes: 1, generation: 8, durationSeconds: 0.0004)
        _ = reduce(&state, .purgeFinished(prefix: "api:{u:42}", .success(result), at: Fixtures.start))
        #expect(state.status?.text == "purged user 42: 1 key in 0.4 ms")

        state.events = [
            CacheEvent(seq: 9, time: Fixtures.start, kind: .purged, prefix: "api:{u:7}", user: "7", count: 1)
        ]
        let events = render(state, size: state.size).text
        #expect(events.contains("user 7         1 key"))
        #expect(!events.contains("1 keys"))

        state.snapshot?.prefixes[0].keys = 1
        state.mode = .confirmingPurge(state.page[0])
        #expect(render(state, size: state.size).text.contains("1 key, 1.2 MiB will be removed."))
    }
}
