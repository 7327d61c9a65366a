import AdminAPI
import Defense
import Foundation
import Model
import PBX

/// The outbound call policy's pages: business hours, holidays, allowed country codes, blocked and allowed numbers,
/// PINs (and their lockout), locked extensions. Each change is the whole policy through `PUT /api/v1/outbound-policy`.
extension PortalRoutes {
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    func addOutbound() {
        policyPage(PortalPages.businessHours, PortalRoutes.businessHours) { policy, form in
            if let name = form["remove"] {
                policy.timeConditions.removeAll { $0.name == name }
                return "Time condition \(name) removed."
            }
            var days: [String: [String]] = [:]
            for day in PortalRoutes.weekdays {
                let ranges = form.lines(day)
                if !ranges.isEmpty { days[day] = ranges }
            }
            let condition = TimeCondition(name: form["name"] ?? "", timeZone: form["timeZone"] ?? "UTC", days: days)
            policy.timeConditions.removeAll { $0.name == condition.name }
            policy.timeConditions.append(condition)
            return "Time condition \(condition.name) saved."
        }
        policyPage(PortalPages.holidays, PortalRoutes.holidays) { policy, form in
            if let name = form["remove"] {
                policy.holidays.removeAll { $0.name == name }
                return "Holiday \(name) removed."
            }
            let date = form["date"] ?? ""
            let holiday = form["kind"] == "annual" ? Holiday(name: form["name"] ?? "", annual: date) : Holiday(name: form["name"] ?? "", date: date)
            policy.holidays.append(holiday)
            return "Holiday \(holiday.name) added."
        }
        policyPage(PortalPages.outboundCountries, PortalRoutes.outboundCountries) { policy, form in
            policy.countries.enabled = form.flag("enabled")
            policy.countries.allowed = form.values("allowed")
            if let prefix = form["internationalPrefix"] { policy.countries.internationalPrefix = prefix }
            return "Allowed country codes saved."
        }
        policyPage(PortalPages.outboundNumbers, PortalRoutes.outboundNumbers) { policy, form in
            if let pattern = form["remove"] {
                policy.numbers.removeAll { $0.pattern == pattern }
                return "\(pattern) removed."
            }
            let entry = NumberListEntry(pattern: form["pattern"] ?? "", list: form["list"].flatMap(NumberListEntry.List.init(rawValue:)) ?? .blocked,
                                        direction: form["direction"].flatMap(CallDirection.init(rawValue:)) ?? .both)
            policy.numbers.append(entry)
            return "\(entry.pattern) added to the \(entry.list.rawValue) numbers."
        }
        policyPage(PortalPages.outboundPINs, PortalRoutes.outboundPINs) { policy, form in
            if let failures = form["failures"].flatMap({ Int($0) }) { policy.pinLockout.failures = failures }
            if let minutes = form["minutes"].flatMap({ Int($0) }) { policy.pinLockout.minutes = minutes }
            return "PIN lockout saved."
        }
        let locks = PortalPages.outboundLocks
        page(locks) { session, _, _ in try await PortalRoutes.outboundLocks(session).view }
        form(locks.path, page: locks, needs: Endpoints.unlockOutbound.permission) { session, form, _ in
            let number = form["remove"] ?? ""
            _ = try await session.call(Endpoints.unlockOutbound, ["extension": number])
            return .redirect(locks.path, notice: "Extension \(number) may call out again.")
        }
    }

    /// A page over the outbound policy: GET shows it, POST applies `change` to the policy and saves it whole.
    private func policyPage(_ page: PortalPage, _ build: @escaping @Sendable (PortalSession) async throws -> RecordsPage,
                            _ change: @escaping @Sendable (inout OutboundPolicySettings, PortalForm) -> String) {
        self.page(page) { session, _, _ in try await build(session).view }
        form(page.path, page: page, needs: Endpoints.setOutboundPolicy.permission) { session, form, _ in
            var policy = try await session.call(Endpoints.outboundPolicy)
            let notice = change(&policy, form)
            let records = try await build(session)
            let changed = policy
            return try await PortalRoutes.attempt(form, fields: records.fieldNames.union(["timeConditions", "holidays", "countries", "numbers", "pinLockout"]),
                                                  redirect: page.path, notice: notice, view: { records.view }) {
                _ = try await session.call(Endpoints.setOutboundPolicy, body: changed)
            }
        }
    }

