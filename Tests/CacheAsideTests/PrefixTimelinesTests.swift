import Foundation
import Testing

@testable import CacheAside

@Suite("Prefix timelines")
struct PrefixTimelinesTests {
    func event(_ prefix: String, _ key: String) -> CacheEvent {
        CacheEvent(seq: 0, time: Date(timeIntervalSince1970: 0), kind: .stored, prefix: prefix, key: key)
    }

    @Test("each prefix keeps its latest events, newest first")
    func perPrefix() {
        var timelines = PrefixTimelines(perPrefix: 3, total: 100)
        for index in 0..<5 { timelines.append(event("a", "/a\(index)")) }
        timelines.append(event("b", "/b"))
        #expect(timelines.events(of: "a", limit: 10)?.compactMap(\.key) == ["/a4", "/a3", "/a2"])
        #expect(timelines.events(of: "a", limit: 2)?.compactMap(\.key) == ["/a4", "/a3"])
        #expect(timelines.events(of: "b", limit: 10)?.compactMap(\.key) == ["/b"])
        #expect(timelines.events(of: "c", limit: 10) == nil)
    }

    @Test("a busy prefix churning through its own bound does not push a quiet prefix's history out")
    func quietKeepsHistory() {
        var timelines = PrefixTimelines(perPrefix: 3, total: 10)
        timelines.append(event("quiet", "/q"))
        for index in 0..<100_000 { timelines.append(event("busy", "/b\(index)")) }
        #expect(timelines.events(of: "quiet", limit: 10)?.compactMap(\.key) == ["/q"])
        #expect(timelines.count == 4)
    }

    @Test("past the total, the store's oldest events go first, and a prefix left with none is forgotten")
    func total() {
        var timelines = PrefixTimelines(perPrefix: 10, total: 4)
        timelines.append(event("quiet", "/q"))
        for index in 0..<4 { timelines.append(event("busy", "/b\(index)")) }
        #expect(timelines.events(of: "quiet", limit: 10) == nil)
        #expect(timelines.events(of: "busy", limit: 10)?.count == 4)
        for index in 0..<5000 { timelines.append(event("p\(index % 7)", "/\(index)")) }
        // The last four went to p5, p6, p0 and p1 (index % 7); everything older is gone.
        #expect(timelines.count == 4)
        #expect(timelines.events(of: "p1", limit: 10)?.compactMap(\.key) == ["/4999"])
        #expect(timelines.events(of: "p5", limit: 10)?.compactMap(\.key) == ["/4996"])
        #expect(timelines.events(of: "p3", limit: 10) == nil)
        #expect(timelines.events(of: "busy", limit: 10) == nil)
    }
}
