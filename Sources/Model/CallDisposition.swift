/// How a call attempt ended, as call records, the API and the CLI name it.
public enum CallDisposition: String, StrictChoice {
    case answered
    case busy
    case noAnswer = "no answer"
    case cancelled
    /// The PBX could not complete it (no route, not registered, malformed, no media ports...).
    case failed
    /// A rule stopped it (the outbound policy, a limit, a wrong PIN).
    case refused
}
