import CacheAdminAPI
import Foundation
import Testing

@Suite("Wire format")
struct WireFormatTests {
    static let snapshot = StatsSnapshot(
        serverTime: Date(timeIntervalSince1970: 1_795_000_000.123), uptimeSeconds: 12.5, backend: "memory",
        instance: "a1b2", namespace: "api",
        totals: CacheTotals(counters: [.hits: 9, .misses: 1, .sets: 1], keys: 1, bytes: 300),
        prefixCount: 1, query: StatsQuery(sort: .hitRatio, order: .ascending, limit: 10, filter: "4"),
        prefixes: [
            PrefixStats(
                prefix: "api:{u:42}", user: "42", keys: 1, bytes: 300, counters: [.hits: 9, .misses: 1],
                lastPurgeAt: Date(timeIntervalSince1970: 1_795_000_000), generation: 3)
        ])

    @Test("a snapshot survives a round trip and keeps millisecond times")
    func roundTrip() throws {
        let data = try WireFormat.encoder().encode(Self.snapshot)
        let decoded = try WireFormat.decoder().decode(StatsSnapshot.self, from: data)
        #expect(decoded.prefixes == Self.snapshot.prefixes)
        #expect(abs(decoded.serverTime.timeIntervalSince(Self.snapshot.serverTime)) < 0.001)
        #expect(decoded.query == Self.snapshot.query)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"serverTime\":\"2026-11-18T") && text.contains("\"sort\":\"hitRatio\""))
        #expect(text.contains("\"order\":\"asc\""))
    }

    @Test("times without fractional seconds are accepted; anything else is a decoding error")
    func lenientTimes() throws {
        let good = #"{"seq":1,"time":"2026-11-27T10:00:00Z","kind":"purged","count":3}"#
        let event = try WireFormat.decoder().decode(CacheEvent.self, from: Data(good.utf8))
        #expect(event.kind == .purged && event.count == 3 && event.user == nil)
        let bad = #"{"seq":1,"time":"yesterday","kind":"purged"}"#
        #expect(throws: DecodingError.self) { try WireFormat.decoder().decode(CacheEvent.self, from: Data(bad.utf8)) }
    }

    @Test("hit ratios are nil before the first lookup")
    func hitRatio() {
        #expect(CacheTotals().hitRatio == nil)
        #expect(CacheTotals(counters: [.hits: 3, .misses: 1]).hitRatio == 0.75)
        #expect(PrefixStats(prefix: "api:{u:1}", user: "1").hitRatio == nil)
    }

    @Test("an API error has the documented shape")
    func apiErrorShape() throws {
        let data = try WireFormat.encoder().encode(APIError(code: "bad_request", message: "limit must be …"))
        #expect(
            String(decoding: data, as: UTF8.self) == #"{"error":{"code":"bad_request","message":"limit must be …"}}"#)
    }

    @Test("query validation names the field out of range")
    func queryValidation() {
        #expect(throws: StatsQueryError.limitOutOfRange(0)) { try StatsQuery(limit: 0).validate() }
        #expect(throws: StatsQueryError.negativeOffset(-2)) { try StatsQuery(offset: -2).validate() }
        #expect(throws: Never.self) { try StatsQuery(limit: 1000).validate() }
    }

    @Test("a purge result's duration is its seconds as a Duration")
    func purgeDuration() {
        let result = PurgeResult(
            prefix: "api:{u:1}", user: "1", removedKeys: 2, removedBytes: 10, generation: 4, durationSeconds: 0.0004)
        #expect(result.duration == .microseconds(400))
    }
}

@Suite("Counter vocabulary")
struct CounterVocabularyTests {
    @Test("every counter is a JSON field of the totals and of a prefix, under its raw name, and reads back by name")
    func everyCounterByName() throws {
        var counters = CounterValues()
        for (index, counter) in CacheCounter.allCases.enumerated() { counters[counter] = UInt64(100 + index) }
        let totals = CacheTotals(counters: counters, keys: 1, bytes: 2, expiringSoon: 3)
        let prefix = PrefixStats(prefix: "api:{u:1}", user: "1", counters: counters)
        for value in [try WireFormat.encoder().encode(totals), try WireFormat.encoder().encode(prefix)] {
            let object = try #require(try JSONSerialization.jsonObject(with: value) as? [String: Any])
            for (index, counter) in CacheCounter.allCases.enumerated() {
                #expect(object[counter.rawValue] as? Int == 100 + index, "\(counter.rawValue)")
            }
        }
        #expect(try WireFormat.decoder().decode(CacheTotals.self, from: WireFormat.encoder().encode(totals)) == totals)
        #expect(try WireFormat.decoder().decode(PrefixStats.self, from: WireFormat.encoder().encode(prefix)) == prefix)
    }

    @Test("fields are read by name: order does not matter, and a counter an older server lacks is zero")
    func decodedByName() throws {
        let json = #"{"keys":1,"bytes":2,"expiringSoon":0,"misses":4,"hits":9}"#
        let totals = try WireFormat.decoder().decode(CacheTotals.self, from: Data(json.utf8))
        #expect(totals[.hits] == 9)
        #expect(totals[.misses] == 4)
        #expect(totals[.staleSetsRejected] == 0)
    }

    @Test("Prometheus names are the raw names in snake case")
    func prometheusNames() {
        #expect(CacheCounter.staleSetsRejected.prometheusName == "stale_sets_rejected")
        #expect(CacheCounter.purgedKeys.prometheusName == "purged_keys")
        #expect(CacheCounter.hits.prometheusName == "hits")
    }
}
