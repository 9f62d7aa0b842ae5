import CacheAsideHummingbird
import Foundation
import HTTPTypes
import Testing

@Suite("OpenAPI description")
struct OpenAPITests {
    /// `path → methods` as written in docs/openapi.yaml (two-space indented paths, four-space methods).
    static func documentedRoutes() throws -> [String: Set<String>] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        var routes: [String: Set<String>] = [:]
        var inPaths = false
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") {
                inPaths = true
            } else if inPaths, !line.hasPrefix(" "), !line.isEmpty {
                inPaths = false
            } else if inPaths, line.hasPrefix("  /"), line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
                routes[current ?? ""] = []
            } else if inPaths, let path = current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":")
            {
                routes[path, default: []].insert(line.trimmingCharacters(in: .whitespaces).dropLast().uppercased())
            }
        }
        return routes
    }

    @Test("every admin route is in docs/openapi.yaml with its method, and the file lists no other")
    func routesMatch() throws {
        let documented = try Self.documentedRoutes()
        var served: [String: Set<String>] = [:]
        for endpoint in AdminEndpoint.allCases { served[endpoint.path, default: []].insert(endpoint.method.rawValue) }
        #expect(documented == served)
    }
}
