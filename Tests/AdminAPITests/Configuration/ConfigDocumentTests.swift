import AdminAPI
import Defense
import Events
import Foundation
import Model
import PBX
import SIPAuth
import SIPCore
import Storage
import Update
import Testing

@Suite("Declarative configuration")
struct ConfigDocumentTests {
    @Test func aValidDocumentReadsEveryField() throws {
        let document = try ConfigDocument(yaml: """
            sip:
              listen: ["127.0.0.1:5060", "tls:127.0.0.1:5061"]
              tls: {certificate: /etc/c.pem, key: /etc/k.pem}
              digestAlgorithms: [SHA-256, MD5]
              registration: {minExpires: 30, maxExpires: 600, defaultExpires: 300, maxContacts: 2}
              limits: {maxMessageSize: 32768, maxHeaderCount: 64, maxLineLength: 4096}
            api:
              listen: 127.0.0.1:9000
            extensions:
              - number: "1001"
                name: Alice
                password: Tqbaaa7Zr9x
            """, file: "pbx.yaml")
        #expect(document.sip.listen.count == 2)
        #expect(document.sip.digestAlgorithms.map(\.rawValue) == ["SHA-256", "MD5"])
        #expect(document.sip.registration.maxContacts == 2)
        #expect(document.sip.limits.maxHeaderCount == 64)
        #expect(document.extensions.first?.password == "Tqbaaa7Zr9x")
    }

    @Test func everyProblemIsReportedWithFileLineAndField() {
        do {
            _ = try ConfigDocument(yaml: """
                sip:
                  listen: ["nonsense"]
                  registration:
                    minExpires: soon
                extensions:
                  - number: "10a1"
                    password: weak
                  - number: "1002"
                    colour: blue
                """, file: "bad.yaml")
            Issue.record("accepted an invalid file")
        } catch {
            #expect(error.kind == .invalidConfiguration)
            let text = error.problems.joined(separator: "\n")
            #expect(text.contains("bad.yaml:4: sip.registration.minExpires"))
            #expect(text.contains("bad.yaml:6: extensions[0].number"))
            #expect(text.contains("bad.yaml:7: extensions[0].password"))
            #expect(text.contains("bad.yaml:9: extensions[1].colour: unknown field"))
            #expect(text.contains("sip.listen"))
        }
    }

    @Test func anchorsAndAliasesAreRefusedBeforeAnyWork() {
        // The review's file: one anchor, an alias repeated 2,000 times (276 s of CPU and 1.45 GB before).
        let yaml = "sip:\n  scanners: &a {userAgents: [" + Array(repeating: "\"abcdefgh\"", count: 50).joined(separator: ",") + "]}\n"
            + "extensions:\n" + (0..<2_000).map { "  - {number: \"\(1000 + $0)\", password: Tqbaaa7Zr9x, x: *a}" }.joined(separator: "\n")
        do {
            _ = try ConfigDocument(yaml: yaml, file: "laughs.yaml")
            Issue.record("an alias was accepted")
        } catch {
            #expect(error.problems == ["laughs.yaml:4: anchors and aliases (& and *) are not accepted in a configuration"])
        }
    }

    @Test func atMostAHundredProblemsAreListed() {
        let yaml = "extensions:\n" + (0..<150).map { "  - {number: \"x\($0)\", password: short}" }.joined(separator: "\n")
        do {
            _ = try ConfigDocument(yaml: yaml, file: "many.yaml")
            Issue.record("bad extensions were accepted")
        } catch {
            #expect(error.problems.count == 101 && error.problems.last?.hasPrefix("... and ") == true)
        }
    }

    @Test func exportReadsBackToTheSameDocument() throws {
        var sip = SIPSettings()
        sip.listen = ["udp:[::1]:5070"]
        sip.lockout.failuresPerSource = 3
        sip.lockout.accountLockDuration = 3_600
        var api = APISettings()
        api.listen = "127.0.0.1:9000"
        var network = NetworkSettings()
        network.allow = ["203.0.113.0/24", "office.example.com"]
        network.rules = [StaticRule(name: "partner", action: .accept, sources: ["198.51.100.0/24"], services: [.sip])]
        network.countries.sip = CountryRule(enabled: true, allow: ["GB", "IE"])
        network.autoDefense.rules[0].monitorOnly = true
        let document = ConfigDocument(sip: sip, api: api, network: network, extensions: [
            .init(number: "1001", name: "Alice", password: nil, ha1MD5: String(repeating: "a", count: 32),
                  ha1SHA256: String(repeating: "b", count: 64), line: 0),
        ])
        let again = try ConfigDocument(yaml: document.yaml(), file: "export.yaml")
        #expect(again.sip == document.sip && again.api == document.api)
        #expect(again.network == network)
        #expect(again.extensions.map(\.number) == ["1001"])
        #expect(again.extensions.first?.ha1SHA256 == String(repeating: "b", count: 64))
    }
}

