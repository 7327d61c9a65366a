// swift-tools-version:6.2
import PackageDescription

/// Shared by every target of ours: Swift 6, warnings are errors, explicit existentials and imports.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Portcullis",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "portcullis", targets: ["portcullis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Message model, parser, serializer, digest math. No dependencies, so the fuzzer can build it alone.
        .target(name: "SIPCore", swiftSettings: strict),
        .target(
            name: "SIPAuth",
            dependencies: ["SIPCore", "Model", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(
            name: "SIPStack",
            dependencies: [
                "SIPCore", "Model",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // MaxMind DB and Tor range readers; the network guard's country rule reads them.
        .target(name: "GeoIP", swiftSettings: strict),
        // Value types shared by the store, the policies and the admin surface: records, queries, strict decoding.
        .target(name: "Model", swiftSettings: strict),
        // The defense layers' pure decisions over compiled snapshots: no I/O, no store, no events, no NIO.
        .target(
            name: "Defense",
            dependencies: ["Model", "GeoIP", "Dialplan"],
            exclude: ["Outbound/CallingCodes/README.md", "Login/CommonPasswords/README.md"],
            resources: [.copy("Outbound/CallingCodes/country-calling-codes.csv"), .copy("Outbound/CallingCodes/nanp-area-codes.csv"),
                        .copy("Login/CommonPasswords/common-passwords.txt")],
            swiftSettings: strict
        ),
        // What runs the decisions: guard shards on the event loops, block records and their store writes, DNS allow
        // entries, geo-IP reload, the registration guard; verdict reasons become events here.
        .target(
            name: "DefenseRuntime",
            dependencies: [
                "Defense", "Model", "GeoIP", "Storage", "Events",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Storage",
            dependencies: [
                "Model",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Events",
            dependencies: [
                "Model", "Storage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Contingency: telling people (email, webhook, syslog) of the events they asked for.
        .target(
            name: "Notifications",
            dependencies: [
                "Events", "Mail", "Model", "SIPAuth", "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Contingency: encrypted backups of the store and their restore.
        .target(
            name: "Backup",
            dependencies: [
                "Model", "Storage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The shared store for several nodes: PostgreSQL through postgres-nio, the same contract as SQLiteStore.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "Storage", "Model",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Several nodes on one shared store: membership and heartbeats.
        .target(
            name: "Cluster",
            dependencies: [
                "Model", "Storage", "DefenseRuntime",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // System security: the admin console over SSH (off by default).
        .target(
            name: "SSHConsole",
            dependencies: [
                "Model", "GeoIP", "Defense", "DefenseRuntime", "SIPStack",
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // System security: the signed update check.
        .target(
            name: "Update",
            dependencies: [
                "Model", "Storage", "Events",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // Dial patterns and number rewriting: pure, shared by routes and the call policy.
        .target(name: "Dialplan", swiftSettings: strict),
        // The Linux socket calls the media relay's loop makes that Swift's Glibc module leaves out.
        .target(name: "CMediaSockets"),
        // The RTP/RTCP relay between the legs of a call.
        .target(
            name: "Media",
            dependencies: [
                "Model", "CMediaSockets",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["Prompts/README.md"],
            resources: [.copy("Prompts")],
            swiftSettings: strict
        ),
        .target(
            name: "PBX",
            dependencies: [
                "SIPCore", "SIPAuth", "SIPStack", "Model", "Storage", "Events", "Defense", "DefenseRuntime", "GeoIP", "Media", "Dialplan",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Outgoing mail: SMTP with STARTTLS or TLS and AUTH, for login codes, login links and notifications.
        .target(
            name: "Mail",
            dependencies: [
                "Model",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // OpenLDAP's client library from Debian (libldap-dev), for LDAP / Active Directory logins.
        .systemLibrary(name: "CLDAP", pkgConfig: "ldap", providers: [.apt(["libldap-dev"])]),
        // Single sign-on: OpenID Connect (discovery, PKCE, id_token checked with jwt-kit) and LDAP search-then-bind.
        .target(
            name: "SSO",
            dependencies: [
                "Model", "CLDAP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // libqrencode from Debian (libqrencode-dev) and the Swift face of it: QR codes for TOTP enrolment and login links.
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .target(name: "QRCode", dependencies: ["CQRencode"], swiftSettings: strict),
        .target(
            name: "AdminAPI",
            dependencies: [
                "PBX", "Model", "Storage", "Events", "SIPCore", "SIPAuth", "SIPStack", "Defense", "DefenseRuntime", "GeoIP", "Media",
                "QRCode", "Mail", "SSO", "Notifications", "Backup", "Update", "SSHConsole",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The web portal: server-rendered pages (swift-mustache) over the admin operations, on the admin listener.
        .target(
            name: "Portal",
            dependencies: [
                "AdminAPI", "Model", "Defense", "GeoIP", "PBX", "SSO", "Events", "Notifications", "Backup", "Update",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates"), .copy("Assets")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "portcullis",
            dependencies: [
                "PBX", "AdminAPI", "Portal", "Model", "Storage", "Events", "SIPAuth", "SIPStack", "Defense", "Mail", "SSO", "Notifications", "Backup", "Update", "SSHConsole",
                "GeoIP", "DefenseRuntime", "PostgresStorage", "Cluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // Prints the network guard's per-decision cost and memory (Benchmarks/README.md); not a test.
        .executableTarget(
            name: "NetworkGuardBenchmark",
            dependencies: ["Defense", "GeoIP", "BenchmarkSupport"],
            path: "Benchmarks/NetworkGuardBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "CallPolicyBenchmark",
            dependencies: ["Defense", "Dialplan", "Model", "BenchmarkSupport"],
            path: "Benchmarks/CallPolicyBenchmark",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "MediaRelayBenchmark",
            dependencies: ["Media", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Benchmarks/MediaRelayBenchmark",
            swiftSettings: strict
        ),
        .target(name: "BenchmarkSupport", path: "Benchmarks/BenchmarkSupport", swiftSettings: strict),
        // What tests share: a scratch directory removed when the test process exits.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"], swiftSettings: strict),
        .testTarget(name: "SIPAuthTests", dependencies: ["SIPAuth", "SIPCore", "Model", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "SIPStackTests",
            dependencies: [
                "SIPStack", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DefenseTests",
            dependencies: [
                "Defense", "Model", "GeoIP", "Dialplan", "SIPAuth", "TestSupport",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DefenseRuntimeTests",
            dependencies: [
                "DefenseRuntime", "Defense", "Model", "GeoIP", "Storage", "Events", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "MailTests", dependencies: ["Mail"], swiftSettings: strict),
        .testTarget(name: "SSOTests", dependencies: ["SSO", .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Crypto", package: "swift-crypto")],
                    swiftSettings: strict),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "PostgresStorage", "Model", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "GeoIPTests", dependencies: ["GeoIP", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "UpdateTests",
            dependencies: ["Update", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ClusterTests",
            dependencies: ["Cluster", "DefenseRuntime", "Model", "Storage", "GeoIP", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SSHConsoleTests",
            dependencies: [
                "SSHConsole",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BackupTests",
            dependencies: ["Backup", "Model", "Storage", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "NotificationsTests",
            dependencies: ["Notifications", "Events", "Model", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EventsTests",
            dependencies: ["Events", "Model", "Storage", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PBXTests",
            dependencies: [
                "PBX", "SIPCore", "SIPStack", "SIPAuth", "Model", "Storage", "Events", "Defense",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "DialplanTests", dependencies: ["Dialplan"], swiftSettings: strict),
        .testTarget(name: "MediaTests", dependencies: ["Media", "Model", .product(name: "NIOCore", package: "swift-nio"),
                                                      .product(name: "NIOPosix", package: "swift-nio"),
                                                      .product(name: "NIOConcurrencyHelpers", package: "swift-nio")], swiftSettings: strict),
        .testTarget(name: "PortalTests", dependencies: ["Portal", "AdminAPI", "Model", .product(name: "HTTPTypes", package: "swift-http-types")], swiftSettings: strict),
        .testTarget(
            name: "AdminAPITests",
            dependencies: [
                "AdminAPI", "Model", "Storage", "PBX", "SIPAuth", "SIPCore", "Defense", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
    ]
)