    static func policyForm(_ session: PortalSession, _ form: RecordsPage.Form) -> RecordsPage.Form? {
        session.may(Endpoints.setOutboundPolicy.permission) ? form : nil
    }

    static func businessHours(_ session: PortalSession) async throws -> RecordsPage {
        let policy = try await session.call(Endpoints.outboundPolicy)
        let path = PortalPages.businessHours.path
        let manage = session.may(Endpoints.setOutboundPolicy.permission)
        return RecordsPage(
            title: PortalPages.businessHours.title,
            intro: "Opening hours per weekday in a time zone. \"business-hours\" is what extensions limited to business hours follow; routes may name any.",
            listTitle: "Time conditions", columns: ["Name", "Time zone", "Open"],
            rows: policy.timeConditions.map { condition in
                .init(cells: [condition.name, condition.timeZone,
                              weekdays.compactMap { day in condition.days[day].map { "\(day.prefix(3)) \($0.joined(separator: ", "))" } }.joined(separator: "; ")],
                      actions: manage ? [removeAction(path, "time condition", condition.name)] : [])
            },
            form: policyForm(session, .init(title: "Add or replace a time condition", path: path, submit: "Save time condition",
                                            fields: [.init(name: "name", label: "Name", required: true, value: TimeCondition.businessHours),
                                                     .init(name: "timeZone", label: "Time zone (IANA, e.g. Europe/London)", value: "UTC")]
                                                + weekdays.map { .init(name: $0, label: "\($0.capitalized): ranges HH:MM-HH:MM (empty: closed)") })))
    }

    static func holidays(_ session: PortalSession) async throws -> RecordsPage {
        let policy = try await session.call(Endpoints.outboundPolicy)
        let path = PortalPages.holidays.path
        let manage = session.may(Endpoints.setOutboundPolicy.permission)
        return RecordsPage(
            title: PortalPages.holidays.title, intro: "Days the business is closed: every time condition is closed all day.",
            listTitle: "Holidays", columns: ["Name", "When"],
            rows: policy.holidays.map { holiday in
                .init(cells: [holiday.name, holiday.date ?? holiday.annual.map { "every year on \($0)" } ?? "week \(holiday.week ?? 0) \(holiday.weekday ?? "") of month \(holiday.month ?? 0)"],
                      actions: manage ? [removeAction(path, "holiday", holiday.name)] : [])
            }, empty: "No holiday.",
            form: policyForm(session, .init(title: "Add a holiday", path: path, submit: "Add holiday", fields: [
                .init(name: "name", label: "Name", required: true),
                .init(name: "kind", label: "Kind", kind: .select, options: [("date", "one date (YYYY-MM-DD)"), ("annual", "every year (MM-DD)")]),
                .init(name: "date", label: "Date", required: true),
            ])))
    }

    static func outboundCountries(_ session: PortalSession) async throws -> RecordsPage {
        let policy = try await session.call(Endpoints.outboundPolicy)
        let names = CallingCodes.bundled.nameByRegion
        let codes = CallingCodes.bundled.codeByRegion
        return RecordsPage(
            title: PortalPages.outboundCountries.title,
            intro: "International calls go only to the countries allowed here (emergency numbers always go through).",
            listTitle: "Allowed now: \(policy.countries.enabled ? "\(policy.countries.allowed.count) countries" : "every country (the rule is off)")",
            columns: ["Country", "Calling code"],
            rows: policy.countries.allowed.map { .init(cells: ["\(names[$0] ?? $0) (\($0))", "+" + (codes[$0] ?? "?")]) }, empty: "No country: no international call goes out.",
            form: policyForm(session, .init(title: "Change", path: PortalPages.outboundCountries.path, submit: "Save allowed countries", fields: [
                .init(name: "enabled", label: "Only allow the countries selected", kind: .checkbox, checked: policy.countries.enabled),
                .init(name: "internationalPrefix", label: "International prefix", kind: .select, options: [("00", "00"), ("011", "011"), ("+", "+")],
                      value: policy.countries.internationalPrefix),
                .init(name: "allowed", label: "Allowed countries (select several)", kind: .multiselect,
                      options: names.keys.sorted().map { ($0, "\(names[$0] ?? $0) (+\(codes[$0] ?? "?"))") }, selected: Set(policy.countries.allowed)),
            ])))
    }

