// swift-tools-version: 6.1
import PackageDescription

import class Foundation.ProcessInfo

/// One settings array for every target: Swift 6 mode is the package default; these two keep
/// existential types explicit and imports honest.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "cachemon",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CacheAside", targets: ["CacheAside"]),
        .library(name: "CacheAdminAPI", targets: ["CacheAdminAPI"]),
        .library(name: "CacheAdminClient", targets: ["CacheAdminClient"]),
        .library(name: "CacheAsideHummingbird", targets: ["CacheAsideHummingbird"]),
        .library(name: "CacheAsideRedis", targets: ["CacheAsideRedis"]),
        .library(name: "CacheAttach", targets: ["CacheAttach"]),
        .library(name: "RESP", targets: ["RESP"]),
        .executable(name: "cachemon", targets: ["cachemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "CacheAdminAPI",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CacheAside",
            dependencies: [
                "CacheAdminAPI",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CacheAsideHummingbird",
            dependencies: [
                "CacheAside",
                "CacheAdminAPI",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RESP",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CacheAsideRedis",
            dependencies: [
                "CacheAside",
                "CacheAdminAPI",
                "RESP",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CacheAttach",
            dependencies: [
                "CacheAside",
                "CacheAdminAPI",
                "RESP",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CacheAdminClient",
            dependencies: [
                "CacheAdminAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MonitorCore",
            dependencies: [
                "CacheAdminAPI",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // No pkgConfig: its -D flags are refused by SwiftPM; shim.h defines what they would.
        .systemLibrary(
            name: "CNCursesW",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(
            name: "CursesUI",
            dependencies: ["CacheAdminAPI", "CacheAdminClient", "CNCursesW", "MonitorCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DemoAPI",
            dependencies: [
                "CacheAside",
                "CacheAsideHummingbird",
                "CacheAsideRedis",
                "RESP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cachemon",
            dependencies: [
                "CacheAdminAPI",
                "CacheAdminClient",
                "CacheAside",
                "CacheAsideHummingbird",
                "CacheAsideRedis",
                "CacheAttach",
                "RESP",
                "CursesUI",
                "DemoAPI",
                "MonitorCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CacheAdminAPITests",
            dependencies: ["CacheAdminAPI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CacheAsideTests",
            dependencies: [
                "CacheAdminAPI",
                "CacheAside",
                "CacheAsideRedis",
                "RESP",
                "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["CacheAside", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        // Real redis-server processes under faults: full, restored, failed over, TLS, ACL users.
        .testTarget(
            name: "CacheAsideRedisTests",
            dependencies: [
                "CacheAside",
                "CacheAsideRedis",
                "RESP",
                "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `cachemon attach`'s pattern, index and scans, against private redis-servers.
        .testTarget(
            name: "CacheAttachTests",
            dependencies: [
                "CacheAdminAPI",
                "CacheAside",
                "CacheAttach",
                "RESP",
                "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RESPTests",
            dependencies: [
                "RESP",
                "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MonitorCoreTests",
            dependencies: ["CacheAdminAPI", "MonitorCore"],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CacheAsideHummingbirdTests",
            dependencies: [
                "CacheAside",
                "CacheAsideHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // End-to-end: spawned `cachemon` processes, tmux, Redis fleets. Slow; filter it out with
        // `swift test --skip IntegrationTests` while working on one layer.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "CacheAdminAPI",
                "CacheAdminClient",
                "CacheAside",
                "CacheAsideRedis",
                "RESP",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The benchmark harness is added only for `make bench` (CACHEMON_BENCHMARKS=1, its own build folder),
// so `make test` and users of the library never resolve or build it.
if ProcessInfo.processInfo.environment["CACHEMON_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "CacheAsideBenchmarks",
            dependencies: ["CacheAside", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/CacheAsideBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
    // The statistics queries at a million users, on the memory store (and Redis, when built).
    package.targets.append(
        .executableTarget(
            name: "StatsBenchmarks",
            dependencies: ["CacheAdminAPI", "CacheAside", "CacheAsideRedis", "RESP", "TestSupport"],
            path: "Benchmarks/StatsBenchmarks",
            swiftSettings: swiftSettings
        ))
    // A plain program, not a harness benchmark: it runs its own redis-server and prints a ratio.
    package.targets.append(
        .executableTarget(
            name: "RedisBenchmarks",
            dependencies: [
                "CacheAside", "CacheAsideRedis", "RESP", "TestSupport", .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/RedisBenchmarks",
            swiftSettings: swiftSettings
        ))
    package.targets.append(
        .executableTarget(
            name: "MonitorBenchmarks",
            dependencies: ["MonitorCore", "CacheAdminAPI", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/MonitorBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}

// libFuzzer targets are added only for `make fuzz` (CACHEMON_FUZZ=1, built with libFuzzer and
// AddressSanitizer in .build-fuzz by scripts/fuzz.sh), so `make test` and users of the library
// never see them. Each reads bytes from outside the way the server does.
if ProcessInfo.processInfo.environment["CACHEMON_FUZZ"] != nil {
    let nio: (String) -> Target.Dependency = { .product(name: $0, package: "swift-nio") }
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzRESP", ["RESP", nio("NIOCore"), nio("NIOEmbedded")]),
        (
            "FuzzAdminQuery",
            [
                "CacheAdminAPI", "CacheAside", "CacheAsideHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ]
        ),
        ("FuzzPrefixFormat", ["CacheAdminAPI", "CacheAside"]),
        ("FuzzCachedResponse", ["CacheAsideHummingbird", .product(name: "HTTPTypes", package: "swift-http-types")]),
    ]
    for target in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: target.name, dependencies: target.dependencies, path: "Tests/Fuzz/\(target.name)",
                swiftSettings: swiftSettings
            ))
    }
}
