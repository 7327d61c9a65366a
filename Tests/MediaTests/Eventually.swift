/// Waits for `condition` with a deadline rather than a fixed sleep: the media loops run on their own threads, and under
/// a loaded machine a fixed wait is sometimes too short.
func eventually(within seconds: Int = 10, _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
