import Foundation
import NIOConcurrencyHelpers

extension CacheAside {
    /// The most entries one verification may ask for.
    public static let maximumVerify = 1000
    /// The longest deadline one verification may be given.
    public static let longestVerification = Duration.seconds(3600)

    /// Registers a way to compute entries again for verification, for caches used outside the
    /// Hummingbird middleware: `recompute` returns the fresh value of a key, or `nil` for keys it
    /// does not know (another registered closure may).
    ///
    /// ```swift
    /// cache.registerRecompute(comparison: .json(ignoring: ["computedAt"])) { key, user in
    ///     guard key == "/summary", let user else { return nil }
    ///     return Array(try JSONEncoder().encode(try await computeSummary(user: user)))
    /// }
    /// ```
    public func registerRecompute(
        comparison: BodyComparison = .exact,
        _ recompute: @escaping @Sendable (_ key: String, _ user: String?) async throws -> [UInt8]?
    ) {
        register { entry in
            do {
                guard let fresh = try await recompute(entry.key, entry.user) else {
                    return .unverifiable("no recompute closure knows \(entry.key)")
                }
                return comparison.matches(entry.stored, fresh) ? .fresh : .stale
            } catch {
                return .failed("\(error)")
            }
        }
    }

    /// Registers a verifier, tried after the ones registered before it.
    public func register(_ verifier: @escaping Verifier) {
        verifiers.withLockedValue { $0.append(verifier) }
    }

    /// Computes each cached entry of `user` again, without the cache and without storing, and says
    /// which are still true: see ``verify(_:limit:concurrency:timeout:using:)``.
    public func verify(
        user: String?, limit: Int = 100, concurrency: Int = 4, timeout: Duration = .seconds(10),
        using verifier: Verifier? = nil
    ) async throws(CacheAsideError) -> VerifyReport {
        let report = try await verify(
            prefix(user: user), limit: limit, concurrency: concurrency, timeout: timeout, using: verifier)
        return report
            ?? VerifyReport(
                prefix: prefix(user: user).rawValue, user: user, results: [], skipped: 0, truncated: false,
                timedOut: false, durationSeconds: 0)
    }

    /// Computes up to `limit` cached entries of `prefix` again (`concurrency` at a time, all within
    /// `timeout`), without the cache and without storing, and compares each with what is stored.
    ///
    /// Each entry goes to `verifier` first, then to the registered ones, until one can compute it;
    /// none can: `unverifiable`. A stale entry has been wrong for at most its age. Entries not
    /// started before the deadline are counted as skipped; one whose computation is still running
    /// then is an `error`. The verification counts in ``CacheCounter/verifications`` and
    /// ``CacheCounter/staleVerifications`` and leaves a `verified` event in the events and the
    /// prefix's timeline. It changes no entry.
    ///
    /// - Returns: `nil` if the store knows nothing of the prefix.
    public func verify(
        _ prefix: CachePrefix, limit: Int = 100, concurrency: Int = 4, timeout: Duration = .seconds(10),
        using verifier: Verifier? = nil
    ) async throws(CacheAsideError) -> VerifyReport? {
        guard (1...Self.maximumVerify).contains(limit) else {
            throw .invalidQuery("limit must be between 1 and \(Self.maximumVerify), got \(limit)")
        }
        guard (1...64).contains(concurrency) else {
            throw .invalidQuery("concurrency must be between 1 and 64, got \(concurrency)")
        }
        guard timeout > .zero, timeout <= Self.longestVerification else {
            throw .invalidQuery("timeout must be above 0 and at most \(Self.longestVerification), got \(timeout)")
        }
        let begun = ContinuousClock.now
        let deadline = begun + timeout
        let listed: [KeyInfo]?
        do {
            // One more than asked, to tell whether any were left out.
            listed = try await store.keys(in: prefix, limit: limit + 1, offset: 0)
        } catch {
            throw .storeUnavailable("verify failed: \(error)")
        }
        guard let listed else { return nil }
        let entries = Array(listed.prefix(limit))
        let verifiers = (verifier.map { [$0] } ?? []) + self.verifiers.withLockedValue { $0 }
        var results: [VerifyResult?] = Array(repeating: nil, count: entries.count)
        var started = 0
        await withTaskGroup(of: (Int, VerifyResult?).self) { group in
            func startNext() {
                guard started < entries.count, ContinuousClock.now < deadline else { return }
                let index = started
                started += 1
                group.addTask {
                    (index, await self.verifyEntry(entries[index], prefix: prefix, verifiers, deadline: deadline))
                }
            }
            for _ in 0..<concurrency { startNext() }
            while let (index, result) = await group.next() {
                results[index] = result
                startNext()
            }
        }
        let verified = results.compactMap { $0 }
        let late = verified.contains { $0.state == .error && $0.message == Self.deadlineMessage }
        let report = VerifyReport(
            prefix: prefix.rawValue, user: prefix.user, results: verified, skipped: entries.count - started,
            truncated: listed.count > limit, timedOut: late || started < entries.count,
            durationSeconds: Double(CacheClock.nanoseconds(begun.duration(to: .now))) / 1e9)
        let compared = report.count(.fresh) + report.count(.stale)
        store.recordVerification(
            of: prefix, route: nil, verified: compared, stale: report.count(.stale),
            event: CacheEvent(
                seq: 0, time: clock.date(at: clock.now()), kind: .verified, prefix: prefix.rawValue, user: prefix.user,
                count: report.count(.stale), durationSeconds: report.durationSeconds, message: report.summary))
        return report
    }

