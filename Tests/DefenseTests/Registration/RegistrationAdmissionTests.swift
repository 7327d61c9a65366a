import Defense
import GeoIP
import Model
import Testing

struct RegistrationAdmissionTests {
    let office = IPAddress("192.0.2.10")!
    let elsewhere = IPAddress("198.51.100.7")!

    @Test func anUnrestrictedExtensionRegistersFromAnywhereWithAnyDeviceButOnlyAsItself() {
        let admission = RegistrationAdmission(number: "1001", policy: ExtensionPolicy())
        #expect(admission.refusal(registering: "1001", from: elsewhere, userAgent: nil) == nil)
        #expect(admission.refusal(registering: "1002", from: office, userAgent: "Yealink") ==
                .otherExtension(authenticated: "1001", registering: "1002"))
        #expect(admission.refusal(registering: nil, from: office, userAgent: nil)?.description ==
                "authenticated for extension 1001 but registering nothing")
    }

    @Test func networksAndDevicesAreCheckedInOrder() {
        let policy = ExtensionPolicy(userAgentPrefixes: ["Yealink SIP-T4"]).with { $0.permittedNetworks = ["192.0.2.0/24", "2001:db8::/32"] }
        let admission = RegistrationAdmission(number: "1001", policy: policy)
        #expect(admission.refusal(registering: "1001", from: office, userAgent: "Yealink SIP-T46U 108.86") == nil)
        #expect(admission.refusal(registering: "1001", from: elsewhere, userAgent: "Yealink SIP-T46U") == .sourceNotPermitted)
        #expect(admission.refusal(registering: "1001", from: office, userAgent: "friendly-scanner") == .userAgentNotAllowed("friendly-scanner"))
        #expect(admission.refusal(registering: "1001", from: office, userAgent: nil) == .userAgentNotAllowed(nil))
        // The list kept while the check is off: any device.
        let off = RegistrationAdmission(number: "1001", policy: ExtensionPolicy(userAgentPrefixes: ["Yealink"]).with { $0.restrictsUserAgents = false })
        #expect(off.refusal(registering: "1001", from: office, userAgent: "Grandstream") == nil)
    }

    @Test func aStoredNetworkThatCannotBeReadAdmitsNobodyRatherThanEverybody() {
        let policy = ExtensionPolicy().with { $0.permittedNetworks = ["192.0.2.0/24", "10.0.0.0/99"] }
        let admission = RegistrationAdmission(number: "1001", policy: policy)
        #expect(admission.refusal(registering: "1001", from: office, userAgent: nil) == .unreadablePolicy("10.0.0.0/99"))
        #expect(admission.refusal(registering: "1001", from: elsewhere, userAgent: nil) == .unreadablePolicy("10.0.0.0/99"))
    }
}
