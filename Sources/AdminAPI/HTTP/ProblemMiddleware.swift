import Hummingbird
import Logging

/// Turns every error, including the framework's own (bad JSON, missing route parameter), into problem+json,
/// so API clients handle one error shape.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AdminRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AdminError {
            throw error
        } catch let error as any HTTPResponseError {
            let detail = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            switch error.status.code {
            case 401: throw AdminError(.unauthorized, detail)
            case 404: throw AdminError(.notFound, detail)
            case 409: throw AdminError(.conflict, detail)
            case 413: throw AdminError(.tooLarge, "the request body is over \(context.maxUploadSize) bytes")
            case 400..<500: throw AdminError(.invalidInput, detail)
            default: throw AdminError(.internalError, detail)
            }
        } catch {
            context.logger.error("admin request failed", metadata: ["error": "\(error)"])
            throw AdminError(.internalError, "the server could not complete the request")
        }
    }
}
