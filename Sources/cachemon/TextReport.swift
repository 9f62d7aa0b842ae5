import CacheAdminAPI
import CacheAdminClient
import Foundation
import MonitorCore

/// Plain-text tables for `cachemon stats` (prefixes or instances) and `cachemon keys`.
enum TextReport {
    static func stats(_ snapshot: StatsSnapshot, url: String) -> String {
        let totals = snapshot.totals
        var lines = [
            "\(url)  \(snapshot.backend) · \(snapshot.instance)  up \(duration(snapshot.uptimeSeconds))"
                + (snapshot.circuitOpen ? "  CIRCUIT OPEN (store skipped)" : ""),
            "hit ratio \(percent(totals.hitRatio))  hits \(totals[.hits])"
                + (totals[.nearHits] > 0 ? " (near \(totals[.nearHits]))" : "")
                + "  misses \(totals[.misses])  sets \(totals[.sets])",
            "keys \(totals.keys)  \(bytes(totals.bytes))  expiring soon \(totals.expiringSoon)  "
                + "expired \(totals[.expirations])  evicted \(totals[.evictions])",
            "purges \(totals[.purges]) (\(Format.count(totals[.purgedKeys], "key")))  "
                + "stale writes rejected \(totals[.staleSetsRejected])  store errors \(totals[.errors])"
                + (totals[.setsRefusedForMemory] > 0 ? "  refused, store full \(totals[.setsRefusedForMemory])" : ""),
        ]
        // An attached Redis verifies nothing: its own lines instead.
        if let attach = snapshot.attach { lines += attached(attach) } else { lines.append(consistency(totals)) }
        lines += [
            "",
            "prefixes \(snapshot.prefixCount), sorted by \(snapshot.query.sort.rawValue) \(snapshot.query.order.rawValue)",
        ]
        // An attached Redis tells hits per user only as estimates (~), or not at all (–).
        let hitsUnknown = snapshot.attach?.estimates.isEmpty ?? false
        let hitsMark = snapshot.attach == nil ? "" : "~"
        let rows = snapshot.prefixes.map { prefix in
            [
                prefix.user ?? "(public)", "\(prefix.keys)", bytes(prefix.bytes),
                hitsUnknown ? "–" : hitsMark + percent(prefix.hitRatio),
                hitsUnknown ? "–" : hitsMark + "\(prefix[.hits])", "\(prefix[.misses])", "\(prefix.expiringSoon)",
                prefix.lastPurgeAt.map { ago($0, now: snapshot.serverTime) } ?? "never",
            ]
        }
        lines.append(
            table(
                header: ["USER", "KEYS", "BYTES", "HIT%", "HITS", "MISSES", "EXPIRING", "LAST PURGE"], rows: rows,
                rightAligned: 1...6))
        return lines.joined(separator: "\n")
    }

    /// What `cachemon attach` says of the Redis it watches: its scan, other keys, notifications
    /// and the figures that are estimates.
    static func attached(_ attach: AttachStatus) -> [String] {
        let scan =
            attach.firstScanProgress.map { "first scan \(percent($0)) of \(Format.count(attach.redisKeys, "key"))" }
            ?? "\(Format.count(attach.passes, "scan")) done" + (attach.scanning ? ", one under way" : "")
        var lines = [
            "attached to \(attach.redis), pattern \(attach.pattern)",
            "\(scan)  other keys \(attach.otherKeys)  notifications \(attach.notifications ?? "off")  "
                + (attach.purgeAllowed ? "purges allowed" : "read-only"),
            "hits and misses above are the whole server's (INFO stats)",
        ]
        lines += attach.estimates.map { "estimated: \($0)" }
        if attach.estimates.isEmpty {
            lines.append("hits per user: not visible from Redis (--sample-reads estimates them)")
        }
        return lines
    }

