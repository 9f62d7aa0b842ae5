import Testing

@testable import CacheAside

@Suite("Hit sampler")
struct HitSamplerTests {
    @Test("it picks about the share asked for, with no pattern in which hits")
    func share() {
        let sampler = HitSampler(share: 0.01, perSecond: 1_000_000, maximumInFlight: 1_000_000)
        var picked: [Int] = []
        for hit in 0..<100_000 where sampler.selects(now: { Int64(hit) * 1_000_000 }) {
            picked.append(hit)
            sampler.finished()
        }
        #expect((850...1150).contains(picked.count), "\(picked.count) of 100,000")
        // Not every n-th: the gaps between picks vary.
        let gaps = Set(zip(picked.dropFirst(), picked).map { $0 - $1 })
        #expect(gaps.count > 50)
    }

    @Test("at most perSecond a second, and a few at once")
    func budget() {
        let sampler = HitSampler(share: 1, perSecond: 10, maximumInFlight: 4)
        var started = 0
        for _ in 0..<1_000 where sampler.selects(now: { 0 }) { started += 1 }
        #expect(started == 4, "four in flight at most")
        for _ in 0..<4 { sampler.finished() }
        for _ in 0..<1_000 where sampler.selects(now: { 1 }) {
            started += 1
            sampler.finished()
        }
        #expect(started == 10, "the second's ten, then nothing until it refills")
        var later = 0
        for _ in 0..<1_000 where sampler.selects(now: { 1_000_000_001 }) {
            later += 1
            sampler.finished()
        }
        #expect(later == 10, "a second later, ten more")
    }

    @Test("shares too small or not numbers are off, and do not crash")
    func tiny() {
        for share in [0, 1e-30, -1, .nan, .infinity] {
            let sampler = HitSampler(share: share, perSecond: 10)
            #expect(sampler.isOn == (share == .infinity ? false : share > 1e-18), "\(share)")
            #expect(!(0..<1000).contains { _ in share <= 0 && sampler.selects(now: { 0 }) })
        }
    }
}
