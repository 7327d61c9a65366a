/// Who reaches a router of the admin API, and how a caller is established there.
public enum AdminAccess: Sendable {
    /// The TCP listener: API tokens and session cookies. `hosts`: the names it answers to besides address literals and
    /// localhost; `scheme`: `HTTPS` or `HTTP`, as a login block's row names the protocol.
    case network(hosts: Set<String>, scheme: String)
    /// The owner-only Unix socket or the CLI in-process, where the file permissions are the authentication.
    case socket
    /// In-process calls on behalf of a caller the portal has already authenticated (or nobody): the request's
    /// `AdminDelegation` is the caller, its address and listener.
    case delegated
}
