extension [String: String] {
    /// The environment variable `name`, unless it is unset or empty: an empty variable counts as not given, as
    /// `PORTCULLIS_X=` in a service file or a container's environment usually means.
    func nonEmpty(_ name: String) -> String? {
        self[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
