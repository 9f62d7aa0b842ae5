import CacheAdminAPI
import Foundation
import Testing

@Suite("Instances list on the wire")
struct InstanceListTests {
    static let list = InstanceList(
        serverTime: Date(timeIntervalSince1970: 1_795_000_010.5), instance: "web-1",
        instances: [
            InstanceInfo(
                id: "web-1", url: "http://10.0.0.1:8080", version: "1.4.2",
                startedAt: Date(timeIntervalSince1970: 1_794_999_000.25), uptimeSeconds: 1_010.25,
                requestsPerSecond: 212.5, hits: 9_000, misses: 1_000, storeErrors: 3, circuitOpen: true,
                lastSeen: Date(timeIntervalSince1970: 1_795_000_010.5), alive: true),
            InstanceInfo(
                id: "web-2", version: "1.4.1", startedAt: Date(timeIntervalSince1970: 1_794_990_000),
                uptimeSeconds: 9_990, lastSeen: Date(timeIntervalSince1970: 1_794_999_990.75), alive: false),
        ])

    @Test("a list survives a round trip unchanged")
    func roundTrip() throws {
        let data = try WireFormat.encoder().encode(Self.list)
        #expect(try WireFormat.decoder().decode(InstanceList.self, from: data) == Self.list)
    }

    @Test("times are ISO 8601 with milliseconds, the schema version is written, and a missing URL is left out")
    func shape() throws {
        let text = String(decoding: try WireFormat.encoder().encode(Self.list), as: UTF8.self)
        #expect(text.contains(#""lastSeen":"2026-11-18T"#))
        #expect(text.contains(#""lastSeen":"2026-11-18T11:06:30.750Z""#), "web-2, with its milliseconds")
        #expect(text.contains(#""schemaVersion":\#(CacheStatsSchema.version)"#))
        #expect(text.contains(#""alive":false"#))
        #expect(text.contains(#""circuitOpen":true"#))
        #expect(text.components(separatedBy: #""url":"#).count == 2, "only web-1 has a URL")
    }

    @Test("hit ratio is nil before the first lookup; the alive count counts only the living")
    func derivedFigures() {
        #expect(Self.list.instances[0].hitRatio == 0.9)
        #expect(Self.list.instances[1].hitRatio == nil)
        #expect(Self.list.aliveCount == 1)
    }
}