struct LockoutSettingsTests {
    @Test func lockoutIsReadValidatedAndDefaultedForOlderStoredSettings() throws {
        let document = try ConfigDocument(yaml: "sip:\n  lockout: {failuresPerSource: 4, window: 120}\n", file: "l.yaml")
        #expect(document.sip.lockout.failuresPerSource == 4 && document.sip.lockout.window == 120)
        #expect(document.sip.lockout.failuresPerAccount == 20)
        do {
            _ = try ConfigDocument(yaml: "sip:\n  lockout:\n    failuresPerSource: 0\n    failuresPerTrustedPair: 2\n    windw: 5\n", file: "bad.yaml")
            Issue.record("an invalid lockout was accepted")
        } catch {
            #expect(error.problems.contains("bad.yaml: sip.lockout.failuresPerSource: must be 1-1000, got 0"))
            #expect(error.problems.contains("bad.yaml:5: sip.lockout.windw: unknown field"))
        }
        let scanners = try ConfigDocument(yaml: "sip:\n  scanners: {action: drop, userAgents: [evil-tool]}\n", file: "s.yaml")
        #expect(scanners.sip.scanners.action == .drop && scanners.sip.scanners.userAgents == ["evil-tool"])
        do {
            _ = try ConfigDocument(yaml: "sip:\n  scanners: {action: explode}\n", file: "s.yaml")
            Issue.record("an unknown scanner action was accepted")
        } catch {
            #expect(error.problems.contains { $0.contains("sip.scanners.action: must be block, drop or off") })
        }
        let old = try JSONDecoder().decode(SIPSettings.self, from: Data(#"{"listen": ["127.0.0.1:5060"]}"#.utf8))
        #expect(old.lockout == RegistrationLockoutSettings() && old.scanners == ScannerPolicy() && old.listen == ["127.0.0.1:5060"] && old.limits == SIPLimits())
    }
}

@Suite("Admin operations on a store")
struct AdminServiceTests {
    @Test func aDocumentWithoutANetworkSectionLeavesTheNetworkSettingsAlone() async throws {
        let service = try makeService()
        var network = NetworkSettings()
        network.allow = ["192.0.2.0/24"]
        _ = try await service.updateNetworkSettings(network, caller: nil, force: false)
        _ = try await service.applyConfiguration(yaml: "extensions: []\n", file: "plain.yaml")
        #expect(try await service.networkSettings().allow == ["192.0.2.0/24"])
        _ = try await service.applyConfiguration(yaml: "network:\n  allow: []\nextensions: []\n", file: "net.yaml")
        #expect(try await service.networkSettings().allow == [])
        do {
            _ = try await service.applyConfiguration(yaml: "network:\n  allow: [10.0.0.1/8]\nextensions: []\n", file: "bad.yaml")
            Issue.record("an invalid network section was applied")
        } catch {
            #expect(error.kind == .invalidConfiguration && error.problems.contains { $0.contains("network.allow[0]") && $0.contains("host bits") })
        }
        #expect(try await service.networkSettings().allow == [])
    }

    func makeService() throws -> AdminService { try TestService.make() }

    @Test func generatedPasswordsAreStrongAndShownOnce() async throws {
        let service = try makeService()
        let created = try await service.createExtension(CreateExtensionRequest(number: "1001"))
        let password = try #require(created.password)
        #expect(password.count >= 16)
        #expect(AdminValidation.sipPasswordProblems(password, number: "1001", registrationName: nil, name: nil).isEmpty)
        let stored = try #require(try await service.store.extensionRecord(number: "1001"))
        #expect(!stored.ha1MD5.contains(password))
        #expect(try await service.extensionView("1001").number == "1001")
    }

    @Test func badInputChangesNothing() async throws {
        let service = try makeService()
        for request in [CreateExtensionRequest(number: "12a"), CreateExtensionRequest(number: "1001", password: "short"),
                        CreateExtensionRequest(number: "1001", name: "bad\u{07}name")] {
            await #expect(throws: AdminError.self) { try await service.createExtension(request) }
        }
        #expect(try await service.extensions().isEmpty)
        _ = try await service.createExtension(CreateExtensionRequest(number: "1001", password: "Tqbaaa7Zr9x"))
        await #expect { try await service.createExtension(CreateExtensionRequest(number: "1001")) } throws: {
            ($0 as? AdminError)?.kind == .conflict
        }
    }

    @Test func aRegistrationNameIsTheDigestUserNameAndNeedsANewPasswordToChange() async throws {
        let service = try makeService()
        let created = try await service.createExtension(CreateExtensionRequest(number: "1001", registrationName: "k7-desk", name: "Alice"))
        let password = try #require(created.password)
        let stored = try #require(try await service.store.extensionRecord(number: "1001"))
        #expect(stored.ha1MD5 == DigestAlgorithm.md5.ha1(username: "k7-desk", realm: "portcullis", password: password))
        #expect(created.extension.registrationName == "k7-desk")

        let problems = { (request: UpdateExtensionRequest) async -> [String] in
            do {
                _ = try await service.updateExtension("1001", request)
                return []
            } catch let error as AdminError {
                return error.problems
            } catch {
                return ["\(error)"]
            }
        }
        #expect(await problems(UpdateExtensionRequest(registrationName: "k8-desk")).contains { $0.contains("needs a new password") })
        #expect(await problems(UpdateExtensionRequest(registrationName: "bad name")).contains { $0.hasPrefix("registrationName:") })
        #expect(await problems(UpdateExtensionRequest(password: "Xk7-deskQ92z")).contains { $0.contains("'k7-desk'") })
        #expect(try await service.store.extensionRecord(number: "1001") == stored)

        let renamed = try await service.updateExtension("1001", UpdateExtensionRequest(registrationName: "k8-desk", password: "Tqbaaa7Zr9x"))
        #expect(renamed.extension.registrationName == "k8-desk")
        let after = try #require(try await service.store.extensionRecord(number: "1001"))
        #expect(after.ha1SHA256 == DigestAlgorithm.sha256.ha1(username: "k8-desk", realm: "portcullis", password: "Tqbaaa7Zr9x"))
        await #expect { try await service.createExtension(CreateExtensionRequest(number: "1002", registrationName: "k8-desk")) } throws: {
            ($0 as? AdminError)?.kind == .conflict
        }
        await #expect(throws: AdminError.self) {
            try await service.createExtension(CreateExtensionRequest(number: "1003", registrationName: "1001"))
        }
        #expect(try await service.extensions().map(\.number) == ["1001"])
    }

    @Test func registrationNamesAndTheUserAgentSwitchRoundTripThroughYAML() async throws {
        let service = try makeService()
        _ = try await service.applyConfiguration(yaml: """
            extensions:
              - {number: "1001", registrationName: k7-desk, password: Tqbaaa7Zr9x, userAgents: [Yealink], restrictUserAgents: false}
              - {number: "1002", password: Tqbaaa7Zr9x, userAgents: [Grandstream]}
            """, file: "a.yaml")
        let view = try await service.extensionView("1001")
        #expect(view.registrationName == "k7-desk" && !view.restrictUserAgents && view.userAgentPrefixes == ["Yealink"])
        #expect(try await service.extensionView("1002").restrictUserAgents)
        let exported = try await service.exportConfiguration()
        #expect(try ConfigDocument(yaml: exported, file: "export.yaml").extensions.first?.registrationName == "k7-desk")
        let result = try await service.applyConfiguration(yaml: exported, file: "export.yaml")
        #expect(result.extensionsUpdated == 0)

        for (yaml, message) in [
            ("- {number: \"1001\", registrationName: \"1002\", password: Tqbaaa7Zr9x}\n- {number: \"1002\", password: Tqbaaa7Zr9x}",
             "already identifies extension 1002"),
            ("- {number: \"1001\", registrationName: k9-desk}", "new registration name and needs a password or ha1"),
            ("- {number: \"1001\", password: Tqbaaa7Zr9x, restrictUserAgents: true}", "no prefix is listed"),
            ("- {number: \"1001\", password: Tqbaaa7Zr9x, restrictUserAgents: maybe}", "expected true or false"),
        ] {
            await #expect { try await service.applyConfiguration(yaml: "extensions:\n" + yaml.split(separator: "\n").map { "  " + $0 }
                .joined(separator: "\n") + "\n", file: "b.yaml") } throws: {
                ($0 as? AdminError)?.problems.contains { $0.contains(message) } == true
            }
        }
        #expect(try await service.exportConfiguration() == exported)
    }

    @Test func applyingAnInvalidFileLeavesEverythingAsItWas() async throws {
        let service = try makeService()
        _ = try await service.applyConfiguration(yaml: "extensions:\n  - {number: \"1001\", password: Tqbaaa7Zr9x}\n", file: "a.yaml")
        let before = try await service.exportConfiguration()
        await #expect(throws: AdminError.self) {
            try await service.applyConfiguration(yaml: "extensions:\n  - {number: \"1002\"}\n", file: "b.yaml")
        }
        #expect(try await service.exportConfiguration() == before)
        let result = try await service.applyConfiguration(yaml: before, file: "export.yaml")
        #expect(result.extensionsCreated == 0 && result.extensionsUpdated == 0 && result.extensionsRemoved == 0)
    }

    @Test func setupTokenWorksOnceExpiresAndTokensAreStoredHashed() async throws {
        let service = try TestService.make(setupTokenFile: "setup-token")
        let file = try #require(service.setupTokenFile)
        let now = Date()
        let expires = try #require(try await service.issueSetupTokenIfNeeded(now: now))
        #expect(abs(expires.timeIntervalSince(now) - AdminService.setupTokenLifetime) < 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "the token file is the owner's alone")
        let setup = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await service.issueSetupTokenIfNeeded(now: now.addingTimeInterval(60)) == expires, "a restart keeps the token")
        await #expect(throws: AdminError.self) {
            try await service.setup(SetupRequest(setupToken: "setup_wrong", username: "admin", password: "Quiet7-Harbor-Lamp9"))
        }
        await #expect(throws: AdminError.self, "expired") {
            try await service.setup(SetupRequest(setupToken: setup, username: "admin", password: "Quiet7-Harbor-Lamp9"),
                                    now: expires.addingTimeInterval(1))
        }
        let token = try await service.setup(SetupRequest(setupToken: setup, username: "admin", password: "Quiet7-Harbor-Lamp9"))
        #expect(!FileManager.default.fileExists(atPath: file), "the used token's file is removed")
        #expect(await service.tokenCaller(token.token, address: nil)?.actor == "admin (token admin (setup))")
        #expect(try await service.store.tokens().allSatisfy { $0.secretHash != token.token })
        await #expect(throws: AdminError.self) {
            try await service.setup(SetupRequest(setupToken: setup, username: "admin2", password: "Quiet7-Harbor-Lamp9"))
        }
        #expect(try await service.issueSetupTokenIfNeeded() == nil)
        let events = try await service.events(EventQuery(limit: 100)).map(\.name)
        #expect(events.filter { $0 == "Setup Token Refused" }.count == 3 && events.contains("Super Administrator Created"))
    }

    @Test func callRecordsExportAsCSVThatASpreadsheetCannotRun() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let record = CallDetailRecord(id: 7, callID: "x,y", caller: "1001", callee: "1002", dialed: "=HYPERLINK(\"evil\")", start: start,
                                      answer: start.addingTimeInterval(1), end: start.addingTimeInterval(11), disposition: .answered,
                                      cause: "said \"bye\"")
        let lines = CallDetailRecord.csv([record]).components(separatedBy: "\r\n")
        #expect(lines[0].hasPrefix("id,call_id,caller,callee,dialed,"))
        #expect(lines[1].hasPrefix("7,\"x,y\",1001,1002,\"'=HYPERLINK(\"\"evil\"\")\","))
        #expect(lines[1].contains(",10,answered,,\"said \"\"bye\"\"\","))
        #expect(lines.count == 3 && lines[2].isEmpty)
    }

    @Test func trunksAndRoutesRoundTripThroughYAMLWithoutTheirPasswords() async throws {
        let service = try makeService()
        let yaml = """
            extensions:
              - {number: "1001", password: Tqbaaa7Zr9x}
            trunks:
              - {name: carrier, host: "192.0.2.10:5060", username: acct, password: Prov1der-Secret}
            routes:
              - {name: international, patterns: [{pattern: "900.", strip: 1}], trunks: [carrier], extensions: ["1001"]}
            inboundRoutes:
              - {name: main, did: "44207946012X", extension: "1001"}
            """
        _ = try await service.applyConfiguration(yaml: yaml, file: "a.yaml")
        let exported = try await service.exportConfiguration()
        #expect(exported.contains("trunks:") && exported.contains("international") && !exported.contains("Prov1der-Secret"))
        _ = try await service.applyConfiguration(yaml: exported, file: "export.yaml")
        let stored = try #require(try await service.store.setting(RoutingSettings.storeKey))
        #expect(!stored.contains("Prov1der-Secret"), "stored sealed, under the key outside the database")
        let routing = try JSONDecoder().decode(RoutingSettings.self, from: Data(stored.utf8))
        #expect(try routing.opened(with: SecretBox(key: Array(repeating: 7, count: 32))).trunks.first?.password == "Prov1der-Secret",
                "a password left out of the file is kept")
        #expect(try await service.routing().routes.first?.patterns.first?.strip == 1)

        for (bad, message) in [
            ("routes:\n  - {name: x, patterns: [{pattern: \"9.5\"}], trunks: [carrier]}\ntrunks:\n  - {name: carrier, host: \"192.0.2.10:5060\"}",
             "'.' may only end the pattern"),
            ("trunks:\n  - {name: newone, host: \"192.0.2.11:5060\", username: u}", "trunk 'newone' is new and needs a password"),
            ("trunks:\n  - {name: t, hots: \"192.0.2.11:5060\"}", "trunks[0].hots: unknown field"),
            ("inboundRoutes:\n  - {name: i, did: \"1\", extension: \"1001\", ring: all}", "inboundRoutes[0].ring: unknown field"),
        ] {
            await #expect { try await service.applyConfiguration(yaml: "extensions:\n  - {number: \"1001\"}\n" + bad + "\n", file: "b.yaml") } throws: {
                ($0 as? AdminError)?.problems.contains { $0.contains(message) } == true
            }
        }
        #expect(try await service.exportConfiguration() == exported)
    }

    @Test func theOutboundPolicyAndExtensionRulesRoundTripThroughYAML() async throws {
        let service = try makeService()
        let yaml = """
            extensions:
              - {number: "1001", password: Tqbaaa7Zr9x, outbound: {disallowInternational: true, maxCallDuration: 600, frequencyRule: strict}}
              - {number: "1002", password: Tqbaaa7Zr9x}
            trunks:
              - {name: carrier, host: "192.0.2.10:5060", maxCalls: 2, maxCallsDirection: outbound}
            routes:
              - {name: abroad, patterns: [{pattern: "900.", strip: 1}], trunks: [carrier], groups: [sales], hours: office,
                 pin: {mode: list, pins: [{pin: "4711", label: alice}], record: true}}
            outbound:
              emergencyNumbers: ["112", "999"]
              groups: [{name: sales, extensions: ["1002"]}]
              timeConditions:
                - {name: business-hours, timeZone: Europe/London, days: {friday: ["09:00-15:00"], monday: ["09:00-12:30", "13:30-17:30"]}}
                - {name: office, days: {tuesday: ["08:00-20:00"]}}
              holidays: [{name: christmas, annual: "12-25"}, {name: thanksgiving, month: 11, weekday: thursday, week: 4}]
              countries: {allowed: [GB, BS], internationalPrefix: "011"}
              numbers: [{pattern: "0900XXXXXX", list: blocked, direction: outbound}]
              frequencyRules: [{name: default, limits: [{calls: 5, seconds: 1}]}, {name: strict, limits: [{calls: 10, minutes: 60}], lock: true}]
              pinLockout: {failures: 5, minutes: 30}
            """
        _ = try await service.applyConfiguration(yaml: yaml, file: "a.yaml")
        let policy = try await service.outboundPolicy()
        #expect(policy.countries.internationalPrefix == "011" && policy.holidays.count == 2 && policy.pinLockout.failures == 5)
        #expect(try await service.extensionView("1001").outbound == ExtensionCallRules().with {
            $0.disallowInternational = true
            $0.maxCallDuration = 600
            $0.frequencyRule = "strict"
        })
        let exported = try await service.exportConfiguration()
        let again = try await service.applyConfiguration(yaml: exported, file: "export.yaml")
        #expect(again.extensionsUpdated == 0)
        #expect(try await service.exportConfiguration() == exported)
        #expect(try await service.outboundPolicy() == policy)

        // A file whose routes name a group the stored policy lacks, or that drops a rule an extension uses: refused whole.
        for (bad, message) in [
            ("extensions:\n  - {number: \"1001\"}\noutbound:\n  groups: []\n", "route 'abroad': no extension group 'sales'"),
            ("extensions:\n  - {number: \"1001\", outbound: {frequencyRule: gone}}\n", "extension 1001: no frequency rule named 'gone'"),
            ("extensions:\n  - {number: \"1001\", outbound: {disableOutbund: true}}\n", "unknown field"),
        ] {
            await #expect { try await service.applyConfiguration(yaml: bad, file: "b.yaml") } throws: {
                ($0 as? AdminError)?.problems.contains { $0.contains(message) } == true
            }
        }
        #expect(try await service.exportConfiguration() == exported)
    }
}

