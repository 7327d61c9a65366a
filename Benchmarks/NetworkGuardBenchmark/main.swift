// NetworkGuard decision cost with a million blocked entries, the full Tor geo-IP database and a country rule on.
// Prints a table: median and p99 nanoseconds per decision for several traffic mixes, and the memory the guard's
// snapshot takes. Run: swift run -c release --scratch-path .build-release NetworkGuardBenchmark [TOR_GEOIP TOR_GEOIP6]
import Defense
import BenchmarkSupport
import Foundation
import GeoIP

/// Resident memory after handing freed memory back to the system, so build-time temporaries do not count.
func residentBytes() -> Int {
    // glibc's malloc_trim is not in Swift's Glibc module; look it up.
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
    }
    let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ") ?? []
    return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func publicV4(_ random: inout SeededGenerator) -> UInt32 {
    while true {
        let value = UInt32.random(in: 0x0100_0000...0xDFFF_FFFF, using: &random)
        let first = value >> 24
        if first != 10 && first != 127 && first != 100 && first != 172 && first != 192 && first != 169 { return value }
    }
}

let arguments = CommandLine.arguments.dropFirst()
let torFiles = arguments.isEmpty ? ["/usr/share/tor/geoip", "/usr/share/tor/geoip6"] : Array(arguments)
var random = SeededGenerator(state: 2026)

let baseline = residentBytes()
let geoStart = nanoseconds()
let tor: TorGeoIPDatabase
do {
    tor = try TorGeoIPDatabase(paths: torFiles)
} catch {
    print("cannot load the Tor geo-IP files \(torFiles): \(error) (apt-get install tor-geoipdb)")
    exit(1)
}
let geoSeconds = Double(nanoseconds() - geoStart) / 1e9
let afterGeo = residentBytes()

// 1,000,000 blocked entries: IPv4 /32s and CIDRs, IPv6 /64s and /128s.
var blocks: [ActiveBlock] = []
blocks.reserveCapacity(1_000_000)
var blockedV4: [UInt32] = []
var blockedV6: [(UInt64, UInt64)] = []
let v6Base: UInt64 = 0x2001_0DB8 << 32
for id in 0..<1_000_000 {
    let network: IPNetwork
    switch id % 10 {
    case 0..<6:
        let value = publicV4(&random)
        blockedV4.append(value)
        network = IPNetwork(containing: .v4(value), prefixLength: 32)
    case 6:
        network = IPNetwork(containing: .v4(publicV4(&random)), prefixLength: Int.random(in: 16...28, using: &random))
    case 7, 8:
        let high = v6Base | UInt64.random(in: 0...UInt64(UInt32.max), using: &random)
        blockedV6.append((high, 1))
        network = IPNetwork(containing: .v6(high: high, low: 0), prefixLength: 64)
    default:
        let high = v6Base | UInt64.random(in: 0...UInt64(UInt32.max), using: &random)
        network = IPNetwork(containing: .v6(high: high, low: random.next()), prefixLength: 128)
    }
    blocks.append(ActiveBlock(id: Int64(id + 1), network: network, services: .all, expiresAt: .max))
}
// 100 allowed ranges.
let allow = (0..<100).map { _ in IPNetwork(containing: .v4(publicV4(&random)), prefixLength: 24) }

var settings = NetworkSettings()
settings.countries.sip = CountryRule(enabled: true, allow: ["GB", "IE", "FR", "DE", "NL", "BE", "ES", "IT", "US", "CA"])
settings.rules = (0..<10).map { StaticRule(name: "drop \($0)", action: .drop, sources: ["198.18.\($0).0/24"], services: [.sip]) }
let beforeSnapshot = residentBytes()
let buildStart = nanoseconds()
let snapshot = NetworkSnapshot(settings: settings, allow: allow, blocks: blocks, countries: tor)
let buildSeconds = Double(nanoseconds() - buildStart) / 1e9
let snapshotBytes = residentBytes() - beforeSnapshot

let endpoint = NetworkEndpoint(service: .sip, transport: .udp, port: 5060)
var withoutCountries = settings
withoutCountries.countries.sip.enabled = false
let noCountrySnapshot = NetworkSnapshot(settings: withoutCountries, allow: allow, blocks: blocks, countries: tor)
let emptySnapshot = NetworkSnapshot(settings: NetworkSettings(), allow: [], blocks: [], countries: nil)

