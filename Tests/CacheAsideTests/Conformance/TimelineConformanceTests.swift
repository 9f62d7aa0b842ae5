import CacheAside
import Foundation
import TestSupport
import Testing

/// Every store keeps each prefix's timeline: what was stored, first hits, purges with their reason,
/// origin and instance, expirations; newest first, and apart from other prefixes.
@Suite("Timeline conformance", .timeLimit(.minutes(2)))
struct TimelineConformanceTests {
    @Test(
        "a user's timeline says what was stored, first hit, and purged: why, by whom, into which generation",
        arguments: StoreKind.allCases)
    func storedHitPurged(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.read("/summary", user: "42")
        _ = try await fixture.read("/summary", user: "42")
        _ = try await fixture.read("/summary", user: "42")
        _ = try await fixture.read("/orders", user: "7")
        let purge = try await fixture.cache.purge(user: "42", reason: "order created")
        _ = try await fixture.read("/summary", user: "42")
        try await fixture.settle()

        let timeline = try await fixture.cache.timeline(user: "42")
        #expect(timeline.map(\.kind) == [.stored, .purged, .firstHit, .stored], "newest first, one first hit")
        #expect(timeline.allSatisfy { $0.user == "42" }, "user 7's store is not in user 42's timeline")
        #expect(timeline.compactMap(\.key) == ["/summary", "/summary", "/summary"])
        let purged = try #require(timeline.first { $0.kind == .purged })
        #expect(purged.reason == "order created")
        #expect(purged.origin == "application")
        #expect(purged.instance == fixture.cache.instance)
        #expect(purged.generation == purge.generation)
        #expect(timeline[0].generation == purge.generation, "stored again in the purge's generation")
        #expect(timeline[3].generation != purge.generation, "first stored in the generation before")
        #expect(timeline[2].generation == timeline[3].generation, "the hit was of the entry stored first")

        let ring = try await fixture.events()
        #expect(ring.contains { $0.kind == .purged && $0.reason == "order created" })
        #expect(!ring.contains { $0.kind == .stored || $0.kind == .firstHit }, "the ring stays for notable events")
    }

    @Test("an expiration shows in the timeline; a prefix nobody used has none", arguments: StoreKind.allCases)
    func expiredAndUnknown(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.cache.cachedBytes(key: "/short", user: "5", ttl: .seconds(2)) { [1] }
        fixture.clock.advance(by: .seconds(3))
        try await fixture.sweep()
        try await fixture.settle()
        let timeline = try await fixture.cache.timeline(user: "5")
        #expect(timeline.first?.kind == .expired)
        #expect(timeline.first?.key == "/short")
        let unknown = try await fixture.cache.timeline(of: fixture.cache.prefix(user: "never-seen"))
        #expect(unknown == nil)
        await #expect(throws: CacheAsideError.self) { try await fixture.cache.timeline(user: "5", limit: 0) }
    }

    @Test("a purge whose reason cannot be stored is refused and purges nothing", arguments: StoreKind.allCases)
    func badReason(kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        _ = try await fixture.read("/summary", user: "9")
        let tooLong = String(repeating: "é", count: PurgeReason.maximumLength + 1)
        for reason in [tooLong, "line one\nline two", "\u{1B}[2J"] {
            await #expect(throws: CacheAsideError.self) { try await fixture.cache.purge(user: "9", reason: reason) }
        }
        await #expect(throws: CacheAsideError.self) {
            try await fixture.cache.purge(user: "9", origin: String(repeating: "x", count: 201))
        }
        #expect(try await fixture.read("/summary", user: "9").computed == false, "the entry is still there")
        try await fixture.settle()
        #expect(try await fixture.cache.timeline(user: "9").contains { $0.kind == .purged } == false)
        let exact = String(repeating: "é", count: PurgeReason.maximumLength)
        #expect(try await fixture.cache.purge(user: "9", reason: exact).removedKeys == 1)
    }
}