    /// One entry through the verifiers; `nil` if it is gone (expired or purged since it was listed).
    private func verifyEntry(
        _ info: KeyInfo, prefix: CachePrefix, _ verifiers: [Verifier], deadline: ContinuousClock.Instant
    ) async -> VerifyResult? {
        let stored: [UInt8]?
        do {
            stored = try await store.value(of: CacheKey(prefix: prefix, route: info.key))
        } catch {
            return VerifyResult(
                key: info.key, state: .error, ageSeconds: info.ageSeconds, generation: info.generation,
                message: "the store failed: \(error)")
        }
        guard let stored else { return nil }
        let entry = VerifyEntry(key: info.key, user: prefix.user, stored: stored)
        let outcome = await Self.first(of: verifiers, entry, deadline: deadline)
        let (state, message): (VerifyResult.State, String?) =
            switch outcome {
            case .fresh: (.fresh, nil)
            case .stale: (.stale, nil)
            case .failed(let reason): (.error, reason)
            case .unverifiable(let reason): (.unverifiable, reason)
            }
        return VerifyResult(
            key: info.key, state: state, ageSeconds: info.ageSeconds, generation: info.generation, message: message)
    }

    static let deadlineMessage = "no answer before the deadline"

    /// How long a stale sample waits before it checks the entry is still stored: longer than a
    /// write takes to reach its purge.
    static let staleConfirmation = Duration.milliseconds(500)

    /// How long a sampled verification may take.
    static let sampleTimeout = Duration.seconds(10)

    /// Verifies a hit in the background, off the request's path, and counts what it found: a
    /// stale one also leaves a `staleHit` event. A hit nothing can compute again is not counted.
    func sample(_ key: CacheKey, user: String?, _ bytes: [UInt8], _ verifier: Verifier?) {
        let verifiers = (verifier.map { [$0] } ?? []) + self.verifiers.withLockedValue { $0 }
        guard !verifiers.isEmpty else {
            sampler.finished()
            return
        }
        Task {
            defer { sampler.finished() }
            let entry = VerifyEntry(key: key.route, user: user, stored: bytes)
            let outcome = await Self.first(of: verifiers, entry, deadline: .now + Self.sampleTimeout)
            let stale: Bool
            switch outcome {
            case .fresh: stale = false
            case .stale: stale = true
            case .failed, .unverifiable: return
            }
            if stale {
                // A write just before the computation may be about to purge: a stale entry counts
                // only if it is still stored unchanged a moment later (not purged, not replaced).
                try? await Task.sleep(for: Self.staleConfirmation)
                guard let stored = try? await store.value(of: key), stored == bytes else { return }
            }
            let event =
                stale
                ? CacheEvent(
                    seq: 0, time: clock.date(at: clock.now()), kind: .staleHit, prefix: key.prefix.rawValue,
                    user: key.prefix.user, key: key.route,
                    message: "a sampled hit no longer matched what \(key.template) computes")
                : nil
            store.recordVerification(
                of: key.prefix, route: key.template, verified: 1, stale: stale ? 1 : 0, event: event)
        }
    }

    /// The first verifier's outcome that is not `unverifiable`, or a failure at the deadline.
    private static func first(
        of verifiers: [Verifier], _ entry: VerifyEntry, deadline: ContinuousClock.Instant
    ) async -> VerifyOutcome {
        var outcome = VerifyOutcome.unverifiable("nothing here can compute \(entry.key) again")
        for verifier in verifiers {
            outcome = await withDeadline(deadline) { await verifier(entry) }
            if case .unverifiable = outcome { continue }
            return outcome
        }
        return outcome
    }

    /// `work`'s outcome, or a failure at the deadline without waiting for a computation that
    /// does not stop when cancelled (it is cancelled, and finishes on its own).
    private static func withDeadline(
        _ deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () async -> VerifyOutcome
    ) async -> VerifyOutcome {
        let answered = NIOLockedValueBox<CheckedContinuation<VerifyOutcome, Never>?>(nil)
        let answer: @Sendable (VerifyOutcome) -> Void = { outcome in
            answered.withLockedValue { continuation in
                continuation?.resume(returning: outcome)
                continuation = nil
            }
        }
        return await withCheckedContinuation { continuation in
            answered.withLockedValue { $0 = continuation }
            let computation = Task { answer(await work()) }
            let timer = Task {
                try? await Task.sleep(until: deadline)
                guard !Task.isCancelled else { return }
                answer(.failed(deadlineMessage))
                computation.cancel()
            }
            // The timer goes as soon as the computation answers, not at the deadline.
            Task {
                _ = await computation.value
                timer.cancel()
            }
        }
    }
}