extension AdminServiceTests {
    @Test func theLoginDefenseEventsAndUpdateCheckRoundTripThroughYAMLAndStayWhenLeftOut() async throws {
        let service = try makeService()
        let yaml = """
            login: {failuresBeforeRefusal: 3, failuresBeforeBlock: 6, twoFactorRoles: [Super Administrator], sessionIdleMinutes: 15}
            events:
              overrides:
                - {name: Extension Registration Failed, level: alert, notify: true, template: "{{event}} from {{ip}}"}
              retention: {maxAgeDays: 30, securityMaxAgeDays: 400, maxEvents: 50000}
            update: {mode: never, frequency: daily, time: "04:30", timeZone: Europe/Berlin}
            extensions: []
            """
        _ = try await service.applyConfiguration(yaml: yaml, file: "a.yaml")
        let login = try await service.loginDefense()
        #expect((login.failuresBeforeRefusal, login.failuresBeforeBlock, login.sessionIdleMinutes) == (3, 6, 15))
        #expect(login.twoFactorRoles == ["Super Administrator"])
        let failed = try #require(try await service.eventCatalogue().first { $0.name == "Extension Registration Failed" })
        #expect(failed.level == .alert && failed.notify)
        #expect(try await service.eventRetention().retention.maxAgeDays == 30)
        #expect(try await service.updateOverview().settings.mode == .never)
        let exported = try await service.exportConfiguration()
        #expect(exported.contains("login:") && exported.contains("events:") && exported.contains("update:"))
        _ = try await service.applyConfiguration(yaml: exported, file: "export.yaml")
        #expect(try await service.exportConfiguration() == exported)

        // A file without the sections (written before they existed) leaves them as they are.
        _ = try await service.applyConfiguration(yaml: "extensions: []\n", file: "plain.yaml")
        #expect(try await service.exportConfiguration() == exported)

        // Each section checked as its own command checks it; one bad value and nothing changes.
        for (bad, message) in [
            ("login: {failuresBeforeRefusal: 0}\n", "b.yaml:1: login.failuresBeforeRefusal"),
            ("login: {twoFactorRoles: [Nobody]}\n", "login.twoFactorRoles: no role named 'Nobody'"),
            ("login: {failuresBeforeRefusl: 3}\n", "unknown field"),
            ("events:\n  overrides: [{name: No Such Event, level: alert}]\n", "events.overrides: no event is named 'No Such Event'"),
            ("events:\n  overrides: [{name: Extension Registration Failed, template: \"{{#event}}\"}]\n",
             "events.overrides[Extension Registration Failed].template"),
            ("update: {feed: \"http://example.com/feed.json\"}\n", "update.feed: must be an https:// address"),
            ("update: {caFile: /nonexistent/ca.pem}\n", "update.caFile: cannot read /nonexistent/ca.pem"),
        ] {
            await #expect { try await service.applyConfiguration(yaml: bad + "extensions: []\n", file: "b.yaml") } throws: {
                ($0 as? AdminError)?.problems.contains { $0.contains(message) } == true
            }
        }
        #expect(try await service.exportConfiguration() == exported)
    }
}
