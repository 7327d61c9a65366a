import Foundation
import HTTPTypes
import Hummingbird
import Model

/// The session's two cookies: its secret (which makes the caller) and its CSRF token (which the portal's forms carry
/// back and scripts send as `X-CSRF-Token`). Both are HttpOnly, Secure and SameSite=Strict.
public enum SessionCookies {
    public static let session = "portcullis_session"
    public static let csrf = "portcullis_csrf"
    static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]

    /// Whether `presented` is the CSRF token whose hash the session keeps (compared in constant time).
    public static func csrfMatches(_ presented: String?, hash: String) -> Bool {
        guard let presented else { return false }
        return ConstantTime.equals(Array(SecretGenerator.sha256Hex(presented).utf8), Array(hash.utf8))
    }

    /// The value of cookie `name`, if the request carries it once.
    public static func cookie(_ name: String, in request: Request) -> String? {
        let values = request.headers[values: .cookie].flatMap { $0.split(separator: ";") }.compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 && parts[0] == name ? parts[1] : nil
        }
        return values.count == 1 ? values[0] : nil
    }

    /// `Set-Cookie` for the session and its CSRF token (a login), or to remove both (`answer` nil: a logout): script
    /// cannot read them, they travel over HTTPS only, and other sites' pages cannot send them.
    public static func loginCookies(_ answer: LoginAnswer?) -> HTTPFields {
        let age = answer?.cookieMaxAge ?? 0
        return [.setCookie: header(session, answer?.sessionSecret ?? "", maxAge: age),
                .setCookie: header(csrf, answer?.csrfToken ?? "", maxAge: age)]
    }

    private static func header(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Strict"
    }
}
