import Foundation
import NIOConcurrencyHelpers
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// This instance's own figures for the fleet's instances list: what it looked up, what failed, and
/// its request rate between heartbeats.
///
/// The counters are the instance's, whatever the store counts for the whole fleet. They are atomics
/// (no lock on the hit path); the rate is worked out at each heartbeat from the change in lookups.
final class InstanceReporter: Sendable {
    let id: String
    let version: String
    /// When the instance started, by its cache's clock.
    let startedAt: Date
    private let hits = Atomic<UInt64>(0)
    private let misses = Atomic<UInt64>(0)
    private let storeErrors = Atomic<UInt64>(0)
    private let state: NIOLockedValueBox<State>

    private struct State: Sendable {
        var url: String?
        /// Lookups counted at the last sample, and when it was taken (cache clock nanoseconds).
        var sampledRequests: UInt64 = 0
        var sampledAt: Int64?
        var requestsPerSecond: Double = 0
    }

    init(id: String, version: String, url: String?, startedAt: Date) {
        self.id = id
        self.version = version
        self.startedAt = startedAt
        self.state = NIOLockedValueBox(State(url: url))
    }

    func countHit() { _ = hits.add(1, ordering: .relaxed) }

    /// A lookup that had to compute: a miss, or a request served uncached around a failing store.
    func countMiss() { _ = misses.add(1, ordering: .relaxed) }

    func countStoreError() { _ = storeErrors.add(1, ordering: .relaxed) }

    /// Sets the URL shown for this instance.
    func advertise(url: String?) {
        state.withLockedValue { $0.url = url }
    }

    /// Samples the lookups for the request rate: the rate is the change since the previous sample.
    func sample(now: Int64) {
        let requests = hits.load(ordering: .relaxed) &+ misses.load(ordering: .relaxed)
        state.withLockedValue { state in
            if let before = state.sampledAt, now > before {
                let seconds = Double(now - before) / 1e9
                state.requestsPerSecond = Double(requests &- state.sampledRequests) / seconds
            }
            state.sampledRequests = requests
            state.sampledAt = now
        }
    }

    /// The instance as it reports itself at `now` (a reading of `clock`).
    func info(now: Int64, clock: CacheClock, circuitOpen: Bool, near: NearCacheFigures? = nil) -> InstanceInfo {
        let (url, rate) = state.withLockedValue { ($0.url, $0.requestsPerSecond) }
        return InstanceInfo(
            id: id, url: url, version: version, startedAt: startedAt, uptimeSeconds: Double(max(0, now)) / 1e9,
            requestsPerSecond: rate, hits: hits.load(ordering: .relaxed), misses: misses.load(ordering: .relaxed),
            storeErrors: storeErrors.load(ordering: .relaxed), circuitOpen: circuitOpen,
            lastSeen: clock.date(at: now), alive: true, near: near)
    }

    /// `<host>-<pid>-<4 hex digits>`: tells instances apart, and a restart from the process before it.
    static func defaultID() -> String {
        // gethostname, not ProcessInfo.hostName: that one may ask DNS.
        var buffer = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let short = host.split(separator: ".").first.map(String.init) ?? ""
        let random = String(String(Int.random(in: 0x10000..<0x20000), radix: 16).dropFirst())
        return "\(short.isEmpty ? "host" : short)-\(ProcessInfo.processInfo.processIdentifier)-\(random)"
    }
}
