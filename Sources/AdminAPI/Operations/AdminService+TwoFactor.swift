import DefenseRuntime
import Events
import Foundation
import HummingbirdOTP
import Model
import QRCode
import SIPAuth
import Storage

/// Second factors: TOTP (RFC 6238) with an enrolment confirmed by a first code and ten single-use recovery codes,
/// and emailed 6-digit codes. A code is accepted once, never again (nor an older TOTP step), and a wrong one counts
/// towards the login lockout like a wrong password.
extension AdminService {
    static let recoveryCodeCount = 10
    static let emailCodeLifetime: TimeInterval = 600
    static let totpIssuer = "Portcullis"

    /// Starts (or restarts) enrolment of an authenticator app for the caller: a new key, shown as an otpauth URI and
    /// its QR code, that works only once confirmed with a first code.
    public func startTOTPEnrolment() async throws(AdminError) -> TOTPEnrolment {
        var user = try await callerUser()
        let secret = SecretGenerator.totpSecret()
        user.twoFactor.pendingTOTPSealedSecret = secrets.seal(secret)
        let updated = user
        _ = try await storeCall { try await store.updateAdminUser(updated) }
        let uri = TOTP(secret: secret).createAuthenticatorURL(label: "\(AdminService.totpIssuer):\(user.username)", issuer: AdminService.totpIssuer)
        let base32 = uri.split(separator: "secret=").last.map { String($0.prefix { $0 != "&" }) } ?? ""
        return TOTPEnrolment(secret: base32, uri: uri, qrSVG: QRCode(uri)?.svg() ?? "")
    }

