import CacheAside
import Foundation
import TestSupport
import Testing

@Suite("Event ring")
struct EventRingTests {
    func ring(capacity: Int, events: Int) -> EventRing {
        var ring = EventRing(capacity: capacity)
        for _ in 0..<events { ring.append { CacheEvent(seq: $0, time: Date(), kind: .expired) } }
        return ring
    }

    @Test("events are numbered from 1 and paged after a sequence number")
    func paging() {
        let ring = ring(capacity: 100, events: 10)
        let first = ring.page(after: 0, limit: 4)
        #expect(first.events.map(\.seq) == [1, 2, 3, 4] && first.dropped == 0 && first.lastSeq == 4)
        let rest = ring.page(after: first.lastSeq, limit: 100)
        #expect(rest.events.map(\.seq) == Array(5...10) && rest.lastSeq == 10)
        let none = ring.page(after: 10, limit: 100)
        #expect(none.events.isEmpty && none.lastSeq == 10)
    }

    @Test("a caller that fell behind learns how many events it missed")
    func dropped() {
        let ring = ring(capacity: 5, events: 12)
        let page = ring.page(after: 3, limit: 100)
        #expect(page.events.map(\.seq) == Array(8...12))
        #expect(page.dropped == 4)
    }

    @Test("asking after a sequence number the server never reached signals a restart")
    func restart() {
        let ring = ring(capacity: 5, events: 2)
        let page = ring.page(after: 50, limit: 10)
        #expect(page.events.isEmpty && page.lastSeq == 2)
    }

    @Test("the store's ring is bounded by its configured capacity")
    func storeRingIsBounded() async throws {
        let fixture = Fixture(eventCapacity: 10)
        for user in 0..<25 {
            _ = try await fixture.read("/k", user: "\(user)")
            try await fixture.cache.purge(user: "\(user)")
        }
        let page = try await fixture.cache.events(after: 0, limit: 100)
        #expect(page.events.count == 10 && page.dropped == 15 && page.lastSeq == 25)
        await #expect(throws: CacheAsideError.self) { _ = try await fixture.cache.events(after: 0, limit: 0) }
    }
}
