import Defense
import Events

extension CallRule {
    /// The catalogued event the refusal raises, if any.
    public var event: EventKind? {
        switch self {
        case .countryDisallowed: EventCatalogue.disallowedCountry
        case .frequencyExceeded: EventCatalogue.callFrequencyExceeded
        case .blockedNumber: EventCatalogue.blockedNumberDialed
        default: nil
        }
    }
}
