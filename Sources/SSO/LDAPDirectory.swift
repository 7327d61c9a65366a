import CLDAP
import Foundation
import NIOPosix

/// Who the directory says a user is, once their password bound.
public struct LDAPIdentity: Sendable, Equatable {
    public let dn: String
    public let email: String?
    public let name: String?
    /// The DNs of the groups the user is a member of (`memberOf`).
    public let groups: [String]
}

/// Search-then-bind against an LDAP directory or Active Directory through OpenLDAP's libldap: bind as the service
/// account, find the one entry the filter names, bind as that entry with the user's password. The calls block, so
/// they run on NIO's thread pool; every connection has a network and an operation timeout.
public struct LDAPDirectory: Sendable {
    public let settings: LDAPSettings
    let bindPassword: String
    static let timeoutSeconds = 10

    public init(settings: LDAPSettings, bindPassword: String) {
        self.settings = settings
        self.bindPassword = bindPassword
    }

    /// The user's identity when `password` is theirs; throws otherwise (wrong password, unknown or ambiguous user,
    /// or the directory unreachable, each said in the error).
    public func authenticate(username: String, password: String) async throws(SSOError) -> LDAPIdentity {
        // An empty password would be an "unauthenticated bind", which succeeds: refuse it before the directory sees it.
        guard !password.isEmpty, !username.isEmpty, username.count <= 256 else { throw SSOError("wrong username or password") }
        let settings = settings
        let bindPassword = bindPassword
        let result: Result<LDAPIdentity, SSOError>
        do {
            result = try await NIOThreadPool.singleton.runIfActive {
                Result { () throws(SSOError) in try LDAPDirectory.searchThenBind(settings, bindPassword, username, password) }
            }
        } catch {
            throw SSOError("the directory could not be asked: \(error)")
        }
        return try result.get()
    }

    /// RFC 4515: a value inside a filter with `*`, `(`, `)`, `\` and NUL escaped, so a typed name cannot change the filter.
    public static func escape(_ value: String) -> String {
        var escaped = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"), 0: escaped += String(format: "\\%02x", byte)
            default: escaped += String(decoding: [byte], as: UTF8.self)
            }
        }
        return escaped
    }

    private static func searchThenBind(_ settings: LDAPSettings, _ bindPassword: String, _ username: String,
                                       _ password: String) throws(SSOError) -> LDAPIdentity {
        let connection = try open(settings)
        defer { ldap_unbind_ext_s(connection, nil, nil) }
        try bind(connection, settings.bindDN, bindPassword, what: "the service account")
        let filter = settings.userFilter.replacingOccurrences(of: "{username}", with: escape(username))
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        var message: OpaquePointer?
        let attributes = [settings.emailAttribute, "cn", "memberOf"]
        let status = withCStrings(attributes) { names in
            ldap_search_ext_s(connection, settings.baseDN, LDAP_SCOPE_SUBTREE, filter, names, 0, nil, nil, &timeout, 2, &message)
        }
        defer { if message != nil { ldap_msgfree(message) } }
        guard status == LDAP_SUCCESS || status == LDAP_SIZELIMIT_EXCEEDED else { throw SSOError("the search failed: \(describe(status))") }
        guard ldap_count_entries(connection, message) == 1, let entry = ldap_first_entry(connection, message),
              let dnPointer = ldap_get_dn(connection, entry) else {
            throw SSOError("wrong username or password")
        }
        let dn = String(cString: dnPointer)
        ldap_memfree(dnPointer)
        let values = { (name: String) -> [String] in
            guard let list = ldap_get_values_len(connection, entry, name) else { return [] }
            defer { ldap_value_free_len(list) }
            var strings: [String] = []
            var index = 0
            while let value = list[index] {
                strings.append(String(decoding: UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len)), as: UTF8.self))
                index += 1
            }
            return strings
        }
        let identity = LDAPIdentity(dn: dn, email: values(settings.emailAttribute).first, name: values("cn").first, groups: values("memberOf"))
        try bind(connection, dn, password, what: "the user")
        return identity
    }

    private static func open(_ settings: LDAPSettings) throws(SSOError) -> OpaquePointer {
        var connection: OpaquePointer?
        guard ldap_initialize(&connection, settings.uri) == LDAP_SUCCESS, let connection else { throw SSOError("cannot use \(settings.uri)") }
        var version = LDAP_VERSION3
        ldap_set_option(connection, LDAP_OPT_PROTOCOL_VERSION, &version)
        ldap_set_option(connection, LDAP_OPT_REFERRALS, nil)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        ldap_set_option(connection, LDAP_OPT_NETWORK_TIMEOUT, &timeout)
        ldap_set_option(connection, LDAP_OPT_TIMEOUT, &timeout)
        var demand = LDAP_OPT_X_TLS_DEMAND
        ldap_set_option(connection, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand)
        if let caFile = settings.caFile { ldap_set_option(connection, LDAP_OPT_X_TLS_CACERTFILE, caFile) }
        var server = 0
        ldap_set_option(connection, LDAP_OPT_X_TLS_NEWCTX, &server)
        if settings.uri.lowercased().hasPrefix("ldap://"), settings.startTLS {
            let status = ldap_start_tls_s(connection, nil, nil)
            guard status == LDAP_SUCCESS else {
                ldap_unbind_ext_s(connection, nil, nil)
                throw SSOError("StartTLS failed: \(describe(status))")
            }
        }
        return connection
    }

    private static func bind(_ connection: OpaquePointer, _ dn: String, _ password: String, what: String) throws(SSOError) {
        var bytes = Array(password.utf8)
        let status = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                var credential = berval(bv_len: ber_len_t(buffer.count), bv_val: pointer)
                return ldap_sasl_bind_s(connection, dn, nil, &credential, nil, nil, nil)
            }
        }
        if status == LDAP_INVALID_CREDENTIALS { throw SSOError(what == "the user" ? "wrong username or password" : "the service account was refused") }
        guard status == LDAP_SUCCESS else { throw SSOError("binding as \(what) failed: \(describe(status))") }
    }

    private static func describe(_ status: Int32) -> String { String(cString: ldap_err2string(status)) }

    private static func withCStrings<T>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
