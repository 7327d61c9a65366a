/// What one verified manifest means for this installation, decided without I/O: a newer version to announce (once
/// per version), nothing new, or a rollback to refuse (a manifest older than one already seen).
public struct UpdateDecision: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case newer(SemanticVersion, canUpgradeDirectly: Bool)
        case current
        case alreadyAnnounced(SemanticVersion)
        case rollback(offered: SemanticVersion, seen: SemanticVersion)
    }

    public let outcome: Outcome
    /// The state to store after this check.
    public let state: UpdateState

    public init(manifest: ReleaseManifest, running: SemanticVersion, state: UpdateState) {
        var next = state
        if let seen = state.highestSeen, manifest.version < seen {
            outcome = .rollback(offered: manifest.version, seen: seen)
            self.state = next
            return
        }
        next.highestSeen = max(state.highestSeen ?? manifest.version, manifest.version)
        if manifest.version <= running {
            outcome = .current
        } else if state.announced.contains(manifest.version.description) {
            outcome = .alreadyAnnounced(manifest.version)
        } else {
            outcome = .newer(manifest.version, canUpgradeDirectly: running >= manifest.minimumVersion)
            next.announced = Array((state.announced + [manifest.version.description]).suffix(UpdateState.maxAnnounced))
        }
        self.state = next
    }
}
