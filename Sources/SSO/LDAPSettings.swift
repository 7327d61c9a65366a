import Model

/// LDAP / Active Directory sign-in (the `sso.ldap` section): search the user with a service account, then bind as
/// the user with the password given. The service account's password is stored sealed and never shown.
public struct LDAPSettings: StoredSettings {
    public static let storeKey = "sso.ldap"

    /// A directory group and the role its members get; the first group a user is in decides.
    public struct GroupRole: StrictCodable, Equatable {
        public var group = ""
        public var role = ""
        public init() {}
        public init(group: String, role: String) {
            self.group = group
            self.role = role
        }
        public static let fields: [StrictField<GroupRole>] = [.required("group", \.group), .required("role", \.role)]
    }

    public var enabled = false
    /// `ldaps://host:636` or `ldap://host:389` (then `startTLS`).
    public var uri = ""
    /// Upgrade an `ldap://` connection with StartTLS before any password is sent. Off only for a directory on a
    /// loopback address.
    public var startTLS = true
    /// A PEM file of the CA that signed the directory's certificate.
    public var caFile: String?
    public var bindDN = ""
    /// Sealed in the store; nil in answers.
    public var bindPassword: String?
    public var baseDN = ""
    /// `{username}` is replaced by the name typed (escaped): `(sAMAccountName={username})` for Active Directory.
    public var userFilter = "(uid={username})"
    public var emailAttribute = "mail"
    public var groupRoles: [GroupRole] = []
    /// The role of a user in none of `groupRoles`; nil refuses them.
    public var defaultRole: String?

    public init() {}

    public static let fields: [StrictField<LDAPSettings>] = [
        .init("enabled", \.enabled), .init("uri", \.uri), .init("startTLS", \.startTLS), .init("caFile", \.caFile), .init("bindDN", \.bindDN),
        .init("bindPassword", \.bindPassword), .init("baseDN", \.baseDN), .init("userFilter", \.userFilter),
        .init("emailAttribute", \.emailAttribute), .init("groupRoles", \.groupRoles), .init("defaultRole", \.defaultRole),
    ]

    /// Every problem as `sso.ldap.FIELD: message`; role names are checked by the caller.
    public var problems: [String] {
        guard enabled else { return [] }
        var problems: [String] = []
        let parts = URLParts(uri)
        if parts == nil || !["ldap", "ldaps"].contains(parts?.scheme ?? "") { problems.append("sso.ldap.uri: must be ldaps://HOST[:PORT] or ldap://HOST[:PORT]") }
        if parts?.scheme == "ldap", !startTLS, parts?.isLoopback != true {
            problems.append("sso.ldap.startTLS: passwords would cross the network in clear; use ldaps:// or startTLS")
        }
        if bindDN.isEmpty || baseDN.isEmpty { problems.append("sso.ldap.bindDN: a service account DN and a baseDN are needed") }
        if !userFilter.contains("{username}") || !userFilter.hasPrefix("(") || !userFilter.hasSuffix(")") {
            problems.append("sso.ldap.userFilter: must be an LDAP filter with {username}, such as (sAMAccountName={username})")
        }
        if groupRoles.count > 100 { problems.append("sso.ldap.groupRoles: at most 100") }
        return problems
    }
}
