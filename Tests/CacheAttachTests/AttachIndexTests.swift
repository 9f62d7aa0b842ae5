import Foundation
import Testing

@testable import CacheAttach

@Suite("The attach index: keys by hash, figures per user")
struct AttachIndexTests {
    let origin = Date(timeIntervalSince1970: 1_000_000)

    @Test("keys are counted per user once, however often they are seen, with their bytes")
    func counting() {
        var index = AttachIndex(origin: origin)
        let now = origin.addingTimeInterval(1)
        let first = index.observe(
            AttachIndex.hash("a1"), user: "a", bytes: 100, ttlMilliseconds: 60_000, pass: 1, now: now)
        let again = index.observe(
            AttachIndex.hash("a1"), user: "a", bytes: 120, ttlMilliseconds: 60_000, pass: 1, now: now)
        #expect(first && !again)
        index.observe(AttachIndex.hash("a2"), user: "a", bytes: 80, ttlMilliseconds: -1, pass: 1, now: now)
        index.observe(AttachIndex.hash("b1"), user: "b", bytes: nil, ttlMilliseconds: 5_000, pass: 1, now: now)
        let a = index.figures[Int(index.existingID(of: "a")!)]
        #expect(a.keys == 2 && a.bytes == 200)
        let b = index.figures[Int(index.existingID(of: "b")!)]
        // Not measured: estimated from every measured key (120 and 80).
        #expect(b.keys == 1 && b.bytes == 100)
        let removed = index.remove(AttachIndex.hash("a2"))
        let removedAgain = index.remove(AttachIndex.hash("a2"))
        #expect(removed?.bytes == 80 && removedAgain == nil)
        #expect(index.figures[Int(index.existingID(of: "a")!)].keys == 1)
    }

    @Test("expired keys are swept at their deadline; keys without a time to live stay")
    func sweeping() {
        var index = AttachIndex(origin: origin)
        let now = origin.addingTimeInterval(10)
        index.observe(1, user: "a", bytes: 10, ttlMilliseconds: 1_000, pass: 1, now: now)
        index.observe(2, user: "a", bytes: 10, ttlMilliseconds: 30_000, pass: 1, now: now)
        index.observe(3, user: "b", bytes: 10, ttlMilliseconds: -1, pass: 1, now: now)
        let early = index.sweepExpired(now: now.addingTimeInterval(0.5))
        #expect(early.isEmpty)
        #expect(index.expiringSoon(now: now, horizon: 60) == [2, 0])
        let gone = index.sweepExpired(now: now.addingTimeInterval(1.2))
        #expect(gone.count == 1 && gone[0].count == 1 && gone[0].expired)
        #expect(index.entries.count == 2)
    }

    @Test("a scan forgets the keys it no longer found; expired ones say so, the others were removed")
    func endOfPass() {
        var index = AttachIndex(origin: origin)
        let now = origin.addingTimeInterval(10)
        index.observe(1, user: "a", bytes: 10, ttlMilliseconds: 500, pass: 1, now: now)
        index.observe(2, user: "a", bytes: 10, ttlMilliseconds: 60_000, pass: 1, now: now)
        index.observe(3, user: "a", bytes: 10, ttlMilliseconds: 60_000, pass: 1, now: now)
        let later = now.addingTimeInterval(2)
        index.observe(3, user: "a", bytes: 10, ttlMilliseconds: 60_000, pass: 2, now: later)
        let gone = index.endPass(2, now: later)
        #expect(gone.map(\.count) == [1, 1])
        #expect(Set(gone.map(\.expired)) == [true, false])
        #expect(index.entries.keys.sorted() == [3])
    }
}
