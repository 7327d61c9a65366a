/// Why a backup could not be made or restored, in words a person can act on. Every refusal leaves the data as it was.
public enum BackupError: Error, Equatable, CustomStringConvertible, Sendable {
    case notABackup
    case wrongPassphrase
    case damaged(String)
    case newerVersion(String)
    case unsupported(String)
    case io(String)

    public var description: String {
        switch self {
        case .notABackup: "not a Portcullis backup"
        case .wrongPassphrase: "wrong passphrase"
        case .damaged(let detail): "the backup is damaged (\(detail)); nothing was changed"
        case .newerVersion(let detail): detail
        case .unsupported(let detail): detail
        case .io(let detail): detail
        }
    }
}