    static func instances(_ list: InstanceList, url: String) -> String {
        let title =
            "\(url)  \(Format.count(list.instances.count, "instance")), \(list.aliveCount) alive"
            + "  (answered by \(list.instance))"
        guard !list.instances.isEmpty else { return title + "\nno instance has sent a heartbeat yet" }
        let near = list.instances.contains { $0.near != nil }
        let rows = list.instances.map { instance in instanceRow(instance, now: list.serverTime, near: near) }
        let header =
            [
                "INSTANCE", "URL", "VERSION", "UPTIME", "REQ/s", "HITS", "MISSES", "HIT%", "ERRORS", "CIRCUIT",
                "LAST SEEN", "STATE",
            ] + (near ? ["NEAR HITS", "NEAR ENTRIES", "NEAR BYTES"] : [])
        return title + "\n" + table(header: header, rows: rows, rightAligned: 3...8)
    }

    static func instanceRow(_ instance: InstanceInfo, now: Date, near: Bool = false) -> [String] {
        let circuit = instance.circuitOpen ? "OPEN" : "closed"
        let state = instance.alive ? "alive" : "dead"
        let url = instance.url ?? "–"
        let lastSeen = ago(instance.lastSeen, now: now)
        return [
            instance.id, url, instance.version, duration(instance.uptimeSeconds),
            Format.rate(instance.requestsPerSecond), "\(instance.hits)", "\(instance.misses)",
            percent(instance.hitRatio), "\(instance.storeErrors)", circuit, lastSeen, state,
        ] + (near ? nearCells(instance.near) : [])
    }

    /// An instance's near cache: hits, entries and bytes, or `bypass` while it follows no
    /// invalidations, or `–` without one.
    static func nearCells(_ near: NearCacheFigures?) -> [String] {
        guard let near else { return ["–", "–", "–"] }
        guard near.live else { return ["\(near.hits)", "bypass", "–"] }
        return ["\(near.hits)", "\(near.entries)", bytes(near.bytes)]
    }

    static func keys(_ keys: [KeyInfo], prefix: String) -> String {
        guard !keys.isEmpty else { return "\(prefix) holds no entries" }
        let rows = keys.map { key in
            [
                key.key, bytes(key.size), duration(key.ageSeconds), duration(key.ttlLeftSeconds), "\(key.hits)",
                "\(key.generation)",
            ]
        }
        return "\(prefix): \(Format.count(keys.count, "entry", plural: "entries"))\n"
            + table(header: ["ROUTE KEY", "SIZE", "AGE", "TTL LEFT", "HITS", "GEN"], rows: rows, rightAligned: 1...5)
    }

    /// `verified 1,015  stale 3  consistent 99.7%`, or that nothing was verified yet.
    static func consistency(_ totals: CacheTotals) -> String {
        let verified = totals[.verifications]
        guard verified > 0 else { return "verified 0 (verify a user, or serve with --verify-sample)" }
        let stale = totals[.staleVerifications]
        return "verified \(Format.count(verified))  stale \(Format.count(stale))  consistent "
            + percent(1 - Double(stale) / Double(verified))
    }

    /// One row per entry (STATE, route key, age, generation, why), then the summary.
    static func verification(_ report: VerifyReport) -> String {
        guard !report.results.isEmpty else {
            return report.skipped > 0
                ? "\(report.prefix): \(report.summary)" : "\(report.prefix) holds no entries to verify"
        }
        let rows = report.results.map { result in
            [
                result.state == .stale ? "STALE" : result.state.rawValue, result.key, duration(result.ageSeconds),
                "\(result.generation)", result.message ?? (result.state == .stale ? "wrong for at most its age" : ""),
            ]
        }
        return table(header: ["STATE", "ROUTE KEY", "AGE", "GEN", "NOTE"], rows: rows, rightAligned: 2...3)
            + "\n\(report.prefix): \(report.summary) in \(milliseconds(report.durationSeconds))"
    }

    static func table(header: [String], rows: [[String]], rightAligned: ClosedRange<Int>) -> String {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        return ([header] + rows).map { row in
            row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return rightAligned.contains(column) ? padding + row[column] : row[column] + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }

    static func percent(_ ratio: Double?) -> String { Format.percent(ratio) }

    static func bytes(_ count: Int) -> String { Format.bytes(count) }

    static func milliseconds(_ seconds: Double) -> String { Format.milliseconds(seconds) }

    static func duration(_ seconds: Double) -> String { Format.duration(seconds) }

    static func ago(_ date: Date, now: Date) -> String { duration(now.timeIntervalSince(date)) + " ago" }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
