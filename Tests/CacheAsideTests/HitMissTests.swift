import CacheAside
import TestSupport
import Testing

@Suite("Hits and misses")
struct HitMissTests {
    @Test("a second read is a hit that returns the stored bytes unchanged")
    func hitAfterMiss() async throws {
        let fixture = Fixture()
        let first = try await fixture.read("/summary", user: "42", value: Array("hello".utf8))
        let second = try await fixture.read("/summary", user: "42", value: Array("other".utf8))
        #expect(first.computed && !second.computed)
        #expect(second.bytes == Array("hello".utf8))
        let totals = try await fixture.totals()
        #expect((totals[.hits], totals[.misses], totals[.sets], totals.keys) == (1, 1, 1, 1))
    }

    @Test("an empty byte array is a hit")
    func emptyBytesAreHits() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/raw", user: "42", value: [])
        let again = try await fixture.read("/raw", user: "42", value: [9])
        #expect(!again.computed)
        #expect(again.bytes == [])
    }

    @Test("falsy values are hits: [], {}, \"\", 0, false")
    func falsyValuesAreHits() async throws {
        let fixture = Fixture()
        let counter = CallCounter()
        for _ in 0..<3 {
            let list: [Int] = try await fixture.cache.cached(key: "/list", user: "7") {
                counter.increment(); return []
            }
            let map: [String: Int] = try await fixture.cache.cached(key: "/map", user: "7") {
                counter.increment()
                return [:]
            }
            let text: String = try await fixture.cache.cached(key: "/text", user: "7") {
                counter.increment(); return ""
            }
            let zero: Int = try await fixture.cache.cached(key: "/zero", user: "7") {
                counter.increment(); return 0
            }
            let no: Bool = try await fixture.cache.cached(key: "/no", user: "7") {
                counter.increment(); return false
            }
            #expect(list == [] && map == [:] && text == "" && zero == 0 && no == false)
        }
        #expect(counter.value == 5, "each value is computed once, then served from the cache")
        #expect(try await fixture.totals()[.hits] == 10)
    }

    @Test("a Codable value round-trips through the cache")
    func codableValue() async throws {
        struct Summary: Codable, Sendable, Equatable {
            var orders: Int
            var revenue: Double
            var tags: [String]
        }
        let fixture = Fixture()
        let expected = Summary(orders: 3, revenue: 12.5, tags: ["a", "b"])
        let first: Summary = try await fixture.cache.cached(key: "/s", user: "1", ttl: .seconds(60)) { expected }
        let second: Summary = try await fixture.cache.cached(key: "/s", user: "1") {
            Summary(orders: 0, revenue: 0, tags: [])
        }
        #expect(first == expected && second == expected)
    }

    @Test("a stored value of another type is recomputed and reported, not thrown")
    func typeChange() async throws {
        let fixture = Fixture()
        let _: String = try await fixture.cache.cached(key: "/v", user: "1") { "text" }
        let number: Int = try await fixture.cache.cached(key: "/v", user: "1") { 5 }
        #expect(number == 5)
        #expect(try await fixture.events().contains { $0.kind == .storeError })
    }

    @Test("keys of one user are separate from another's and from the public prefix")
    func usersAreSeparate() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/summary", user: "1", value: [1])
        _ = try await fixture.read("/summary", user: "2", value: [2])
        _ = try await fixture.read("/summary", user: nil, value: [3])
        #expect(try await fixture.read("/summary", user: "1").bytes == [1])
        #expect(try await fixture.read("/summary", user: "2").bytes == [2])
        #expect(try await fixture.read("/summary", user: nil).bytes == [3])
    }

    @Test("ttl zero computes without storing")
    func zeroTTL() async throws {
        let fixture = Fixture()
        _ = try await fixture.read("/live", user: "1", ttl: .zero)
        #expect(try await fixture.read("/live", user: "1", ttl: .zero).computed)
        #expect(try await fixture.totals().keys == 0)
    }
}