/// Times `count` decisions one by one (minus the clock's own cost) and returns sorted nanoseconds.
func measure(_ sources: [IPAddress], snapshot: NetworkSnapshot, counters: inout RateCounters) -> [Double] {
    var overhead: [UInt64] = []
    for _ in 0..<10_000 {
        let start = nanoseconds()
        overhead.append(nanoseconds() - start)
    }
    overhead.sort()
    let clock = Double(overhead[overhead.count / 2])
    var samples: [Double] = []
    samples.reserveCapacity(sources.count)
    var now: Int64 = 1_800_000_000_000_000_000
    var admitted = 0
    for source in sources {
        now += 10_000
        let start = nanoseconds()
        let decision = NetworkGuard.decide(source: source, endpoint: endpoint, now: now, snapshot: snapshot, counters: &counters)
        let elapsed = nanoseconds() - start
        if decision.verdict == .admit { admitted += 1 }
        samples.append(max(Double(elapsed) - clock, 0))
    }
    precondition(admitted >= 0)
    return samples.sorted()
}

func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

/// The machine's anchor: nanoseconds per dependent random read in a table of `bytes` (one random cycle through it),
/// i.e. what one cache miss costs; a lookup in a million-entry table cannot be cheaper than one of these.
func memoryLatency(bytes: Int) -> Double {
    let count = bytes / 8
    var order = Array(0..<count)
    var shuffler = SeededGenerator(state: UInt64(bytes))
    order.shuffle(using: &shuffler)
    var next = [Int](repeating: 0, count: count)
    for index in 0..<count { next[order[index]] = order[(index + 1) % count] }
    var position = 0
    let steps = 2_000_000
    let start = nanoseconds()
    for _ in 0..<steps { position = next[position] }
    let elapsed = Double(nanoseconds() - start) / Double(steps)
    precondition(position >= 0)
    return elapsed
}

let count = 1_000_000
let phones = (0..<10_000).map { _ in IPAddress.v4(publicV4(&random)) }
let returning: [IPAddress] = (0..<count).map { _ in phones[Int.random(in: 0..<phones.count, using: &random)] }
let mixes: [(String, [IPAddress], NetworkSnapshot)] = [
    ("random public IPv4 (new sources)", (0..<count).map { _ in .v4(publicV4(&random)) }, snapshot),
    ("10,000 returning IPv4 sources", returning, snapshot),
    ("  the same, country rule off", returning, noCountrySnapshot),
    ("  the same, nothing configured (rate rules only)", returning, emptySnapshot),
    ("blocked IPv4 /32s", (0..<count).map { _ in .v4(blockedV4[Int.random(in: 0..<blockedV4.count, using: &random)]) }, snapshot),
    ("IPv6 in blocked /64s", (0..<count).map { _ in
        let entry = blockedV6[Int.random(in: 0..<blockedV6.count, using: &random)]
        return .v6(high: entry.0, low: random.next())
    }, snapshot),
    ("random IPv6", (0..<count).map { _ in .v6(high: 0x2A00_0000_0000_0000 | random.next() >> 8, low: random.next()) }, snapshot),
]
blocks = []

print("NetworkGuard.decide: \(snapshot.blockCount) blocked entries, 100 allowed ranges, 10 static rules,",
      "Tor geo-IP \(tor.rangeCount) ranges, country rule on (10 countries), default rate rules")
print("")
print("| traffic | median ns | p99 ns | mean ns |")
print("| --- | ---: | ---: | ---: |")
var medians: [Double] = []
for (name, sources, snapshot) in mixes {
    var counters = RateCounters(capacity: settings.autoDefense.maxTrackedSources)
    _ = measure(Array(sources.prefix(100_000)), snapshot: snapshot, counters: &counters)
    let samples = measure(sources, snapshot: snapshot, counters: &counters)
    let mean = samples.reduce(0, +) / Double(samples.count)
    if snapshot === mixes[0].2 { medians.append(percentile(samples, 0.5)) }
    print(String(format: "| %@ | %.0f | %.0f | %.0f |", name, percentile(samples, 0.5), percentile(samples, 0.99), mean))
}
print("")
print(String(format: "worst median with everything on %.0f ns (target <= 150 ns)", medians.max() ?? 0))
print(String(format: "memory: snapshot %.1f MB (1M blocks, allow list, rules) + Tor geo-IP %.1f MB = %.1f MB (target <= 100 MB)",
             Double(snapshotBytes) / 1e6, Double(afterGeo - baseline) / 1e6, Double(snapshotBytes + afterGeo - baseline) / 1e6))
print(String(format: "snapshot build %.2f s; Tor geo-IP load %.2f s", buildSeconds, geoSeconds))
print(String(format: "anchor, same run: one random read costs %.0f ns in 2 MB, %.0f ns in 16 MB, %.0f ns in 64 MB",
             memoryLatency(bytes: 2 << 20), memoryLatency(bytes: 16 << 20), memoryLatency(bytes: 64 << 20)))
