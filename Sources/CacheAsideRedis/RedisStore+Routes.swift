import CacheAside
import NIOConcurrencyHelpers
import NIOCore
import RESP

/// Route templates' figures: counters batched by each instance and added to `{name}:routes` by its
/// flush; entries and bytes held kept by the prefix scripts in each partition's `routes`.
extension RedisStore {
    /// The counters' fields, after `<template>\0`: hits, misses, computations, their nanoseconds,
    /// verifications, stale ones, then the histogram buckets `b0`…`b127`.
    static let routeFields = ["h", "m", "c", "n", "v", "s"] + (0..<RouteFigures.bucketCount).map { "b\($0)" }

    public func recordComputation(of key: CacheKey, nanoseconds: Int64) {
        pending.withLockedValue {
            $0.routes[key.template, default: RouteFigures()].countComputation(nanoseconds: nanoseconds)
        }
    }

    public func routes() async throws -> [RouteStats] {
        try await ready()
        let keys = [names.routeCounters] + (0..<names.partitionCount).map { names.routes($0) }
        let answers = try await pipeline(keys.map { (key: $0, command: RESPCommand("HGETALL", $0)) })
        var figures: [String: RouteFigures] = [:]
        for answer in answers {
            guard case .array(let items) = answer else {
                if let message = answer.errorMessage { throw RedisError.server(message) }
                continue
            }
            for index in stride(from: 0, to: items.count - 1, by: 2) {
                guard let field = items[index].string, let value = items[index + 1].int,
                    let zero = field.utf8.lastIndex(of: 0)
                else { continue }
                let template = String(field[..<zero])
                let name = String(field[field.utf8.index(after: zero)...])
                Self.add(value, named: name, to: &figures[template, default: RouteFigures()])
            }
        }
        return figures.map { $0.value.stats(route: $0.key) }
    }

    /// Adds the batched route counters to the store's, in one script.
    func writeRoutes(_ routes: [String: RouteFigures]) async throws {
        var arguments: [ByteBuffer] = [Self.argument(metaLifetime)]
        for (template, figures) in routes {
            let values =
                [
                    figures.hits, figures.misses, figures.computations, figures.computeNanoseconds,
                    figures.verifications, figures.staleVerifications,
                ] + figures.buckets
            for (name, value) in zip(Self.routeFields, values) where value > 0 {
                arguments += [ByteBuffer(string: template + "\u{0}" + name), ByteBuffer(string: String(value))]
            }
        }
        guard arguments.count > 1 else { return }
        try await evaluate(RedisScripts.addRouteCounters, keys: [names.routeCounters], arguments: arguments)
    }

    private static func add(_ value: Int64, named name: String, to figures: inout RouteFigures) {
        let count = UInt64(max(0, value))
        switch name {
        case "h": figures.hits &+= count
        case "m": figures.misses &+= count
        case "c": figures.computations &+= count
        case "n": figures.computeNanoseconds &+= count
        case "v": figures.verifications &+= count
        case "s": figures.staleVerifications &+= count
        case "k": figures.keys = figures.keys.addingReportingOverflow(Int(value)).partialValue
        case "y": figures.bytes = figures.bytes.addingReportingOverflow(Int(value)).partialValue
        default:
            guard name.hasPrefix("b"), let bucket = Int(name.dropFirst()), figures.buckets.indices.contains(bucket)
            else { return }
            figures.buckets[bucket] &+= count
        }
    }
}