    static func outboundNumbers(_ session: PortalSession) async throws -> RecordsPage {
        let policy = try await session.call(Endpoints.outboundPolicy)
        let path = PortalPages.outboundNumbers.path
        let manage = session.may(Endpoints.setOutboundPolicy.permission)
        return RecordsPage(
            title: PortalPages.outboundNumbers.title, intro: "Allowed overrides blocked; calls between extensions are never affected.",
            listTitle: "Numbers", columns: ["Number or pattern", "List", "Applies to"],
            rows: policy.numbers.map { entry in
                .init(cells: [entry.pattern, entry.list.rawValue, entry.direction.rawValue], actions: manage ? [removeAction(path, "number", entry.pattern)] : [])
            }, empty: "No number is listed.",
            form: policyForm(session, .init(title: "Add a number", path: path, submit: "Add number", fields: [
                .init(name: "pattern", label: "Number or dial pattern", required: true),
                .init(name: "list", label: "List", kind: .select, options: [("blocked", "blocked"), ("allowed", "allowed")]),
                .init(name: "direction", label: "Applies to", kind: .select, options: [("both", "both directions"), ("outbound", "outbound (dialed)"), ("inbound", "inbound (caller)")]),
            ])))
    }

    static func outboundPINs(_ session: PortalSession) async throws -> RecordsPage {
        let routing = try await session.call(Endpoints.routing)
        let policy = try await session.call(Endpoints.outboundPolicy)
        return RecordsPage(
            title: PortalPages.outboundPINs.title,
            intro: "A route with a PIN asks callers for it before the call goes out; PINs are kept as fingerprints. Set a route's PIN when adding it (Outbound routes). "
                + "After \(policy.pinLockout.failures) wrong PINs in \(policy.pinLockout.minutes) minutes the extension is locked.",
            listTitle: "Routes and their PINs", columns: ["Route", "PIN", "Entries", "Recorded in the CDR"],
            rows: routing.routes.map { .init(cells: [$0.name, $0.pin.mode.rawValue, String($0.pin.pins.count), $0.pin.record ? "yes" : "no"]) },
            empty: "No outbound route.",
            form: policyForm(session, .init(title: "PIN lockout", path: PortalPages.outboundPINs.path, submit: "Save PIN lockout", fields: [
                .init(name: "failures", label: "Wrong PINs before the extension is locked", kind: .number, value: String(policy.pinLockout.failures)),
                .init(name: "minutes", label: "Within minutes", kind: .number, value: String(policy.pinLockout.minutes)),
            ])))
    }

    static func outboundLocks(_ session: PortalSession) async throws -> RecordsPage {
        let locks = try await session.call(Endpoints.outboundLocks).items
        let manage = session.may(Endpoints.unlockOutbound.permission)
        return RecordsPage(
            title: PortalPages.outboundLocks.title, intro: "Extensions locked by a frequency rule or wrong PINs call out again once unlocked.",
            listTitle: "Locked extensions", columns: ["Extension", "Reason", "Since"],
            rows: locks.map { lock in
                .init(cells: [lock.extension, lock.reason, PortalFormat.time(lock.since)],
                      actions: manage ? [.init(path: PortalPages.outboundLocks.path, label: "Unlock", description: "Unlock \(lock.extension)",
                                               hidden: [("remove", lock.extension)])] : [])
            }, empty: "No extension is locked.")
    }
}