    /// Confirms enrolment with a code from the app: the key becomes the user's second factor, replacing any earlier
    /// one, and ten new recovery codes are answered this once.
    public func confirmTOTP(_ request: TOTPConfirmation, now: Date = Date()) async throws(AdminError) -> RecoveryCodes {
        var user = try await callerUser()
        guard let sealed = user.twoFactor.pendingTOTPSealedSecret, let secret = try? secrets.open(sealed) else {
            throw AdminError(.conflict, "no enrolment in progress: POST /api/v1/me/twofactor/totp first")
        }
        guard let step = totpStep(request.code, secret: secret, after: nil, now: now),
              logins.acceptOnce("totp:\(user.username):\(step)", now: now) else {
            throw AdminError(.invalidInput, "code: wrong or expired; enter the code the app shows now")
        }
        let codes = (0..<AdminService.recoveryCodeCount).map { _ in SecretGenerator.recoveryCode() }
        user.twoFactor = TwoFactorState()
        user.twoFactor.totpSealedSecret = sealed
        user.twoFactor.lastTOTPStep = step
        user.twoFactor.recoveryCodeHashes = codes.map(SecretGenerator.sha256Hex)
        let updated = user
        _ = try await storeCall { try await store.updateAdminUser(updated) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "users", "updated": user.username,
                                                                                    "changed": "second factor enrolled"]))
        return RecoveryCodes(recoveryCodes: codes)
    }

    /// An administrator removes a user's second factors (a lost phone); the user enrols again at the next login when
    /// one is required.
    public func resetTwoFactor(_ username: String) async throws(AdminError) -> UserView {
        var user = try await user(named: username)
        try await requireAuthority(over: user)
        user.twoFactor = TwoFactorState()
        let updated = user
        _ = try await storeCall { try await store.updateAdminUser(updated) }
        _ = try await storeCall { try await store.deleteSessions(username: username, keeping: nil) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "users", "updated": username,
                                                                                    "changed": "second factors reset"]))
        return UserView(user, requiresTwoFactor: try await requiresTwoFactor(user))
    }

    /// The second factor a login presents, checked and used up: its name. None given is "second factor required"; a
    /// wrong one is a failed login of `user`, counted like a wrong password.
    func secondFactor(_ user: inout AdminUserRecord, code: String?, recoveryCode: String?, origin: LoginOrigin,
                      now: Date) async throws(AdminError) -> String {
        guard code != nil || recoveryCode != nil else {
            throw AdminError(.secondFactorRequired, "a second factor is required: totp (or a recovery code)")
        }
        guard let factor = try await acceptSecondFactor(&user, code: code, recoveryCode: recoveryCode, now: now) else {
            throw await loginFailed(account: user.username, known: true, reason: "wrong second factor", origin: origin, now: now)
        }
        return factor
    }

    /// Checks a TOTP, emailed or recovery code for `user` and stores what it used up; answers which factor it was,
    /// nil for a wrong, replayed or used code.
    func acceptSecondFactor(_ user: inout AdminUserRecord, code: String?, recoveryCode: String?, now: Date) async throws(AdminError) -> String? {
        let method: String
        if let code, let sealed = user.twoFactor.totpSealedSecret, let secret = try? secrets.open(sealed),
           let step = totpStep(code, secret: secret, after: user.twoFactor.lastTOTPStep, now: now),
           logins.acceptOnce("totp:\(user.username):\(step)", now: now) {
            user.twoFactor.lastTOTPStep = step
            method = "totp"
        } else if let recoveryCode, recoveryCode.count < 64 {
            let hash = SecretGenerator.sha256Hex(recoveryCode.lowercased().trimmingCharacters(in: .whitespaces))
            guard let index = user.twoFactor.recoveryCodeHashes.firstIndex(where: { ConstantTime.equals(Array($0.utf8), Array(hash.utf8)) }),
                  logins.acceptOnce("recovery:\(user.username):\(hash)", now: now) else { return nil }
            user.twoFactor.recoveryCodeHashes.remove(at: index)
            method = "recovery code"
        } else if let code, let hash = user.twoFactor.emailCodeHash, let expires = user.twoFactor.emailCodeExpires, expires > now,
                  ConstantTime.equals(Array(hash.utf8), Array(SecretGenerator.sha256Hex(code).utf8)),
                  logins.acceptOnce("email:\(user.username):\(hash)", now: now) {
            user.twoFactor.emailCodeHash = nil
            user.twoFactor.emailCodeExpires = nil
            method = "email"
        } else {
            return nil
        }
        let updated = user
        _ = try await storeCall { try await store.updateAdminUser(updated) }
        return method
    }

    /// The 30-second step `code` is right for, within one step either way of now and after `last`; nil otherwise.
    func totpStep(_ code: String, secret: String, after last: Int64?, now: Date) -> Int64? {
        guard code.count == 6, code.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let totp = TOTP(secret: secret)
        let current = Int64(now.timeIntervalSince1970 / 30)
        for step in (current - 1)...(current + 1) where step > (last ?? .min) {
            let expected = String(format: "%06d", totp.compute(date: Date(timeIntervalSince1970: TimeInterval(step * 30))))
            if ConstantTime.equals(Array(expected.utf8), Array(code.utf8)) { return step }
        }
        return nil
    }

    /// The signed-in caller's own account.
    func callerUser() async throws(AdminError) -> AdminUserRecord {
        guard let username = AdminCaller.current?.username else {
            throw AdminError(.conflict, "this is for a signed-in user's own account (the local socket is no user)")
        }
        return try await user(named: username)
    }
}

/// Answer to starting TOTP enrolment: the key for manual entry (base32), the otpauth URI and its QR code.
public struct TOTPEnrolment: Codable, Sendable {
    public var secret: String
    public var uri: String
    public var qrSVG: String
}

/// Body of `POST /api/v1/me/twofactor/totp/confirm`.
public struct TOTPConfirmation: StrictCodable {
    public var code = ""
    public init() {}
    public static let fields: [StrictField<TOTPConfirmation>] = [.required("code", \.code)]
}

/// Single-use recovery codes, shown once.
public struct RecoveryCodes: Codable, Sendable {
    public var recoveryCodes: [String]
}
