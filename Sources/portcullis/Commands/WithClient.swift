import AdminAPI
import ArgumentParser

/// Runs one admin operation against the server or the store, printing a user-facing error and exiting 1 on failure.
func withClient<T>(_ data: DataDirectoryOptions, _ body: (any AdminClient) async throws -> T) async throws -> T {
    let client: any AdminClient
    do {
        client = try await AdminClients.connect(data)
    } catch {
        Output.error("cannot open the data directory \(data.path): \(error)")
        throw ExitCode.failure
    }
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        Output.error("\(error)")
        throw ExitCode.failure
    }
}
