import AdminAPI
import ArgumentParser

/// Runs admin operations against the server or the data directory, printing a user-facing error and exiting 1 on
/// failure.
func withClient<T>(_ data: DataDirectoryOptions, _ body: (AdminClient) async throws -> T) async throws -> T {
    if let console = ConsoleContext.current {
        do {
            return try await body(console.client)
        } catch {
            Output.error("\(error)")
            throw ExitCode.failure
        }
    }
    let client: AdminClient
    do {
        client = try await AdminClient.connect(data)
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
