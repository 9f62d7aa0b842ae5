import CacheAdminAPI
import Foundation
import Testing

@testable import MonitorCore

@Suite("Rate windows")
struct RateHistoryTests {
    func at(_ seconds: Double) -> Date { Fixtures.start.addingTimeInterval(seconds) }

    @Test("ratios are weighted by requests, not an average of per-interval ratios")
    func requestWeighted() throws {
        var history = RateHistory()
        history.record(CacheTotals(counters: [.hits: 0, .misses: 0]), at: at(0))
        history.record(CacheTotals(counters: [.hits: 1, .misses: 0]), at: at(1))  // 1 lookup, 100%
        history.record(CacheTotals(counters: [.hits: 91, .misses: 10]), at: at(2))  // 100 lookups, 90%
        #expect(history.ratioNow == 0.9)
        let minute = try #require(history.ratio(over: 60))
        #expect(abs(minute - 91.0 / 101.0) < 1e-9, "not (100% + 90%) / 2")
    }

    @Test("idle intervals have no ratio and do not pull the window toward 0%")
    func idleIntervals() {
        var history = RateHistory()
        history.record(CacheTotals(counters: [.hits: 0, .misses: 0]), at: at(0))
        history.record(CacheTotals(counters: [.hits: 8, .misses: 2]), at: at(1))
        history.record(CacheTotals(counters: [.hits: 8, .misses: 2]), at: at(2))
        history.record(CacheTotals(counters: [.hits: 8, .misses: 2]), at: at(3))
        #expect(history.ratioNow == nil)
        #expect(history.ratio(over: 60) == 0.8)
        #expect(history.ratioSeries(count: 10) == [0.8, nil, nil])
        #expect(history.requestsPerSecond == 0)
    }

    @Test("windows only look back as far as they say")
    func windows() {
        var history = RateHistory()
        history.record(CacheTotals(counters: [.hits: 0, .misses: 1_000]), at: at(0))  // a bad start…
        history.record(CacheTotals(counters: [.hits: 0, .misses: 2_000]), at: at(100))
        history.record(CacheTotals(counters: [.hits: 1_000, .misses: 2_000]), at: at(200))  // …then all hits
        #expect(history.ratio(over: 120) == 1.0)
        #expect(history.ratio(over: 300) == 1_000.0 / 2_000.0)
    }

    @Test("a counter that goes down (the server restarted) starts the history again")
    func restart() {
        var history = RateHistory()
        history.record(CacheTotals(counters: [.hits: 500, .misses: 100]), at: at(0))
        history.record(CacheTotals(counters: [.hits: 600, .misses: 110]), at: at(1))
        let reset = history.record(CacheTotals(counters: [.hits: 3, .misses: 1]), at: at(2))
        #expect(reset)
        #expect(history.samples.count == 1 && history.ratioNow == nil)
        history.record(CacheTotals(counters: [.hits: 13, .misses: 1]), at: at(3))
        #expect(history.ratioNow == 1.0)
    }

    @Test("rates are per second between the last two samples")
    func rates() {
        var history = RateHistory()
        history.record(CacheTotals(counters: [.hits: 0, .misses: 0, .expirations: 0]), at: at(0))
        history.record(CacheTotals(counters: [.hits: 300, .misses: 100, .expirations: 6]), at: at(2))
        #expect(history.requestsPerSecond == 200)
        #expect(history.rate { $0[.expirations] } == 3)
    }

    @Test("per-prefix rates come from consecutive pages and reset when a counter goes down")
    func prefixRates() {
        var rates = PrefixRates()
        rates.record([Fixtures.prefix("1", hits: 10, misses: 2)], at: at(0))
        #expect(rates["api:{u:1}"] == nil)
        rates.record([Fixtures.prefix("1", hits: 30, misses: 6)], at: at(2))
        #expect(rates["api:{u:1}"] == PrefixRates.Rate(hitsPerSecond: 10, missesPerSecond: 2))
        rates.record([Fixtures.prefix("1", hits: 1, misses: 0)], at: at(3))
        #expect(rates["api:{u:1}"] == nil)
    }
}
