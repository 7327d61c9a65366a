/// The version of this build, declared once: backups record it, and later the update check compares with it.
public enum PortcullisVersion {
    public static let current = "0.16.0"
}
