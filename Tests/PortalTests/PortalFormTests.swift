import AdminAPI
import HTTPTypes
@testable import Portal
import Testing

struct PortalFormTests {
    @Test func decodesPercentAndPlusAndKeepsRepeatedNames() throws {
        let form = try #require(PortalForm(body: "name=a+b%26c&allow=GB&allow=DE&allow=&empty=&_csrf=x%3Dy"))
        #expect(form["name"] == "a b&c")
        #expect(form.values("allow") == ["GB", "DE"])
        #expect(form["empty"] == "")
        #expect(form["missing"] == nil)
        #expect(form[PortalForm.csrfField] == "x=y")
    }

    @Test func refusesWhatIsNotABoundedForm() {
        #expect(PortalForm(body: "a=%ZZ") == nil)
        #expect(PortalForm(body: String(repeating: "a", count: PortalForm.maxBytes + 1)) == nil)
        #expect(PortalForm(body: Array(repeating: "a=1", count: PortalForm.maxFields + 1).joined(separator: "&")) == nil)
    }

    @Test func linesFlagsAndNumbers() throws {
        let form = try #require(PortalForm(body: "list=10.0.0.0%2F8%0D%0A%0D%0A192.0.2.1,198.51.100.0%2F24&on=on&off=off&n=12&bad=1x"))
        #expect(form.lines("list") == ["10.0.0.0/8", "192.0.2.1", "198.51.100.0/24"])
        #expect(form.flag("on") && !form.flag("off") && !form.flag("absent"))
        #expect(try form.integer("n").get() == 12)
        #expect(try form.integer("absent").get() == nil)
        #expect(throws: FieldProblem.self) { try form.integer("bad").get() }
    }
}

struct FieldProblemTests {
    @Test func apiProblemsLandBesideTheFieldTheyName() {
        let error = AdminError(.invalidInput, "bad", problems: [
            "network.countries.api.allow: 'XX' is not an ISO 3166-1 country code", "password: too short", "something else entirely",
            "frequency rule 'x': calls must be 1-10000",
        ])
        let problems = FieldProblem.from(error, fields: ["allow", "password", "frequency rule", "pass"])
        #expect(problems.map(\.field) == ["allow", "password", nil, "frequency rule"])
        #expect(problems[0].message == "network.countries.api.allow: 'XX' is not an ISO 3166-1 country code")
    }

    @Test func aDetailWithoutProblemsIsShownAboveTheForm() {
        let problems = FieldProblem.from(AdminError(.wouldLockOut, "this change would cut you off: 127.0.0.1 ..."), fields: ["allow"])
        #expect(problems == [FieldProblem(field: nil, message: "this change would cut you off: 127.0.0.1 ...")])
    }

    @Test func aFailedViewKeepsWhatWasTypedButNeverSecrets() throws {
        let form = try #require(PortalForm(body: "number=12%3Cb%3E&password=Secret-Pass-1234&_csrf=t"))
        let view = PortalView("extensions", title: "x").failed([FieldProblem(field: "number", message: "number: digits only")], form: form)
        #expect(view.values["number"] == "12<b>")
        #expect(view.values["password"] == nil && view.values["_csrf"] == nil)
        #expect(view.status == .badRequest)
    }
}
